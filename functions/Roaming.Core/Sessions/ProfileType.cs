using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Sessions;

/// <summary>OCPI ProfileType (mod_sessions): the driver's charging preference; also a token's default_profile_type.</summary>
[JsonConverter(typeof(OcpiEnumConverter<ProfileType>))]
public enum ProfileType
{
    [JsonStringEnumMemberName("CHEAP")] Cheap,
    [JsonStringEnumMemberName("FAST")] Fast,
    [JsonStringEnumMemberName("GREEN")] Green,
    [JsonStringEnumMemberName("REGULAR")] Regular,
}

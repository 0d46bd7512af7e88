using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Types;

/// <summary>OCPI Role (types chapter). IEC 63119: CSO = CPO, CSP = EMSP, clearing house = HUB.</summary>
[JsonConverter(typeof(OcpiEnumConverter<Role>))]
public enum Role
{
    [JsonStringEnumMemberName("CPO")] Cpo,
    [JsonStringEnumMemberName("EMSP")] Emsp,
    [JsonStringEnumMemberName("HUB")] Hub,
    [JsonStringEnumMemberName("NAP")] Nap,
    [JsonStringEnumMemberName("NSP")] Nsp,
    [JsonStringEnumMemberName("OTHER")] Other,
    [JsonStringEnumMemberName("SCSP")] Scsp,
}

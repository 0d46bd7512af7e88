using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Tokens;

/// <summary>OCPI TokenType (mod_tokens); also carried by a CDR's CdrToken.</summary>
[JsonConverter(typeof(OcpiEnumConverter<TokenType>))]
public enum TokenType
{
    [JsonStringEnumMemberName("AD_HOC_USER")] AdHocUser,
    [JsonStringEnumMemberName("APP_USER")] AppUser,
    [JsonStringEnumMemberName("OTHER")] Other,
    [JsonStringEnumMemberName("RFID")] Rfid,
}

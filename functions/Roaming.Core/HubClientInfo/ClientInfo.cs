using System.Text.Json.Serialization;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.HubClientInfo;

/// <summary>OCPI ClientInfo (mod_hub_client_info): a party connected to a hub, its role and the state of its connection.</summary>
public sealed record ClientInfo : IOcpiValidatable
{
    public string? PartyId { get; init; }
    public string? CountryCode { get; init; }
    public Role? Role { get; init; }
    public ConnectionStatus? Status { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    [JsonIgnore]
    public PartyKey Key => new(CountryCode ?? "", PartyId ?? "");

    public void Validate(OcpiValidator v)
    {
        v.CiString("party_id", PartyId, 3);
        v.CiString("country_code", CountryCode, 2);
        v.Required("role", Role);
        v.Required("status", Status);
        v.Required("last_updated", LastUpdated);
    }
}

/// <summary>OCPI ConnectionStatus: a closed list.</summary>
[JsonConverter(typeof(OcpiEnumConverter<ConnectionStatus>))]
public enum ConnectionStatus
{
    [JsonStringEnumMemberName("CONNECTED")] Connected,
    [JsonStringEnumMemberName("OFFLINE")] Offline,
    [JsonStringEnumMemberName("PLANNED")] Planned,
    /// <summary>No longer active, will never connect again.</summary>
    [JsonStringEnumMemberName("SUSPENDED")] Suspended,
}

/// <summary>
/// A ClientInfo as stored: what one hub connection reported. Two hubs may report the same party; each keeps its own
/// report, and a hub reads back only its own. The hub is set from the caller, never read from the wire.
/// </summary>
public sealed record ReportedClientInfo(string Hub, ClientInfo ClientInfo);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(ClientInfo))]
[JsonSerializable(typeof(ReportedClientInfo))]
[JsonSerializable(typeof(List<ClientInfo>))]
public sealed partial class HubClientInfoJson : JsonSerializerContext;

using System.Text.Json.Serialization;
using Roaming.Core.Cdrs;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Sessions;

/// <summary>OCPI Session (mod_sessions): one charging session as it goes on, owned by the CPO.</summary>
public sealed record Session : IOcpiValidatable
{
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    public string? Id { get; init; }
    public DateTimeOffset? StartDateTime { get; init; }
    public DateTimeOffset? EndDateTime { get; init; }
    public decimal? Kwh { get; init; }
    public CdrToken? CdrToken { get; init; }
    public AuthMethod? AuthMethod { get; init; }
    public string? AuthorizationReference { get; init; }
    public string? LocationId { get; init; }
    /// <summary>"#NA" while a reservation has no EVSE yet.</summary>
    public string? EvseUid { get; init; }
    public string? ConnectorId { get; init; }
    public string? MeterId { get; init; }
    public string? Currency { get; init; }
    public List<ChargingPeriod>? ChargingPeriods { get; init; }
    public Price? TotalCost { get; init; }
    public SessionStatus? Status { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    [JsonIgnore]
    public PartyKey Party => new(CountryCode ?? "", PartyId ?? "");

    /// <summary>The eMSP whose token started the session: the one party a session (and its CDR) is for.</summary>
    [JsonIgnore]
    public PartyKey? TokenParty => CdrToken is { CountryCode: { } cc, PartyId: { } pid } ? new PartyKey(cc, pid) : null;

    public void Validate(OcpiValidator v)
    {
        v.CiString("country_code", CountryCode, 2);
        v.CiString("party_id", PartyId, 3);
        v.CiString("id", Id, 36);
        v.Required("start_date_time", StartDateTime);
        if (EndDateTime < StartDateTime) v.Fail("end_date_time", "before start_date_time");
        v.Required("kwh", Kwh);
        v.Object("cdr_token", CdrToken);
        v.Required("auth_method", AuthMethod);
        v.CiString("authorization_reference", AuthorizationReference, 36, required: false);
        v.CiString("location_id", LocationId, 36);
        v.CiString("evse_uid", EvseUid, 36);
        v.CiString("connector_id", ConnectorId, 36);
        v.String("meter_id", MeterId, 255, required: false);
        v.String("currency", Currency, 3);
        v.List("charging_periods", ChargingPeriods, required: false);
        v.Object("total_cost", TotalCost, required: false);
        v.Required("status", Status);
        v.Required("last_updated", LastUpdated);
    }
}

[JsonConverter(typeof(OcpiEnumConverter<SessionStatus>))]
public enum SessionStatus
{
    [JsonStringEnumMemberName("ACTIVE")] Active,
    [JsonStringEnumMemberName("COMPLETED")] Completed,
    [JsonStringEnumMemberName("INVALID")] Invalid,
    [JsonStringEnumMemberName("PENDING")] Pending,
    [JsonStringEnumMemberName("RESERVATION")] Reservation,
}

/// <summary>OCPI ChargingPreferences: what the driver asks of an ongoing session, through the eMSP.</summary>
public sealed record ChargingPreferences : IOcpiValidatable
{
    public ProfileType? ProfileType { get; init; }
    public DateTimeOffset? DepartureTime { get; init; }
    public decimal? EnergyNeed { get; init; }
    public bool? DischargeAllowed { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("profile_type", ProfileType);
        if (EnergyNeed < 0) v.Fail("energy_need", "must not be negative");
    }
}

[JsonConverter(typeof(OcpiEnumConverter<ChargingPreferencesResponse>))]
public enum ChargingPreferencesResponse
{
    [JsonStringEnumMemberName("ACCEPTED")] Accepted,
    [JsonStringEnumMemberName("DEPARTURE_REQUIRED")] DepartureRequired,
    [JsonStringEnumMemberName("ENERGY_NEED_REQUIRED")] EnergyNeedRequired,
    [JsonStringEnumMemberName("NOT_POSSIBLE")] NotPossible,
    [JsonStringEnumMemberName("PROFILE_TYPE_NOT_SUPPORTED")] ProfileTypeNotSupported,
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(Session))]
[JsonSerializable(typeof(List<Session>))]
[JsonSerializable(typeof(ChargingPreferences))]
[JsonSerializable(typeof(ChargingPreferencesResponse))]
public sealed partial class SessionsJson : JsonSerializerContext;

using System.Text.Json;
using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.ChargingProfiles;

/// <summary>OCPI ChargingRateUnit: watts (total power) or amperes (per phase).</summary>
[JsonConverter(typeof(OcpiEnumConverter<ChargingRateUnit>))]
public enum ChargingRateUnit
{
    [JsonStringEnumMemberName("W")] W,
    [JsonStringEnumMemberName("A")] A,
}

/// <summary>OCPI ChargingProfileResponseType: the CPO's own answer to a request.</summary>
[JsonConverter(typeof(OcpiEnumConverter<ChargingProfileResponseType>))]
public enum ChargingProfileResponseType
{
    [JsonStringEnumMemberName("ACCEPTED")] Accepted,
    [JsonStringEnumMemberName("NOT_SUPPORTED")] NotSupported,
    [JsonStringEnumMemberName("REJECTED")] Rejected,
    [JsonStringEnumMemberName("TOO_OFTEN")] TooOften,
    [JsonStringEnumMemberName("UNKNOWN_SESSION")] UnknownSession,
}

/// <summary>OCPI ChargingProfileResultType: the EVSE's answer, posted to the response_url.</summary>
[JsonConverter(typeof(OcpiEnumConverter<ChargingProfileResultType>))]
public enum ChargingProfileResultType
{
    [JsonStringEnumMemberName("ACCEPTED")] Accepted,
    [JsonStringEnumMemberName("REJECTED")] Rejected,
    [JsonStringEnumMemberName("UNKNOWN")] Unknown,
}

/// <summary>OCPI ChargingProfilePeriod: from start_period (seconds from the profile's start) on, at most this limit.</summary>
public sealed record ChargingProfilePeriod : IOcpiValidatable
{
    public int? StartPeriod { get; init; }
    public decimal? Limit { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("start_period", StartPeriod);
        if (StartPeriod < 0) v.Fail("start_period", "must not be negative");
        v.Required("limit", Limit);
        ChargingProfile.OneDecimal(v, "limit", Limit);
    }
}

/// <summary>OCPI ChargingProfile: limits of power or current over time, a maximum, not a target.</summary>
public sealed record ChargingProfile : IOcpiValidatable
{
    public DateTimeOffset? StartDateTime { get; init; }
    public int? Duration { get; init; }
    public ChargingRateUnit? ChargingRateUnit { get; init; }
    public decimal? MinChargingRate { get; init; }
    public List<ChargingProfilePeriod>? ChargingProfilePeriod { get; init; }

    public void Validate(OcpiValidator v)
    {
        if (Duration < 0) v.Fail("duration", "must not be negative");
        v.Required("charging_rate_unit", ChargingRateUnit);
        OneDecimal(v, "min_charging_rate", MinChargingRate);
        v.List("charging_profile_period", ChargingProfilePeriod, required: false, max: OcpiLimits.ChargingProfilePeriods);
        // Each period's start is the previous one's end.
        if (ChargingProfilePeriod is { Count: > 1 } periods && periods.Zip(periods.Skip(1)).Any(p => p.First?.StartPeriod >= p.Second?.StartPeriod))
            v.Fail("charging_profile_period", "start_period must increase from one period to the next");
    }

    /// <summary>A number of which the spec accepts at most one digit of fraction (8.1).</summary>
    internal static void OneDecimal(OcpiValidator v, string field, decimal? value)
    {
        if (value is { } n && decimal.Round(n, 1) != n) v.Fail(field, "at most one digit after the decimal point");
    }
}

/// <summary>OCPI ActiveChargingProfile: the profile the charge point calculated from all its inputs, relative to start_date_time.</summary>
public sealed record ActiveChargingProfile : IOcpiValidatable
{
    public DateTimeOffset? StartDateTime { get; init; }
    public ChargingProfile? ChargingProfile { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("start_date_time", StartDateTime);
        v.Object("charging_profile", ChargingProfile);
    }
}

/// <summary>OCPI ChargingProfileResponse: the CPO's answer in the HTTP response, with how long the result may take.</summary>
public sealed record ChargingProfileResponse : IOcpiValidatable
{
    public ChargingProfileResponseType? Result { get; init; }
    public int? Timeout { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("result", Result);
        v.Required("timeout", Timeout);
        if (Timeout < 0) v.Fail("timeout", "must not be negative");
    }
}

/// <summary>The result of one of the three requests, posted to its response_url: each carries the EVSE's result.</summary>
public interface IProfileResult : IOcpiValidatable
{
    ChargingProfileResultType? Result { get; }
}

/// <summary>OCPI ActiveChargingProfileResult: the result of a GET, with the profile when ACCEPTED.</summary>
public sealed record ActiveChargingProfileResult : IProfileResult
{
    public ChargingProfileResultType? Result { get; init; }
    public ActiveChargingProfile? Profile { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("result", Result);
        v.Object("profile", Profile, required: false);
    }
}

/// <summary>OCPI ChargingProfileResult: the result of a PUT (SetChargingProfile).</summary>
public sealed record ChargingProfileResult : IProfileResult
{
    public ChargingProfileResultType? Result { get; init; }

    public void Validate(OcpiValidator v) => v.Required("result", Result);
}

/// <summary>OCPI ClearProfileResult: the result of a DELETE (ClearProfile).</summary>
public sealed record ClearProfileResult : IProfileResult
{
    public ChargingProfileResultType? Result { get; init; }

    public void Validate(OcpiValidator v) => v.Required("result", Result);
}

/// <summary>OCPI SetChargingProfile: the body of a PUT on the receiver interface.</summary>
public sealed record SetChargingProfile : IOcpiValidatable
{
    public ChargingProfile? ChargingProfile { get; init; }
    public string? ResponseUrl { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Object("charging_profile", ChargingProfile);
        v.Url("response_url", ResponseUrl);
    }
}

/// <summary>
/// The three requests of the receiver interface, as the engine of asynchronous requests names them (in records, URLs
/// and on "commands-out"): PUT sets a profile, GET asks for the active one, DELETE clears it.
/// </summary>
public static class ProfileRequests
{
    public const string Set = "SET_CHARGING_PROFILE";
    public const string GetActive = "GET_ACTIVE_CHARGING_PROFILE";
    public const string Clear = "CLEAR_PROFILE";

    public static readonly IReadOnlyList<string> All = [Set, GetActive, Clear];

    public static string Name(ChargingProfileResultType type) => EnumNames.Of(typeof(ChargingProfileResultType)).NameOf(type);

    public static string Name(ChargingProfileResponseType type) => EnumNames.Of(typeof(ChargingProfileResponseType)).NameOf(type);
}

/// <summary>
/// A session's charging profile as one side knows it: at the CPO, the sender that set a profile on it (who hears of
/// every change of the active profile) and the active profile our back office reported; at the sender, the active
/// profile the CPO last reported.
/// </summary>
public sealed record ProfileSession
{
    /// <summary>The CPO's party, whose session it is.</summary>
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    public string? SessionId { get; init; }
    /// <summary>The other side's connection: at the CPO the sender's, at the sender the CPO's.</summary>
    public string? PartnerId { get; init; }
    /// <summary>The party that set the profile (an eMSP or SCSP).</summary>
    public string? FromCountryCode { get; init; }
    public string? FromPartyId { get; init; }
    /// <summary>The profile the sender set and the EVSE accepted.</summary>
    public ChargingProfile? ChargingProfile { get; init; }
    public ActiveChargingProfile? ActiveChargingProfile { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    [JsonIgnore]
    public Types.PartyKey Party => new(CountryCode!, PartyId!);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(ChargingProfile))]
[JsonSerializable(typeof(ActiveChargingProfile))]
[JsonSerializable(typeof(ChargingProfileResponse))]
[JsonSerializable(typeof(ActiveChargingProfileResult))]
[JsonSerializable(typeof(ChargingProfileResult))]
[JsonSerializable(typeof(ClearProfileResult))]
[JsonSerializable(typeof(SetChargingProfile))]
[JsonSerializable(typeof(ProfileSession))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class ChargingProfilesJson : JsonSerializerContext;

using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Cdrs;

/// <summary>
/// OCPI ChargingPeriod (mod_cdrs, shared with Sessions): from its start until the next period starts,
/// the last one until the session ends.
/// </summary>
public sealed record ChargingPeriod : IOcpiValidatable
{
    public DateTimeOffset? StartDateTime { get; init; }
    public List<CdrDimension>? Dimensions { get; init; }
    public string? TariffId { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("start_date_time", StartDateTime);
        v.List("dimensions", Dimensions, atLeastOne: true);
        v.CiString("tariff_id", TariffId, 36, required: false);
    }
}

public sealed record CdrDimension : IOcpiValidatable
{
    public CdrDimensionType? Type { get; init; }
    public decimal? Volume { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("type", Type);
        v.Required("volume", Volume);
        if (Type == CdrDimensionType.StateOfCharge) v.Range("volume", Volume, 0, 100);
    }
}

/// <summary>OCPI CdrDimensionType. CURRENT, ENERGY_EXPORT, ENERGY_IMPORT, POWER and STATE_OF_CHARGE are for Sessions only.</summary>
[JsonConverter(typeof(OcpiEnumConverter<CdrDimensionType>))]
public enum CdrDimensionType
{
    [JsonStringEnumMemberName("CURRENT")] Current,
    [JsonStringEnumMemberName("ENERGY")] Energy,
    [JsonStringEnumMemberName("ENERGY_EXPORT")] EnergyExport,
    [JsonStringEnumMemberName("ENERGY_IMPORT")] EnergyImport,
    [JsonStringEnumMemberName("MAX_CURRENT")] MaxCurrent,
    [JsonStringEnumMemberName("MIN_CURRENT")] MinCurrent,
    [JsonStringEnumMemberName("MAX_POWER")] MaxPower,
    [JsonStringEnumMemberName("MIN_POWER")] MinPower,
    [JsonStringEnumMemberName("PARKING_TIME")] ParkingTime,
    [JsonStringEnumMemberName("POWER")] Power,
    [JsonStringEnumMemberName("RESERVATION_TIME")] ReservationTime,
    [JsonStringEnumMemberName("STATE_OF_CHARGE")] StateOfCharge,
    [JsonStringEnumMemberName("TIME")] Time,
}

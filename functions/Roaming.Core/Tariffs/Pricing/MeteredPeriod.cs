namespace Roaming.Core.Tariffs.Pricing;

/// <summary>
/// One charging period as the engine reads it: the volumes of the priced dimensions (ENERGY in kWh,
/// TIME, PARKING_TIME and RESERVATION_TIME in hours, as in a CDR) and the current and power extremes
/// the restrictions look at. It runs until the next period starts, the last one until the session ends.
/// </summary>
public readonly record struct MeteredPeriod
{
    public DateTimeOffset Start { get; init; }
    public decimal Energy { get; init; }
    public decimal Time { get; init; }
    public decimal ParkingTime { get; init; }
    public decimal ReservationTime { get; init; }
    public decimal? MinCurrent { get; init; }
    public decimal? MaxCurrent { get; init; }
    public decimal? MinPower { get; init; }
    public decimal? MaxPower { get; init; }

    /// <summary>A period of a reservation only; a CDR made only of these is a reservation that expired unused.</summary>
    public bool IsReservationOnly => ReservationTime > 0 && Energy == 0 && Time == 0 && ParkingTime == 0;
}

/// <summary>
/// What the engine prices: the session's start and end (a CDR's start_date_time and end_date_time),
/// its periods in time order, the location's time zone, and the tariff type the session qualifies for
/// (REGULAR unless the driver set a charging preference or paid ad hoc).
/// </summary>
public readonly record struct PricingRequest(
    DateTimeOffset Start,
    DateTimeOffset End,
    ReadOnlyMemory<MeteredPeriod> Periods,
    TimeZoneInfo TimeZone,
    TariffType SessionType = TariffType.Regular);

/// <summary>The session cannot be priced with this tariff; the message says why.</summary>
public sealed class TariffPricingException(string message) : Exception(message);

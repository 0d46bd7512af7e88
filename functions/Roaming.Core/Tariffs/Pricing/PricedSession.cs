namespace Roaming.Core.Tariffs.Pricing;

/// <summary>An amount excluding and including VAT.</summary>
public readonly record struct Amount(decimal ExclVat, decimal InclVat)
{
    public static Amount operator +(Amount a, Amount b) => new(a.ExclVat + b.ExclVat, a.InclVat + b.InclVat);
}

/// <summary>The CDR's cost fields. A category is null when nothing in the session was priced in it.</summary>
public readonly record struct CdrCosts(
    Amount Total,
    Amount? Energy,
    Amount? Time,
    Amount? Parking,
    Amount? Fixed,
    Amount? Reservation);

/// <summary>What a charge prices, which decides the CDR cost field it adds to.</summary>
public enum BilledDimension
{
    /// <summary>A FLAT component of the charging session: total_fixed_cost.</summary>
    Flat,
    Energy,
    Time,
    ParkingTime,
    /// <summary>A FLAT component of a reservation element: total_reservation_cost.</summary>
    ReservationFlat,
    /// <summary>A TIME component of a reservation element: total_reservation_cost.</summary>
    ReservationTime,
}

/// <summary>
/// One priced part of a billed period, traceable to the tariff element and price component that priced it.
/// Quantity is in the component's unit (kWh, hours, or 1 for a flat fee) and includes StepExtra, the
/// amount step_size added; costs are exact.
/// </summary>
public readonly record struct BilledCharge(
    int BilledPeriod,
    BilledDimension Dimension,
    int ElementIndex,
    int ComponentIndex,
    decimal Quantity,
    decimal StepExtra,
    decimal UnitPrice,
    decimal? Vat,
    decimal CostExclVat,
    decimal CostInclVat);

/// <summary>
/// A charging period as billed: a source period, or the part of one between two restriction boundaries,
/// with its share of the source's volumes. Its charges are <see cref="PricedSession.ChargesOf"/>.
/// </summary>
public readonly record struct BilledPeriod(
    int SourcePeriod,
    DateTimeOffset Start,
    DateTimeOffset End,
    decimal Energy,
    decimal Time,
    decimal ParkingTime,
    decimal ReservationTime,
    int FirstCharge,
    int ChargeCount);

/// <summary>Consumption that no price component priced: free by the spec's rule, reported so it is never silent.</summary>
public readonly record struct UnpricedQuantity(int BilledPeriod, BilledDimension Dimension, decimal Quantity);

/// <summary>The engine's answer: exact costs, the same rounded for the CDR, totals and the billed periods.</summary>
public sealed class PricedSession
{
    internal PricedSession(string currency, CdrCosts exact, decimal totalEnergy, decimal totalTime, decimal totalParkingTime,
        decimal totalReservationTime, BilledPeriod[] periods, BilledCharge[] charges, UnpricedQuantity[] unpriced,
        bool minPriceApplied, bool maxPriceApplied)
    {
        Currency = currency;
        MinorUnitDigits = CurrencyRounding.MinorUnitDigits(currency);
        Exact = exact;
        Rounded = RoundedTo(MinorUnitDigits);
        TotalEnergy = totalEnergy;
        TotalTime = totalTime;
        TotalParkingTime = totalParkingTime;
        TotalReservationTime = totalReservationTime;
        Periods = periods;
        Charges = charges;
        Unpriced = unpriced;
        MinPriceApplied = minPriceApplied;
        MaxPriceApplied = maxPriceApplied;
    }

    public string Currency { get; }
    public int MinorUnitDigits { get; }

    /// <summary>Unrounded costs; Total is after min_price and max_price.</summary>
    public CdrCosts Exact { get; }

    /// <summary>Each exact cost rounded once to the currency's minor unit (see <see cref="CurrencyRounding"/>).</summary>
    public CdrCosts Rounded { get; }

    /// <summary>Each exact cost rounded once to <paramref name="digits"/> decimals.</summary>
    public CdrCosts RoundedTo(int digits) =>
        new(Round(Exact.Total, digits), Round(Exact.Energy, digits), Round(Exact.Time, digits), Round(Exact.Parking, digits),
            Round(Exact.Fixed, digits), Round(Exact.Reservation, digits));

    /// <summary>kWh charged, from the periods' ENERGY.</summary>
    public decimal TotalEnergy { get; }

    /// <summary>Hours from the session's start to its end (the CDR's total_time).</summary>
    public decimal TotalTime { get; }

    /// <summary>Hours of PARKING_TIME over the periods.</summary>
    public decimal TotalParkingTime { get; }

    public decimal TotalReservationTime { get; }
    public IReadOnlyList<BilledPeriod> Periods { get; }
    public IReadOnlyList<BilledCharge> Charges { get; }
    public IReadOnlyList<UnpricedQuantity> Unpriced { get; }
    public bool MinPriceApplied { get; }
    public bool MaxPriceApplied { get; }

    public ReadOnlySpan<BilledCharge> ChargesOf(in BilledPeriod period) =>
        ((BilledCharge[])Charges).AsSpan(period.FirstCharge, period.ChargeCount);

    private static Amount Round(Amount a, int digits) => new(CurrencyRounding.Round(a.ExclVat, digits), CurrencyRounding.Round(a.InclVat, digits));

    private static Amount? Round(Amount? a, int digits) => a is { } v ? Round(v, digits) : null;
}

using Roaming.Core.Tariffs;
using Roaming.Core.Tariffs.Pricing;
using DayOfWeek = Roaming.Core.Tariffs.DayOfWeek;

namespace Roaming.Core.Tests.Tariffs;

/// <summary>
/// Properties over many generated sessions and tariffs (fixed seeds, so a failure reproduces):
/// costs are never negative, cutting a period in two never changes the price, and the billed periods
/// add up to the totals.
/// </summary>
public class TariffPropertyTests
{
    private static readonly TimeZoneInfo Amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Costs_are_never_negative(int seed)
    {
        var (pricer, request) = Generate(new Random(seed));
        var priced = pricer.Price(request);
        Assert.All(priced.Charges, c => Assert.True(c.CostExclVat >= 0 && c.CostInclVat >= 0 && c.Quantity >= 0));
        Assert.True(priced.Exact.Total.ExclVat >= 0 && priced.Exact.Total.InclVat >= 0);
        Assert.True(priced.Rounded.Total.ExclVat >= 0 && priced.Rounded.Total.InclVat >= 0);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Cutting_a_period_in_two_never_changes_the_price(int seed)
    {
        var random = new Random(seed);
        var (pricer, request) = Generate(random);
        var periods = request.Periods.ToArray();
        var at = random.Next(periods.Length);
        var start = periods[at].Start;
        var end = at + 1 < periods.Length ? periods[at + 1].Start : request.End;
        var seconds = (int)(end - start).TotalSeconds;
        if (seconds < 2) return;
        var cut = start.AddSeconds(random.Next(1, seconds));
        var share = (decimal)(cut - start).Ticks / (end - start).Ticks;
        var p = periods[at];
        var first = p with { Energy = p.Energy * share, Time = p.Time * share, ParkingTime = p.ParkingTime * share, ReservationTime = p.ReservationTime * share };
        var second = p with
        {
            Start = cut, Energy = p.Energy - first.Energy, Time = p.Time - first.Time,
            ParkingTime = p.ParkingTime - first.ParkingTime, ReservationTime = p.ReservationTime - first.ReservationTime,
        };
        MeteredPeriod[] split = [.. periods[..at], first, second, .. periods[(at + 1)..]];

        var whole = pricer.Price(request);
        var halves = pricer.Price(request with { Periods = split });
        Assert.Equal(whole.Rounded, halves.Rounded);
        Close(whole.Exact.Total, halves.Exact.Total);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void The_billed_periods_add_up_to_the_totals(int seed)
    {
        var (pricer, request) = Generate(new Random(seed));
        var priced = pricer.Price(request);
        var input = request.Periods.ToArray();
        Close(input.Sum(p => p.Energy), priced.Periods.Sum(p => p.Energy));
        Close(priced.TotalEnergy, priced.Periods.Sum(p => p.Energy));
        Close(priced.TotalParkingTime, priced.Periods.Sum(p => p.ParkingTime));
        Close(input.Sum(p => p.Time), priced.Periods.Sum(p => p.Time));

        // Every charge belongs to exactly one billed period, in order.
        var next = 0;
        foreach (var period in priced.Periods)
        {
            Assert.Equal(next, period.FirstCharge);
            foreach (var c in priced.ChargesOf(period)) Assert.Equal(period, priced.Periods[c.BilledPeriod]);
            next += period.ChargeCount;
        }
        Assert.Equal(priced.Charges.Count, next);

        Amount Sum(params BilledDimension[] dims) => priced.Charges.Where(c => dims.Contains(c.Dimension))
            .Aggregate(new Amount(0, 0), (a, c) => a + new Amount(c.CostExclVat, c.CostInclVat));
        Close(Sum(BilledDimension.Energy), priced.Exact.Energy ?? default);
        Close(Sum(BilledDimension.Time), priced.Exact.Time ?? default);
        Close(Sum(BilledDimension.ParkingTime), priced.Exact.Parking ?? default);
        Close(Sum(BilledDimension.Flat), priced.Exact.Fixed ?? default);
        if (!priced.MinPriceApplied && !priced.MaxPriceApplied)
            Close(Sum(Enum.GetValues<BilledDimension>()), priced.Exact.Total);
    }

    /// <summary>
    /// Equal to 1e-20: a decimal holds 28 significant digits, so adding thirds of a kWh in another order
    /// can move the 28th digit; nothing finer than 1e-20 of a unit is ever billed.
    /// </summary>
    private static void Close(decimal expected, decimal actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-20m, $"expected {expected}, got {actual}");

    private static void Close(Amount expected, Amount actual)
    {
        Close(expected.ExclVat, actual.ExclVat);
        Close(expected.InclVat, actual.InclVat);
    }

    /// <summary>A random time-of-day tariff (with tiers and parking) and a random 2-40 period session in Amsterdam.</summary>
    private static (TariffPricer, PricingRequest) Generate(Random random)
    {
        decimal Money(int max) => random.Next(0, max * 100) / 100m;
        int? Step() => random.Next(3) switch { 0 => 1, 1 => 60, _ => 300 };
        decimal? Vat() => random.Next(3) == 0 ? null : 21;
        var peakStart = random.Next(24);
        var peakEnd = (peakStart + random.Next(1, 12)) % 24;
        var elements = new List<TariffElement>
        {
            T.Element(new TariffRestrictions { StartTime = $"{peakStart:00}:00", EndTime = $"{peakEnd:00}:00" },
                T.Energy(Money(1), Vat(), Step()!.Value), T.Time(Money(3), Vat(), Step()!.Value)),
            T.Element(new TariffRestrictions { MinKwh = random.Next(5, 40) }, T.Energy(Money(1), Vat())),
            T.Element(new TariffRestrictions { MaxDuration = random.Next(1800, 4 * 3600) }, T.Parking(0m)),
            T.Element(new TariffRestrictions { DayOfWeek = [DayOfWeek.Saturday, DayOfWeek.Sunday] }, T.Flat(Money(2), Vat())),
            T.Element(T.Flat(Money(1), Vat()), T.Energy(Money(1), Vat()), T.Time(Money(2), Vat(), 60), T.Parking(Money(5), Vat(), Step()!.Value)),
        };
        var tariff = T.Tariff([.. elements]) with
        {
            MinPrice = random.Next(4) == 0 ? new() { ExclVat = Money(3) } : null,
            MaxPrice = random.Next(4) == 0 ? new() { ExclVat = 10 + Money(20), InclVat = 12 + Money(24) } : null,
        };
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(0, 365 * 24 * 60));
        var periods = new List<MeteredPeriod>();
        var cursor = start;
        var count = random.Next(2, 41);
        var parkingFrom = random.Next(count / 2, count + 1);
        for (var i = 0; i < count; i++)
        {
            var minutes = random.Next(1, 45);
            var hours = minutes / 60m;
            periods.Add(i < parkingFrom
                ? new MeteredPeriod { Start = cursor, Time = hours, Energy = hours * random.Next(3, 150) / 1.7m, MaxCurrent = random.Next(6, 64) }
                : new MeteredPeriod { Start = cursor, ParkingTime = hours });
            cursor = cursor.AddMinutes(minutes);
        }
        return (TariffPricer.Compile(tariff), new PricingRequest(start, cursor, periods.ToArray(), Amsterdam));
    }
}

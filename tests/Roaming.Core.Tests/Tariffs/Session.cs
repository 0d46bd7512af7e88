using System.Globalization;
using Roaming.Core.Tariffs;
using Roaming.Core.Tariffs.Pricing;

namespace Roaming.Core.Tests.Tariffs;

/// <summary>Builds a session period by period, in the words the spec's examples use: charge, park, reserve.</summary>
internal sealed class Session
{
    private readonly List<MeteredPeriod> _periods = [];
    private readonly TimeZoneInfo _zone;
    private DateTimeOffset _cursor;

    private Session(DateTimeOffset start, TimeZoneInfo zone)
    {
        Start = _cursor = start;
        _zone = zone;
    }

    public DateTimeOffset Start { get; }
    public DateTimeOffset End => _cursor;
    public IReadOnlyList<MeteredPeriod> Periods => _periods;

    /// <summary>A session starting at a local time of the given zone (UTC when omitted).</summary>
    public static Session At(string local, string zone = "UTC")
    {
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var time = DateTime.ParseExact(local, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        return new Session(new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(time, tz), TimeSpan.Zero), tz);
    }

    public Session Charge(double minutes, decimal kwh = 0, decimal? minCurrent = null, decimal? maxCurrent = null,
        decimal? minPower = null, decimal? maxPower = null) =>
        Add(minutes, p => p with { Time = Hours(minutes), Energy = kwh, MinCurrent = minCurrent, MaxCurrent = maxCurrent, MinPower = minPower, MaxPower = maxPower });

    /// <summary>Energy only, no TIME dimension: how many CPOs report an energy-priced session.</summary>
    public Session Energy(double minutes, decimal kwh, decimal? maxPower = null) =>
        Add(minutes, p => p with { Energy = kwh, MaxPower = maxPower });

    public Session Park(double minutes) => Add(minutes, p => p with { ParkingTime = Hours(minutes) });

    public Session Reserve(double minutes) => Add(minutes, p => p with { ReservationTime = Hours(minutes) });

    public Session Add(double minutes, Func<MeteredPeriod, MeteredPeriod> shape)
    {
        _periods.Add(shape(new MeteredPeriod { Start = _cursor }));
        _cursor = _cursor.AddMinutes(minutes);
        return this;
    }

    public PricingRequest Request(TariffType type = TariffType.Regular) =>
        new(Start, End, _periods.ToArray(), _zone, type);

    public PricedSession PriceWith(Tariff tariff, TariffType type = TariffType.Regular) =>
        TariffPricer.Compile(tariff).Price(Request(type));

    public static decimal Hours(double minutes) => (decimal)minutes / 60m;
}

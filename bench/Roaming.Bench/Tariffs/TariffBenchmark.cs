using System.Diagnostics;
using System.Globalization;
using Roaming.Core.Tariffs;
using Roaming.Core.Tariffs.Pricing;
using DayOfWeek = Roaming.Core.Tariffs.DayOfWeek;

namespace Roaming.Bench.Tariffs;

/// <summary>
/// Prices a realistic mix on one thread: time-of-day tariffs (a peak window, one wrapping midnight,
/// weekend and kWh tiers, parking after a grace period) against sessions of 20 and 200 charging periods
/// in Europe/Amsterdam, and prints sessions priced per second and bytes allocated per session.
/// </summary>
public static class TariffBenchmark
{
    private const int SessionsPerSize = 4096;

    public static int Run(string[] args)
    {
        var seconds = args.Length == 2 && args[0] == "--seconds" ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3.0;
        PinToOneCore();
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        var pricers = Tariffs().Select(TariffPricer.Compile).ToArray();
        Console.WriteLine($"tariff engine, one thread pinned to one core, {pricers.Length} time-of-day tariffs, Europe/Amsterdam");
        foreach (var periods in new[] { 20, 200 })
        {
            var random = new Random(periods);
            var sessions = Enumerable.Range(0, SessionsPerSize).Select(_ => Session(random, periods, zone)).ToArray();
            Measure(pricers, sessions, TimeSpan.FromSeconds(seconds / 3));
            var (rate, bytes) = Measure(pricers, sessions, TimeSpan.FromSeconds(seconds));
            Console.WriteLine($"{periods,4} periods/session: {rate,10:N0} sessions/s, {bytes,8:N0} bytes allocated/session");
        }
        return 0;
    }

    /// <summary>The figure is per core: the process, GC and JIT included, runs on core 0 where the OS allows pinning.</summary>
    private static void PinToOneCore()
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsWindows()) Process.GetCurrentProcess().ProcessorAffinity = 1;
    }

    private static (double SessionsPerSecond, double BytesPerSession) Measure(TariffPricer[] pricers, PricingRequest[] sessions, TimeSpan duration)
    {
        long priced = 0;
        decimal checksum = 0;
        var bytesBefore = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < sessions.Length; i++)
                checksum += pricers[i % pricers.Length].Price(sessions[i]).Exact.Total.ExclVat;
            priced += sessions.Length;
        }
        clock.Stop();
        var bytes = GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
        if (checksum < 0) Console.WriteLine(checksum);
        return (priced / clock.Elapsed.TotalSeconds, (double)bytes / priced);
    }

    private static PricingRequest Session(Random random, int periods, TimeZoneInfo zone)
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(random.Next(365 * 24 * 60));
        var list = new MeteredPeriod[periods];
        var cursor = start;
        var parkingFrom = periods - periods / 5;
        for (var i = 0; i < periods; i++)
        {
            // Meter readings every few minutes, as a CPO sends them: kWh with 3 decimals, hours with 4.
            var minutes = random.Next(2, 9);
            var hours = Math.Round(minutes / 60m, 4);
            list[i] = i < parkingFrom
                ? new MeteredPeriod { Start = cursor, Time = hours, Energy = random.Next(100, 3000) / 1000m, MinCurrent = 16, MaxCurrent = random.Next(16, 48) }
                : new MeteredPeriod { Start = cursor, ParkingTime = hours };
            cursor = cursor.AddMinutes(minutes);
        }
        return new PricingRequest(start, cursor, list, zone);
    }

    private static IEnumerable<Tariff> Tariffs()
    {
        static PriceComponent C(TariffDimensionType type, decimal price, int step = 1) => new() { Type = type, Price = price, Vat = 21, StepSize = step };
        static TariffElement E(TariffRestrictions? r, params PriceComponent[] c) => new() { PriceComponents = [.. c], Restrictions = r };
        static Tariff T(string id, params TariffElement[] elements) => new()
        {
            CountryCode = "NL", PartyId = "BEN", Id = id, Currency = "EUR", Elements = [.. elements], LastUpdated = DateTimeOffset.UnixEpoch,
        };
        const TariffDimensionType Energy = TariffDimensionType.Energy, Time = TariffDimensionType.Time,
            Parking = TariffDimensionType.ParkingTime, Flat = TariffDimensionType.Flat;
        yield return T("peak",
            E(null, C(Flat, 0.35m)),
            E(new() { StartTime = "07:00", EndTime = "23:00", DayOfWeek = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday] }, C(Energy, 0.49m)),
            E(null, C(Energy, 0.34m)),
            E(new() { MinDuration = 3 * 3600 }, C(Parking, 6m, 300)));
        yield return T("night",
            E(new() { StartTime = "22:00", EndTime = "06:00" }, C(Energy, 0.29m), C(Time, 0.50m, 60)),
            E(new() { StartTime = "17:00", EndTime = "21:00" }, C(Energy, 0.59m), C(Time, 1.50m, 60)),
            E(null, C(Energy, 0.39m), C(Time, 1.00m, 60), C(Parking, 4m, 900)));
        yield return T("tiers",
            E(new() { MaxKwh = 20 }, C(Energy, 0.45m, 100)),
            E(new() { StartTime = "09:00", EndTime = "18:00" }, C(Energy, 0.55m, 100)),
            E(new() { MaxCurrent = 32 }, C(Time, 0.60m, 300)),
            E(null, C(Energy, 0.40m, 100), C(Parking, 2m, 300)));
    }
}

using System.Globalization;
using System.Text.Json;
using Roaming.Core.Cdrs;
using Roaming.Core.Tariffs;
using Roaming.Core.Tariffs.Pricing;
using Roaming.Core.Transport;

namespace Roaming.Cli;

/// <summary>
/// Re-prices a CDR with a tariff, for operators settling a disputed CDR by hand: the CDR's periods and
/// times are used, its cost fields ignored, and the CDR is printed again as OCPI JSON with the engine's costs.
/// Disputes are settled with partial records from other tools, so the CDR needs only what pricing reads.
/// </summary>
public static class PriceCommand
{
    public const string Help = """
        usage: roaming price --tariff <tariff.json> --cdr <cdr.json> [--time-zone <IANA id>] [--session-type <TariffType>]
                             [--rounding minor-unit|4-decimals] [--diff] [--breakdown]

        Prices the CDR's charging periods with the tariff and prints the CDR with the engine's costs as OCPI JSON.
        The CDR needs start_date_time, end_date_time and charging_periods (and currency, or the tariff's is used);
        any other field it lacks or that cannot be read (location, token, ...) is listed on stderr and ignored.

          --tariff        an OCPI 2.2.1 Tariff object
          --cdr           an OCPI 2.2.1 CDR, complete or partial; its periods and times are priced, its costs ignored
          --time-zone     the location's time zone, e.g. Europe/Amsterdam (default UTC)
          --session-type  the tariff type the session qualifies for (default REGULAR)
          --rounding      how each cost is rounded, once, half away from zero: minor-unit (default), to the
                          currency's minor unit; 4-decimals, to OCPI's four decimals, as other calculators keep them
          --diff          after the CDR, list each cost and total that differs from the file's
          --breakdown     after the CDR, list every billed period with the element and component that priced it
          -h, --help      this text
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Any(a => a is "-h" or "--help"))
        {
            stdout.WriteLine(Help);
            return Cli.Ok;
        }
        string? tariffPath = null, cdrPath = null, zoneId = "UTC";
        var sessionType = TariffType.Regular;
        var rounding = CostRounding.MinorUnit;
        bool diff = false, breakdown = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--diff": diff = true; break;
                case "--breakdown": breakdown = true; break;
                case "--tariff" or "--cdr" or "--time-zone" or "--session-type" or "--rounding" when i + 1 < args.Length:
                    var value = args[++i];
                    switch (args[i - 1])
                    {
                        case "--tariff": tariffPath = value; break;
                        case "--cdr": cdrPath = value; break;
                        case "--time-zone": zoneId = value; break;
                        case "--rounding":
                            if (!TryParseRounding(value, out rounding)) return UsageError(stderr, $"unknown rounding '{value}' (minor-unit or 4-decimals)");
                            break;
                        default:
                            if (!TryParseType(value, out sessionType)) return UsageError(stderr, $"unknown session type '{value}'");
                            break;
                    }
                    break;
                default: return UsageError(stderr, $"unexpected argument '{args[i]}'");
            }
        }
        if (tariffPath is null || cdrPath is null) return UsageError(stderr, "--tariff and --cdr are required");

        try
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
            var tariff = OcpiJson.Bind(ReadFile(tariffPath, "tariff"), TariffsJson.Default.Tariff, $"tariff file {tariffPath}");
            var (cdr, ignored) = CdrPricing.ReadForPricing(ReadFile(cdrPath, "CDR"), $"CDR file {cdrPath}");
            var priced = CdrPricing.Price(TariffPricer.Compile(tariff), cdr, zone, sessionType);
            var digits = CurrencyRounding.Digits(rounding, priced.Currency);
            var repriced = priced.ToCdr(cdr, tariff.Id, rounding);
            WriteJson(stdout, repriced);
            foreach (var field in ignored) stderr.WriteLine($"note: ignored {field.Field}: {field.Problem} (pricing does not use it)");
            if (cdr.Currency is null) stderr.WriteLine($"note: the CDR names no currency; priced in the tariff's {priced.Currency}");
            foreach (var u in priced.Unpriced)
                stderr.WriteLine($"note: {CdrComparison.DimensionName(u.Dimension)} {CdrPricing.Quantity(u.Quantity)} in billed period {u.BilledPeriod} has no price component whose restrictions hold; it is free by the spec's rule");
            if (diff) WriteDiff(stdout, cdr, repriced);
            if (breakdown) WriteBreakdown(stdout, priced, digits);
            return Cli.Ok;
        }
        catch (TimeZoneNotFoundException)
        {
            return UsageError(stderr, $"unknown time zone '{zoneId}' (use an IANA id such as Europe/Amsterdam)");
        }
        catch (Exception e) when (e is TariffPricingException or OcpiException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return Cli.Failed;
        }
    }

    private static byte[] ReadFile(string path, string what) =>
        File.Exists(path) ? File.ReadAllBytes(path) : throw new IOException($"{what} file not found: {path}");

    private static void WriteJson(TextWriter stdout, Cdr cdr)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            JsonSerializer.Serialize(writer, cdr, CdrsJson.Default.Cdr);
        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void WriteDiff(TextWriter stdout, Cdr file, Cdr engine)
    {
        stdout.WriteLine();
        stdout.WriteLine($"{"field",-32} {"in file",14} {"engine",14} {"engine - file",14}");
        var differences = 0;
        foreach (var row in CdrComparison.Figures(file, engine, quantities: true))
        {
            if (row.Claimed == row.Computed) continue;
            differences++;
            stdout.WriteLine($"{row.Field,-32} {Format(row.Claimed),14} {Format(row.Computed),14} {(row.Difference is { } d ? Format(-d) : ""),14}");
        }
        if (differences == 0) stdout.WriteLine("(no differences)");
    }

    private static void WriteBreakdown(TextWriter stdout, PricedSession priced, int digits)
    {
        stdout.WriteLine();
        var lines = CdrComparison.Breakdown(priced, digits);
        foreach (var p in priced.Periods)
        {
            stdout.WriteLine($"{OcpiDateTime.Format(p.Start)} - {OcpiDateTime.Format(p.End)} (charging period {p.SourcePeriod})");
            foreach (var line in lines.Where(l => l.Start == p.Start && l.ChargingPeriod == p.SourcePeriod))
            {
                var step = line.StepExtra > 0 ? $" (step_size added {line.StepExtra})" : "";
                var vat = line.Vat is { } v ? $"{v}%" : "no VAT";
                stdout.WriteLine($"  {line.Dimension,-17} {line.Quantity,10} x {line.UnitPrice} = {line.CostExclVat} excl, {line.CostInclVat} incl ({vat}; element {line.Element}, component {line.Component}){step}");
            }
        }
        if (priced.MinPriceApplied) stdout.WriteLine("min_price raised the total");
        if (priced.MaxPriceApplied) stdout.WriteLine("max_price capped the total");
    }

    private static string Format(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static bool TryParseType(string text, out TariffType type)
    {
        try
        {
            type = JsonSerializer.Deserialize($"\"{text.ToUpperInvariant()}\"", TariffsJson.Default.TariffType);
            return true;
        }
        catch (JsonException)
        {
            type = default;
            return false;
        }
    }

    private static bool TryParseRounding(string text, out CostRounding rounding)
    {
        (var known, rounding) = text switch
        {
            "minor-unit" => (true, CostRounding.MinorUnit),
            "4-decimals" => (true, CostRounding.FourDecimals),
            _ => (false, CostRounding.MinorUnit),
        };
        return known;
    }

    private static int UsageError(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine(Help);
        return Cli.Usage;
    }
}

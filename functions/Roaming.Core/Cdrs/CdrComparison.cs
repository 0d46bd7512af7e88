using Roaming.Core.Tariffs.Pricing;
using Roaming.Core.Types;

namespace Roaming.Core.Cdrs;

/// <summary>One figure of a CDR as it was claimed and as the engine computes it.</summary>
public sealed record FigureDifference(string Field, decimal? Claimed, decimal? Computed)
{
    /// <summary>Claimed minus computed, when both are given.</summary>
    public decimal? Difference => Claimed is { } c && Computed is { } e ? c - e : null;
}

/// <summary>One priced part of a billed period: which tariff element and price component priced it, and for how much.</summary>
/// <param name="ChargingPeriod">the CDR's charging period it is (part of)</param>
/// <param name="CostExclVat">rounded (to the currency's minor unit unless asked otherwise), for reading; the CDR's totals round the exact sums once</param>
public sealed record BreakdownLine(DateTimeOffset Start, DateTimeOffset End, int ChargingPeriod, string Dimension, decimal Quantity, decimal StepExtra,
    decimal UnitPrice, decimal? Vat, decimal CostExclVat, decimal CostInclVat, int Element, int Component);

/// <summary>
/// A CDR's figures against the engine's, and the engine's breakdown: what a verifier records and the command line prints.
/// </summary>
public static class CdrComparison
{
    /// <summary>The cost figures of two CDRs side by side (excl. and incl. VAT of total_cost and every total_*_cost); with <paramref name="quantities"/> also total_energy, total_time and total_parking_time.</summary>
    public static List<FigureDifference> Figures(Cdr claimed, Cdr computed, bool quantities)
    {
        var rows = new List<FigureDifference>();
        void Add(string name, Price? a, Price? b)
        {
            rows.Add(new FigureDifference(name + ".excl_vat", a?.ExclVat, b?.ExclVat));
            rows.Add(new FigureDifference(name + ".incl_vat", a?.InclVat, b?.InclVat));
        }
        Add("total_cost", claimed.TotalCost, computed.TotalCost);
        Add("total_energy_cost", claimed.TotalEnergyCost, computed.TotalEnergyCost);
        Add("total_time_cost", claimed.TotalTimeCost, computed.TotalTimeCost);
        Add("total_parking_cost", claimed.TotalParkingCost, computed.TotalParkingCost);
        Add("total_fixed_cost", claimed.TotalFixedCost, computed.TotalFixedCost);
        Add("total_reservation_cost", claimed.TotalReservationCost, computed.TotalReservationCost);
        if (quantities)
        {
            rows.Add(new FigureDifference("total_energy", claimed.TotalEnergy, computed.TotalEnergy));
            rows.Add(new FigureDifference("total_time", claimed.TotalTime, computed.TotalTime));
            rows.Add(new FigureDifference("total_parking_time", claimed.TotalParkingTime, computed.TotalParkingTime));
        }
        return rows;
    }

    /// <summary>
    /// The costs a CDR claims that the engine does not compute. A cost the CDR leaves out is not judged (they are optional,
    /// total_cost aside); one the engine has none of counts as zero; incl_vat only where the CDR states it. A credit CDR
    /// claims the negative of the engine's total_cost (mod_cdrs: only total_cost is negated).
    /// </summary>
    public static List<FigureDifference> Disputed(Cdr claimed, Cdr computed)
    {
        if (claimed.Credit == true && computed.TotalCost is { } total)
            computed = computed with { TotalCost = new Price { ExclVat = -total.ExclVat, InclVat = -total.InclVat } };
        return Figures(claimed, computed, quantities: false)
            .Where(r => r.Claimed is { } c && c != (r.Computed ?? 0m))
            .Select(r => r with { Computed = r.Computed ?? 0m })
            .ToList();
    }

    /// <param name="digits">the decimals each line's cost is rounded to; the currency's minor unit when not given</param>
    public static List<BreakdownLine> Breakdown(PricedSession priced, int? digits = null)
    {
        var round = digits ?? priced.MinorUnitDigits;
        var lines = new List<BreakdownLine>();
        foreach (var p in priced.Periods)
            foreach (var c in priced.ChargesOf(p))
                lines.Add(new BreakdownLine(p.Start, p.End, p.SourcePeriod, DimensionName(c.Dimension), CdrPricing.Quantity(c.Quantity),
                    CdrPricing.Quantity(c.StepExtra), c.UnitPrice, c.Vat, CurrencyRounding.Round(c.CostExclVat, round),
                    CurrencyRounding.Round(c.CostInclVat, round), c.ElementIndex, c.ComponentIndex));
        return lines;
    }

    public static string DimensionName(BilledDimension d) => d switch
    {
        BilledDimension.Flat => "FLAT",
        BilledDimension.Energy => "ENERGY",
        BilledDimension.Time => "TIME",
        BilledDimension.ParkingTime => "PARKING_TIME",
        BilledDimension.ReservationFlat => "RESERVATION FLAT",
        _ => "RESERVATION TIME",
    };
}

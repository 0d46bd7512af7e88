using Roaming.Core.Cdrs;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;
using Roaming.Core.Types;

namespace Roaming.Core.Tariffs.Pricing;

/// <summary>Pricing an OCPI CDR: its periods and times in, the same CDR with the engine's costs out.</summary>
public static class CdrPricing
{
    /// <summary>OCPI numbers carry 4 decimals (types chapter); volumes and totals are written with that many.</summary>
    public const int QuantityDecimals = 4;

    /// <summary>
    /// Prices <paramref name="cdr"/>'s charging periods between its start and end; its cost fields are ignored.
    /// Every period is priced with <paramref name="pricer"/>'s tariff, so one naming another tariff is refused.
    /// </summary>
    public static PricedSession Price(TariffPricer pricer, Cdr cdr, TimeZoneInfo timeZone, TariffType sessionType = TariffType.Regular)
    {
        var tariff = pricer.Tariff;
        if (cdr.Currency is { } currency && !string.Equals(currency, tariff.Currency, StringComparison.OrdinalIgnoreCase))
            throw new TariffPricingException($"the CDR is in {currency}, tariff {tariff.Id} in {tariff.Currency}");
        if (cdr.StartDateTime is not { } start || cdr.EndDateTime is not { } end)
            throw new TariffPricingException("the CDR needs start_date_time and end_date_time");
        var periods = cdr.ChargingPeriods ?? throw new TariffPricingException("the CDR has no charging_periods");
        for (var i = 0; i < periods.Count; i++)
            if (periods[i].TariffId is { } id && tariff.Id is not null && !string.Equals(id, tariff.Id, StringComparison.OrdinalIgnoreCase))
                throw new TariffPricingException($"charging period {i} names tariff {id}, not tariff {tariff.Id}");
        return pricer.Price(new PricingRequest(start, end, ToMeteredPeriods(periods), timeZone, sessionType));
    }

    public static MeteredPeriod[] ToMeteredPeriods(IReadOnlyList<ChargingPeriod> periods)
    {
        var result = new MeteredPeriod[periods.Count];
        for (var i = 0; i < periods.Count; i++)
        {
            var p = periods[i];
            var m = new MeteredPeriod { Start = p.StartDateTime ?? throw new TariffPricingException($"charging period {i} has no start_date_time") };
            var seen = 0;
            foreach (var d in p.Dimensions ?? [])
            {
                if (d.Type is not { } type || d.Volume is not { } volume) continue;
                if ((seen & (1 << (int)type)) != 0) throw new TariffPricingException($"charging period {i} has {OcpiName.Of(type)} twice");
                seen |= 1 << (int)type;
                m = type switch
                {
                    CdrDimensionType.Energy => m with { Energy = volume },
                    CdrDimensionType.Time => m with { Time = volume },
                    CdrDimensionType.ParkingTime => m with { ParkingTime = volume },
                    CdrDimensionType.ReservationTime => m with { ReservationTime = volume },
                    CdrDimensionType.MinCurrent => m with { MinCurrent = volume },
                    CdrDimensionType.MaxCurrent => m with { MaxCurrent = volume },
                    CdrDimensionType.MinPower => m with { MinPower = volume },
                    CdrDimensionType.MaxPower => m with { MaxPower = volume },
                    // The other types are Session-only (mod_cdrs) and no restriction reads them.
                    _ => m,
                };
            }
            result[i] = m;
        }
        return result;
    }

    /// <summary>
    /// <paramref name="source"/> with the engine's costs, totals and billed charging periods. A period cut
    /// at a restriction boundary becomes several, each with its share of the additive volumes and the
    /// source's current and power values.
    /// </summary>
    public static Cdr ToCdr(this PricedSession priced, Cdr source, string? tariffId, CostRounding rounding = CostRounding.MinorUnit)
    {
        var sourcePeriods = source.ChargingPeriods ?? [];
        var periods = new List<ChargingPeriod>(priced.Periods.Count);
        foreach (var b in priced.Periods)
        {
            var dimensions = new List<CdrDimension>();
            var from = b.SourcePeriod < sourcePeriods.Count ? sourcePeriods[b.SourcePeriod].Dimensions ?? [] : [];
            foreach (var d in from)
            {
                var volume = d.Type switch
                {
                    CdrDimensionType.Energy => b.Energy,
                    CdrDimensionType.Time => b.Time,
                    CdrDimensionType.ParkingTime => b.ParkingTime,
                    CdrDimensionType.ReservationTime => b.ReservationTime,
                    CdrDimensionType.MinCurrent or CdrDimensionType.MaxCurrent or CdrDimensionType.MinPower or CdrDimensionType.MaxPower => d.Volume,
                    // Session-only types: their meaning in a part of a period is undefined, so they are not carried.
                    _ => (decimal?)null,
                };
                if (volume is { } v) dimensions.Add(new CdrDimension { Type = d.Type, Volume = Quantity(v) });
            }
            periods.Add(new ChargingPeriod { StartDateTime = b.Start, Dimensions = dimensions, TariffId = tariffId });
        }
        var r = priced.RoundedTo(CurrencyRounding.Digits(rounding, priced.Currency));
        return source with
        {
            Currency = priced.Currency,
            ChargingPeriods = periods,
            TotalCost = ToPrice(r.Total),
            TotalEnergyCost = ToPrice(r.Energy),
            TotalTimeCost = ToPrice(r.Time),
            TotalParkingCost = ToPrice(r.Parking),
            TotalFixedCost = ToPrice(r.Fixed),
            TotalReservationCost = ToPrice(r.Reservation),
            TotalEnergy = Quantity(priced.TotalEnergy),
            TotalTime = Quantity(priced.TotalTime),
            TotalParkingTime = priced.TotalParkingTime > 0 || source.TotalParkingTime is not null ? Quantity(priced.TotalParkingTime) : null,
        };
    }

    /// <summary>
    /// A CDR as far as pricing needs it, from records other tools wrote: start_date_time, end_date_time, the
    /// charging periods and the currency (the tariff's when absent) must be there and right; every other field may
    /// be missing or unreadable, and is listed in <see cref="PartialCdr.Ignored"/> instead of refusing the CDR.
    /// </summary>
    public static PartialCdr ReadForPricing(ReadOnlyMemory<byte> json, string what = "CDR")
    {
        var root = JsonText.ParseBody(json, what)!;
        JsonNormaliser.Normalise(root, CdrsJson.Default.Cdr, "", [], nameof(Cdr));
        var unreadable = new Dictionary<string, (FieldError Error, string? Held)>(StringComparer.Ordinal);
        var cdr = TolerantReader.Bind(root, CdrsJson.Default.Cdr, what, path => !NeededForPricing(path), unreadable);
        var v = new OcpiValidator();
        cdr.Validate(v);
        var needed = v.Errors.Where(e => NeededForPricing(e.Field) && !(e.Field == "currency" && cdr.Currency is null)).ToList();
        if (needed.Count > 0) throw new InvalidParametersException(needed);
        // A field left out as unreadable now also reads as missing; its first problem says more.
        var missing = v.Errors.Except(needed).Where(e => !unreadable.Keys.Any(u => u == e.Field || JsonPath.IsWithin(e.Field, u)));
        return new PartialCdr(cdr, [.. unreadable.Values.Select(u => u.Error), .. missing]);
    }

    private static bool NeededForPricing(string field) =>
        field is "start_date_time" or "end_date_time" or "currency" or "charging_periods" || JsonPath.IsWithin(field, "charging_periods");

    public static decimal Quantity(decimal value) => decimal.Round(value, QuantityDecimals, MidpointRounding.AwayFromZero);

    private static Price? ToPrice(Amount? a) => a is { } v ? new Price { ExclVat = v.ExclVat, InclVat = v.InclVat } : null;
}

/// <summary>A CDR read for pricing, with the fields it lacks or could not read that pricing does not use.</summary>
public sealed record PartialCdr(Cdr Cdr, IReadOnlyList<FieldError> Ignored);

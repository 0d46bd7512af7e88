using System.Text.Json;
using Roaming.Core.Cdrs;
using Roaming.Core.Tariffs;
using Roaming.Core.Tariffs.Pricing;
using Roaming.Core.Tests.Tariffs;
using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Cdrs;

public class CdrPricingTests
{
    private static readonly Tariff Evening = T.Tariff(
        T.Element(new TariffRestrictions { EndTime = "17:00" }, T.Energy(0.20m, vat: 21)),
        T.Element(T.Energy(0.30m, vat: 21), T.Parking(2.00m, vat: 21, step: 900)));

    private static Cdr Cdr(params ChargingPeriod[] periods) => new()
    {
        CountryCode = "NL", PartyId = "TST", Id = "CDR1",
        StartDateTime = DateTimeOffset.Parse("2025-03-12T15:30:00Z"), EndDateTime = DateTimeOffset.Parse("2025-03-12T17:10:00Z"),
        CdrToken = new() { CountryCode = "NL", PartyId = "EMS", Uid = "0102", Type = Roaming.Core.Tokens.TokenType.Rfid, ContractId = "NL-EMS-C1" },
        AuthMethod = AuthMethod.Whitelist,
        CdrLocation = new()
        {
            Id = "L1", Address = "Dam 1", City = "Amsterdam", Country = "NLD",
            Coordinates = new() { Latitude = "52.37303", Longitude = "4.89245" },
            EvseUid = "E1", EvseId = "NL*TST*E1", ConnectorId = "1",
            ConnectorStandard = "IEC_62196_T2", ConnectorFormat = Core.Locations.ConnectorFormat.Socket,
            ConnectorPowerType = Core.Locations.PowerType.Ac3Phase,
        },
        Currency = "EUR", ChargingPeriods = [.. periods],
        TotalCost = new() { ExclVat = 0 }, TotalEnergy = 0, TotalTime = 0,
        LastUpdated = DateTimeOffset.Parse("2025-03-12T17:10:00Z"),
    };

    private static ChargingPeriod Period(string start, params (CdrDimensionType Type, decimal Volume)[] dims) => new()
    {
        StartDateTime = DateTimeOffset.Parse(start),
        Dimensions = [.. dims.Select(d => new CdrDimension { Type = d.Type, Volume = d.Volume })],
    };

    [Fact]
    public void A_period_cut_at_a_local_boundary_becomes_two_valid_CDR_periods()
    {
        // 15:30-16:40 UTC is 16:30-17:40 in Amsterdam: the 17:00 switch falls inside the first period.
        var cdr = Cdr(
            Period("2025-03-12T15:30:00Z", (CdrDimensionType.Energy, 7m), (CdrDimensionType.Time, 70m / 60m), (CdrDimensionType.MaxCurrent, 16m)),
            Period("2025-03-12T16:40:00Z", (CdrDimensionType.ParkingTime, 0.5m)));
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        var priced = CdrPricing.Price(TariffPricer.Compile(Evening), cdr, zone);
        var repriced = priced.ToCdr(cdr, "T1");

        var periods = repriced.ChargingPeriods!;
        Assert.Equal(3, periods.Count);
        Assert.Equal(DateTimeOffset.Parse("2025-03-12T16:00:00Z"), periods[1].StartDateTime);
        Assert.Equal([3m, 4m], periods.Take(2).Select(p => p.Dimensions!.Single(d => d.Type == CdrDimensionType.Energy).Volume!.Value));
        Assert.All(periods.Take(2), p => Assert.Contains(p.Dimensions!, d => d.Type == CdrDimensionType.MaxCurrent && d.Volume == 16m));
        Assert.All(periods, p => Assert.Equal("T1", p.TariffId));
        // 3 x 0.20 + 4 x 0.30 = 1.80; 30 minutes parking at 2.00 = 1.00.
        Assert.Equal((2.80m, 3.39m), (repriced.TotalCost!.ExclVat!.Value, repriced.TotalCost.InclVat!.Value));
        Assert.Equal((1.80m, 2.18m), (repriced.TotalEnergyCost!.ExclVat!.Value, repriced.TotalEnergyCost.InclVat!.Value));
        Assert.Equal(7m, repriced.TotalEnergy);
        Assert.Equal(1.6667m, repriced.TotalTime);
        Assert.Equal(0.5m, repriced.TotalParkingTime);

        // What the engine writes is a CDR the endpoint itself would accept.
        var json = JsonSerializer.SerializeToUtf8Bytes(repriced, CdrsJson.Default.Cdr);
        Assert.Equal(3, OcpiJson.Read(json, CdrsJson.Default.Cdr).ChargingPeriods!.Count);
    }

    [Fact]
    public void A_dimension_given_twice_in_a_period_is_an_error()
    {
        var cdr = Cdr(Period("2025-03-12T15:30:00Z", (CdrDimensionType.Energy, 1m), (CdrDimensionType.Energy, 2m)));
        var e = Assert.Throws<TariffPricingException>(() => CdrPricing.Price(TariffPricer.Compile(Evening), cdr, TimeZoneInfo.Utc));
        Assert.Contains("ENERGY twice", e.Message);
    }

    [Fact]
    public void A_CDR_in_another_currency_is_an_error()
    {
        var cdr = Cdr(Period("2025-03-12T15:30:00Z", (CdrDimensionType.Energy, 1m))) with { Currency = "CHF" };
        var e = Assert.Throws<TariffPricingException>(() => CdrPricing.Price(TariffPricer.Compile(Evening), cdr, TimeZoneInfo.Utc));
        Assert.Contains("CHF", e.Message);
    }
}

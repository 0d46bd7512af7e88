using Roaming.Core.Tariffs;
using Roaming.Core.Tariffs.Pricing;
using DayOfWeek = Roaming.Core.Tariffs.DayOfWeek;

namespace Roaming.Core.Tests.Tariffs;

/// <summary>Cases written from the rules of mod_tariffs and mod_cdrs (step_size), beyond the spec's own examples.</summary>
public class TariffRuleTests
{
    private static decimal Excl(PricedSession p) => p.Rounded.Total.ExclVat;

    [Fact]
    public void A_peak_window_that_wraps_midnight_prices_the_hours_on_both_sides_of_it()
    {
        var tariff = T.Tariff(
            T.Element(new TariffRestrictions { StartTime = "20:00", EndTime = "02:00" }, T.Energy(0.50m)),
            T.Element(T.Energy(0.25m)));
        // One period from 19:00 to 03:00 at 1 kWh an hour: cut at 20:00 and 02:00.
        var priced = Session.At("2025-03-12 19:00").Energy(8 * 60, 8m).PriceWith(tariff);
        Assert.Equal([1, 0, 1], priced.Charges.Select(c => c.ElementIndex));
        Assert.Equal([1m, 6m, 1m], priced.Periods.Select(p => p.Energy));
        Assert.Equal(3.50m, Excl(priced));
        Assert.Equal(1.00m, Excl(Session.At("2025-03-12 23:00").Energy(120, 2m).PriceWith(tariff)));
    }

    [Fact]
    public void A_night_window_counts_the_repeated_hour_when_Amsterdam_falls_back()
    {
        // 2025-10-26: 03:00 CEST becomes 02:00 CET, so local 01:00-03:00 lasts three real hours.
        var tariff = T.Tariff(
            T.Element(new TariffRestrictions { StartTime = "01:00", EndTime = "03:00" }, T.Energy(0.20m)),
            T.Element(T.Energy(0.30m)));
        var session = Session.At("2025-10-26 00:00", "Europe/Amsterdam").Energy(5 * 60, 5m);
        var priced = session.PriceWith(tariff);
        Assert.Equal(3m, decimal.Round(priced.Charges.Where(c => c.ElementIndex == 0).Sum(c => c.Quantity), 20));
        Assert.Equal(1.20m, Excl(priced));
        Assert.Equal(5m, priced.TotalTime);
    }

    [Fact]
    public void A_night_window_loses_the_skipped_hour_when_Amsterdam_springs_forward()
    {
        // 2025-03-30: 02:00 CET becomes 03:00 CEST, so local 01:00-03:00 lasts one real hour.
        var tariff = T.Tariff(
            T.Element(new TariffRestrictions { StartTime = "01:00", EndTime = "03:00" }, T.Energy(0.20m)),
            T.Element(T.Energy(0.30m)));
        var priced = Session.At("2025-03-30 00:00", "Europe/Amsterdam").Energy(3 * 60, 3m).PriceWith(tariff);
        Assert.Equal(1m, decimal.Round(priced.Charges.Where(c => c.ElementIndex == 0).Sum(c => c.Quantity), 20));
        Assert.Equal(0.80m, Excl(priced));
    }

    [Fact]
    public void The_same_window_read_in_UTC_is_a_different_price()
    {
        var tariff = T.Tariff(
            T.Element(new TariffRestrictions { StartTime = "01:00", EndTime = "03:00" }, T.Energy(0.20m)),
            T.Element(T.Energy(0.30m)));
        var session = Session.At("2025-10-26 00:00", "Europe/Amsterdam").Energy(5 * 60, 5m);
        var utc = TariffPricer.Compile(tariff).Price(session.Request() with { TimeZone = TimeZoneInfo.Utc });
        Assert.Equal(2m, decimal.Round(utc.Charges.Where(c => c.ElementIndex == 0).Sum(c => c.Quantity), 20));
    }

    [Fact]
    public void A_max_duration_tier_prices_the_first_hours_at_one_price_and_then_another()
    {
        var tariff = T.Tariff(
            T.Element(new TariffRestrictions { MaxDuration = 7200 }, T.Time(1.00m)),
            T.Element(T.Time(3.00m)));
        var priced = Session.At("2025-03-12 08:00").Charge(210).PriceWith(tariff);
        Assert.Equal(2, priced.Periods.Count);
        Assert.Equal(new DateTimeOffset(2025, 3, 12, 10, 0, 0, TimeSpan.Zero), priced.Periods[1].Start);
        Assert.Equal(2.00m + 4.50m, Excl(priced));
    }

    [Fact]
    public void Parking_is_free_in_a_grace_period_and_billed_after_it_in_steps()
    {
        // Parking costs 6.00 an hour once the session has lasted three hours, in 5-minute steps.
        var tariff = T.Tariff(
            T.Element(T.Energy(0.30m)),
            T.Element(new TariffRestrictions { MinDuration = 3 * 3600 }, T.Parking(6.00m, step: 300)));
        var priced = Session.At("2025-03-12 08:00").Energy(120, 20m).Park(92).PriceWith(tariff);
        // 08:00-10:00 charging, 10:00-11:00 free parking, 11:00-11:32 billed as 35 minutes.
        var parking = Assert.Single(priced.Charges, c => c.Dimension == BilledDimension.ParkingTime);
        Assert.Equal(decimal.Round(35m / 60m, 20), decimal.Round(parking.Quantity, 20));
        Assert.Equal(new DateTimeOffset(2025, 3, 12, 11, 0, 0, TimeSpan.Zero), priced.Periods[parking.BilledPeriod].Start);
        Assert.Equal(1m, decimal.Round(Assert.Single(priced.Unpriced).Quantity, 20));
        Assert.Equal(6.00m + 3.50m, Excl(priced));
    }

    [Fact]
    public void The_energy_step_applies_once_to_the_session_total_with_the_last_components_step()
    {
        // mod_cdrs: 4.3 kWh before 17:00 at 0.20 and 1.1 kWh after at 0.27, both 500 Wh steps: 5.5 kWh billed.
        var tariff = T.Tariff(
            T.Element(new TariffRestrictions { EndTime = "17:00" }, T.Energy(0.20m, step: 500)),
            T.Element(T.Energy(0.27m, step: 500)));
        var priced = Session.At("2025-03-12 16:00").Energy(60, 4.3m).Energy(60, 1.1m).PriceWith(tariff);
        Assert.Equal([4.3m, 1.2m], priced.Charges.Select(c => c.Quantity));
        Assert.Equal(1.184m, priced.Exact.Total.ExclVat);
    }

    [Theory]
    [InlineData(1, 0.029)]
    [InlineData(25, 0.03125)]
    [InlineData(500, 0.125)]
    public void The_energy_step_rounds_up_to_whole_steps_of_Wh(int step, decimal cost)
    {
        var priced = Session.At("2025-03-12 16:00").Energy(5, 0.1152m).PriceWith(T.Tariff(T.Element(T.Energy(0.25m, step: step))));
        Assert.Equal(cost, priced.Exact.Total.ExclVat);
    }

    [Fact]
    public void The_time_step_applies_to_the_total_and_bills_the_rest_after_the_switch()
    {
        // mod_cdrs: 6 minutes before 17:00 at 5.00/h and 22 after at 7.00/h, 10-minute steps: 24 minutes after.
        var tariff = T.Tariff(
            T.Element(new TariffRestrictions { EndTime = "17:00" }, T.Time(5.00m, step: 600)),
            T.Element(T.Time(7.00m, step: 600)));
        var priced = Session.At("2025-03-12 16:54").Charge(28).PriceWith(tariff);
        Assert.Equal(3.30m, decimal.Round(priced.Exact.Total.ExclVat, 20));
    }

    [Fact]
    public void With_charging_then_parking_only_the_parking_total_is_stepped()
    {
        // mod_cdrs: 21 minutes charging at 1.00/h, 16 parking at 2.00/h, both 10-minute steps: 21 + 20 minutes.
        var tariff = T.Tariff(T.Element(T.Time(1.00m, step: 600), T.Parking(2.00m, step: 600)));
        var priced = Session.At("2025-03-12 10:00").Charge(21).Park(16).PriceWith(tariff);
        Assert.Equal(0.35m, decimal.Round(priced.Exact.Time!.Value.ExclVat, 20));
        Assert.Equal(0.67m, priced.Rounded.Parking!.Value.ExclVat);
        Assert.Equal(1.02m, Excl(priced));
    }

    [Fact]
    public void Min_price_without_incl_vat_raises_both_totals_by_the_same_amount()
    {
        var tariff = T.Tariff(T.Element(T.Energy(0.25m, vat: 10))) with { MinPrice = new() { ExclVat = 1.00m } };
        var priced = Session.At("2025-03-12 10:00").Energy(10, 2m).PriceWith(tariff);
        Assert.Equal(new Amount(1.00m, 1.05m), priced.Exact.Total);
        Assert.True(priced.MinPriceApplied);
    }

    [Fact]
    public void Max_price_caps_incl_vat_even_when_excl_vat_stays_below_its_cap()
    {
        var tariff = T.Tariff(T.Element(T.Energy(0.50m, vat: 21))) with { MaxPrice = new() { ExclVat = 10.00m, InclVat = 11.00m } };
        var priced = Session.At("2025-03-12 10:00").Energy(60, 19m).PriceWith(tariff);
        Assert.Equal(new Amount(9.50m, 11.00m), priced.Exact.Total);
        Assert.True(priced.MaxPriceApplied);
    }

    [Fact]
    public void Of_two_FLAT_components_only_the_first_that_holds_is_charged_once()
    {
        var tariff = T.Tariff(
            T.Element(new TariffRestrictions { DayOfWeek = [DayOfWeek.Saturday, DayOfWeek.Sunday] }, T.Flat(1.00m)),
            T.Element(T.Flat(0.50m), T.Energy(0.25m)));
        var weekday = Session.At("2025-03-12 10:00").Energy(60, 4m).Energy(60, 4m).PriceWith(tariff);
        Assert.Equal(new Amount(0.50m, 0.50m), weekday.Exact.Fixed);
        var weekend = Session.At("2025-03-15 10:00").Energy(60, 4m).Energy(60, 4m).PriceWith(tariff);
        var flat = Assert.Single(weekend.Charges, c => c.Dimension == BilledDimension.Flat);
        Assert.Equal((0, 1.00m), (flat.ElementIndex, flat.CostExclVat));
        Assert.Equal(3.00m, Excl(weekend));
    }

    [Fact]
    public void A_second_FLAT_component_in_the_same_element_is_never_active()
    {
        var tariff = T.Tariff(T.Element(T.Flat(0.50m), T.Flat(0.70m), T.Energy(0.25m)));
        var flat = Assert.Single(Session.At("2025-03-12 10:00").Energy(60, 4m).PriceWith(tariff).Charges, c => c.Dimension == BilledDimension.Flat);
        Assert.Equal((0, 0.50m), (flat.ComponentIndex, flat.CostExclVat));
    }

    [Fact]
    public void A_currency_without_a_minor_unit_is_rounded_to_whole_units()
    {
        var tariff = T.Tariff(T.Element(T.Energy(35.5m, vat: 10))) with { Currency = "JPY" };
        var priced = Session.At("2025-03-12 10:00").Energy(60, 12.3m).PriceWith(tariff);
        Assert.Equal(new Amount(436.65m, 480.315m), priced.Exact.Total);
        Assert.Equal(new Amount(437m, 480m), priced.Rounded.Total);
        Assert.Equal(0, priced.MinorUnitDigits);
    }

    [Fact]
    public void A_kwh_tier_cuts_the_period_where_the_session_crosses_it()
    {
        var tariff = T.Tariff(
            T.Element(new TariffRestrictions { MaxKwh = 10 }, T.Energy(0.20m)),
            T.Element(T.Energy(0.40m)));
        var priced = Session.At("2025-03-12 10:00").Energy(60, 4m).Energy(90, 11m).PriceWith(tariff);
        Assert.Equal([4m, 6m, 5m], priced.Periods.Select(p => p.Energy));
        Assert.Equal(new DateTimeOffset(2025, 3, 12, 11, 49, 5, 454, TimeSpan.Zero).Ticks / TimeSpan.TicksPerSecond,
            priced.Periods[2].Start.UtcTicks / TimeSpan.TicksPerSecond);
        Assert.Equal(4.00m, Excl(priced));
    }

    [Fact]
    public void A_date_range_is_read_in_local_dates_with_the_end_date_exclusive()
    {
        var tariff = T.Tariff(
            T.Element(new TariffRestrictions { StartDate = "2025-12-24", EndDate = "2025-12-27" }, T.Energy(0.10m)),
            T.Element(T.Energy(0.30m)));
        // 23:00 local on the 26th to 01:00 on the 27th, 1 kWh an hour.
        var priced = Session.At("2025-12-26 23:00", "Europe/Amsterdam").Energy(120, 2m).PriceWith(tariff);
        Assert.Equal([0, 1], priced.Charges.Select(c => c.ElementIndex));
        Assert.Equal(0.40m, Excl(priced));
    }

    [Fact]
    public void A_tariff_whose_restrictions_the_session_never_meets_is_an_error_naming_why()
    {
        var tariff = T.Tariff(T.Element(new TariffRestrictions { DayOfWeek = [DayOfWeek.Saturday, DayOfWeek.Sunday] }, T.Energy(0.30m)));
        var e = Assert.Throws<TariffPricingException>(() => Session.At("2025-03-12 10:00").Energy(60, 5m).PriceWith(tariff));
        Assert.Contains("element 0: day_of_week excludes WEDNESDAY", e.Message);
    }

    [Fact]
    public void A_current_restriction_needs_the_current_in_the_CDR()
    {
        var tariff = T.Tariff(T.Element(new TariffRestrictions { MaxCurrent = 32 }, T.Time(1m)), T.Element(T.Time(2m)));
        var e = Assert.Throws<TariffPricingException>(() => Session.At("2025-03-12 10:00").Charge(60).PriceWith(tariff));
        Assert.Contains("no MAX_CURRENT", e.Message);
        // A minimum at or above the limit settles max_current without a maximum.
        Assert.Equal(2.00m, Excl(Session.At("2025-03-12 10:00").Charge(60, minCurrent: 40).PriceWith(tariff)));
    }

    [Fact]
    public void A_tariff_not_yet_active_at_the_session_start_is_an_error()
    {
        var tariff = T.Tariff(T.Element(T.Energy(0.30m))) with { StartDateTime = DateTimeOffset.Parse("2025-04-01T00:00:00Z") };
        var e = Assert.Throws<TariffPricingException>(() => Session.At("2025-03-12 10:00").Energy(60, 5m).PriceWith(tariff));
        Assert.Contains("becomes active at 2025-04-01", e.Message);
    }

    [Fact]
    public void Periods_out_of_order_and_negative_volumes_are_errors()
    {
        var tariff = T.Tariff(T.Element(T.Energy(0.30m)));
        var start = DateTimeOffset.Parse("2025-03-12T10:00:00Z");
        MeteredPeriod[] reversed = [new() { Start = start.AddHours(1), Energy = 1 }, new() { Start = start, Energy = 1 }];
        var e = Assert.Throws<TariffPricingException>(() => TariffPricer.Compile(tariff).Price(new(start, start.AddHours(2), reversed, TimeZoneInfo.Utc)));
        Assert.Contains("time order", e.Message);
        MeteredPeriod[] negative = [new() { Start = start, Energy = -1 }];
        e = Assert.Throws<TariffPricingException>(() => TariffPricer.Compile(tariff).Price(new(start, start.AddHours(2), negative, TimeZoneInfo.Utc)));
        Assert.Contains("negative ENERGY", e.Message);
    }

    [Fact]
    public void A_negative_price_or_an_invalid_restriction_is_refused_when_compiling()
    {
        Assert.Contains("negative", Assert.Throws<TariffPricingException>(() => TariffPricer.Compile(T.Tariff(T.Element(T.Energy(-0.1m))))).Message);
        var badTime = T.Tariff(T.Element(new TariffRestrictions { StartTime = "7:00" }, T.Energy(0.1m)));
        Assert.Contains("elements[0].restrictions.start_time", Assert.Throws<TariffPricingException>(() => TariffPricer.Compile(badTime)).Message);
    }
}

using System.Text;
using System.Text.Json;
using Roaming.Core.Tariffs;
using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Tariffs;

public class TariffModelTests
{
    public static TheoryData<string> ExampleFiles() =>
    [
        "tariff_1_simple_2hour.json", "tariff_2_alt_text.json", "tariff_3_alt_url.json", "tariff_4_complex.json",
        "tariff_5_free_of_charge.json", "tariff_6_025kwh_start_max_price.json", "tariff_8_simple_025kwh.json",
        "tariff_9_025kwh_start.json", "tariff_10_025kwh_parking_start.json", "tariff_11_not_possible_alt_text.json",
        "tariff_12_025kwh_min_price.json", "tariff_13_simple_3hour_5parking.json", "tariff_14_step_size.json",
        "tariff_15_reservation_5_euro_per_hour.json", "tariff_16_reservation_2_euro_fee_5_euro_per_hour.json",
        "tariff_17_reservation_with_expire_fee.json", "tariff_18_reservation_with_expire_time.json",
        "tariffrestriction_example_max_duration.json", "tariffrestriction_example_max_power.json",
    ];

    [SkippableTheory]
    [MemberData(nameof(ExampleFiles))]
    public void Every_complete_tariff_example_is_valid_OCPI(string file)
    {
        var tariff = OcpiJson.Read(File.ReadAllBytes(SpecExamples.PathOf(file)), TariffsJson.Default.Tariff);
        Assert.NotEmpty(tariff.Elements!);
    }

    [SkippableFact]
    public void The_PUT_example_lacks_last_updated_and_is_refused_on_the_wire()
    {
        var e = Assert.Throws<InvalidParametersException>(() =>
            OcpiJson.Read(File.ReadAllBytes(SpecExamples.PathOf("tariff_put_example.json")), TariffsJson.Default.Tariff));
        Assert.Equal("last_updated", Assert.Single(e.Errors).Field);
    }

    [Theory]
    [InlineData("""{"start_time":"24:00"}""", "start_time")]
    [InlineData("""{"end_time":"7:30"}""", "end_time")]
    [InlineData("""{"start_date":"2025-13-01"}""", "start_date")]
    [InlineData("""{"end_date":"25-01-01"}""", "end_date")]
    [InlineData("""{"max_duration":-5}""", "max_duration")]
    public void Restrictions_outside_the_spec_patterns_are_refused(string json, string field)
    {
        var e = Assert.Throws<InvalidParametersException>(() => OcpiJson.Read(Encoding.UTF8.GetBytes(json), TariffsJson.Default.TariffRestrictions));
        Assert.Equal(field, Assert.Single(e.Errors).Field);
    }

    [Fact]
    public void Enums_are_written_with_their_spec_names()
    {
        var r = new TariffRestrictions { DayOfWeek = [Roaming.Core.Tariffs.DayOfWeek.Saturday], Reservation = ReservationRestrictionType.ReservationExpires };
        Assert.Equal("""{"day_of_week":["SATURDAY"],"reservation":"RESERVATION_EXPIRES"}""", JsonSerializer.Serialize(r, TariffsJson.Default.TariffRestrictions));
    }
}

using System.Text;
using System.Text.Json;
using Roaming.Core.Cdrs;
using Roaming.Core.Tariffs;
using Roaming.Core.Tests.Tariffs;
using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Cdrs;

public class CdrModelTests
{
    [SkippableFact]
    public void The_spec_CDR_example_reads_validates_and_writes_back_the_same_fields()
    {
        var bytes = File.ReadAllBytes(SpecExamples.PathOf("cdr_example.json"));
        var cdr = OcpiJson.Read(bytes, CdrsJson.Default.Cdr);
        Assert.Equal(Roaming.Core.Tokens.TokenType.Rfid, cdr.CdrToken!.Type);
        Assert.Equal("IEC_62196_T2", cdr.CdrLocation!.ConnectorStandard);
        Assert.Equal(CdrDimensionType.Time, cdr.ChargingPeriods![0].Dimensions![0].Type);
        Assert.Equal(1.973m, cdr.ChargingPeriods[0].Dimensions![0].Volume);
        Assert.Equal(TariffDimensionType.Time, cdr.Tariffs![0].Elements![0].PriceComponents![0].Type);

        var written = JsonSerializer.SerializeToUtf8Bytes(cdr, CdrsJson.Default.Cdr);
        using var original = JsonDocument.Parse(bytes);
        using var again = JsonDocument.Parse(written);
        foreach (var property in original.RootElement.EnumerateObject())
            Assert.True(again.RootElement.TryGetProperty(property.Name, out _), $"{property.Name} lost on write");
        Assert.Equal(cdr with { }, OcpiJson.Read(written, CdrsJson.Default.Cdr), new CdrFieldComparer());
    }

    [Fact]
    public void A_CDR_missing_required_fields_is_a_2001_naming_each()
    {
        var json = """{"country_code":"BE","party_id":"BEC","id":"1","currency":"EUR","charging_periods":[],"total_cost":{"incl_vat":1}}""";
        var e = Assert.Throws<InvalidParametersException>(() => OcpiJson.Read(Encoding.UTF8.GetBytes(json), CdrsJson.Default.Cdr));
        foreach (var field in new[] { "start_date_time", "cdr_token", "auth_method", "cdr_location", "charging_periods", "total_cost.excl_vat", "total_energy", "total_time", "last_updated" })
            Assert.Contains(e.Errors, f => f.Field == field);
    }

    [Fact]
    public void An_unknown_dimension_type_is_refused_with_its_path()
    {
        var json = """{"start_date_time":"2025-01-01T00:00:00Z","dimensions":[{"type":"VOLTAGE","volume":1}]}""";
        var e = Assert.Throws<InvalidParametersException>(() => OcpiJson.Read(Encoding.UTF8.GetBytes(json), CdrsJson.Default.ChargingPeriod));
        Assert.StartsWith("dimensions[0].type", e.Errors[0].Field);
    }

    [Fact]
    public void A_credit_CDR_needs_its_reference()
    {
        var v = new OcpiValidator();
        new Cdr { Credit = true }.Validate(v);
        Assert.Contains(v.Errors, f => f.Field == "credit_reference_id");
    }

    [Fact]
    public void Coordinates_must_follow_the_spec_pattern()
    {
        var v = new OcpiValidator();
        new Core.Locations.GeoLocation { Latitude = "51.0476", Longitude = "3.729944" }.Validate(v);
        Assert.Equal(["latitude"], v.Errors.Select(e => e.Field));
    }

    /// <summary>Records holding lists compare lists by reference; this compares what was read, field by field, as JSON.</summary>
    private sealed class CdrFieldComparer : IEqualityComparer<Cdr>
    {
        public bool Equals(Cdr? x, Cdr? y) =>
            JsonSerializer.Serialize(x, CdrsJson.Default.Cdr) == JsonSerializer.Serialize(y, CdrsJson.Default.Cdr);

        public int GetHashCode(Cdr obj) => 0;
    }
}

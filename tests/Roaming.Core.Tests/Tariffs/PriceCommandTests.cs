using System.Text.Json;
using System.Text.Json.Nodes;
using Roaming.Cli;
using Roaming.Core.Cdrs;

namespace Roaming.Core.Tests.Tariffs;

/// <summary>The operators' command, run in-process on the spec's CDR example and on files written here.</summary>
public class PriceCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = Cli.Cli.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string TempFile(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"roaming-cli-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The spec's CDR example names tariff 12 (TIME 2.00/h, step 300 s); tariff_1 is that price in step 60 s and id 12.</summary>
    [SkippableFact]
    public void Prices_the_spec_CDR_and_prints_it_as_OCPI_JSON()
    {
        var cdr = SpecExamples.PathOf("cdr_example.json");
        var tariff = TempFile(JsonSerializer.Serialize(SpecExamples.Cdr("cdr_example.json").Tariffs![0], Core.Tariffs.TariffsJson.Default.Tariff));
        var (exit, output, error) = Run("price", "--tariff", tariff, "--cdr", cdr);
        Assert.True(exit == 0, error);
        var priced = Core.Transport.OcpiJson.Read(System.Text.Encoding.UTF8.GetBytes(output), CdrsJson.Default.Cdr);
        Assert.Equal((4.00m, 4.40m), (priced.TotalCost!.ExclVat, priced.TotalCost.InclVat!.Value));
        Assert.Equal("12", Assert.Single(priced.ChargingPeriods!).TariffId);
        Assert.Equal(1.9731m, priced.TotalTime);
    }

    [SkippableFact]
    public void Diff_lists_what_differs_from_the_file()
    {
        var tariff = SpecExamples.PathOf("tariff_13_simple_3hour_5parking.json");
        var source = SpecExamples.Cdr("cdr_example.json") with
        {
            Currency = "EUR",
            ChargingPeriods =
            [
                new() { StartDateTime = DateTimeOffset.Parse("2015-06-29T21:39:09Z"), Dimensions = [new() { Type = CdrDimensionType.Time, Volume = 1.5m }] },
                new() { StartDateTime = DateTimeOffset.Parse("2015-06-29T23:09:09Z"), Dimensions = [new() { Type = CdrDimensionType.ParkingTime, Volume = 0.4717m }] },
            ],
        };
        var cdr = TempFile(JsonSerializer.Serialize(source, CdrsJson.Default.Cdr));
        var (exit, output, error) = Run("price", "--tariff", tariff, "--cdr", cdr, "--diff", "--breakdown", "--time-zone", "Europe/Brussels");
        Assert.True(exit == 0, error);
        // 90 minutes at 3.00 = 4.50; parking 28.3 minutes billed as 30 at 5.00 = 2.50: 7.00 instead of the file's 4.00.
        Assert.Matches(@"total_cost\.excl_vat\s+4\.00\s+7\.00\s+3\.00", output);
        Assert.Matches(@"total_parking_cost\.excl_vat\s+-\s+2\.50", output);
        Assert.Contains("PARKING_TIME", output);
        Assert.Contains("element 0, component 1", output);
    }

    [SkippableFact]
    public void A_tariff_the_CDR_does_not_name_is_refused()
    {
        var (exit, _, error) = Run("price", "--tariff", SpecExamples.PathOf("tariff_8_simple_025kwh.json"), "--cdr", SpecExamples.PathOf("cdr_example.json"));
        Assert.Equal(Cli.Cli.Failed, exit);
        Assert.Contains("names tariff 12", error);
    }

    [Theory]
    [InlineData(new[] { "price", "--tariff", "t.json" }, "--tariff and --cdr are required")]
    [InlineData(new[] { "price", "--tariff", "t.json", "--cdr", "c.json", "--time-zone", "Mars/Olympus" }, "unknown time zone")]
    [InlineData(new[] { "price", "--bogus" }, "unexpected argument")]
    [InlineData(new[] { "reprice" }, "unknown command")]
    public void Bad_usage_exits_2_saying_what_is_wrong(string[] args, string message)
    {
        var (exit, _, error) = Run(args);
        Assert.Equal(Cli.Cli.Usage, exit);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Bad_files_exit_1_naming_the_problem()
    {
        var tariff = TempFile("""{"country_code":"NL","party_id":"TST","id":"1","currency":"EUR","elements":[{"price_components":[{"type":"SPEED","price":1,"step_size":1}]}]}""");
        var cdr = TempFile("{}");
        var (exit, _, error) = Run("price", "--tariff", tariff, "--cdr", cdr);
        Assert.Equal(Cli.Cli.Failed, exit);
        Assert.Contains("elements[0].price_components[0].type", error);
        (exit, _, error) = Run("price", "--tariff", "/nonexistent/t.json", "--cdr", cdr);
        Assert.Equal(Cli.Cli.Failed, exit);
        Assert.Contains("not found", error);
    }

    private const string TimeTariff = """
        {"country_code": "NL", "party_id": "TST", "id": "T2", "currency": "EUR",
         "elements": [{"price_components": [{"type": "TIME", "price": 2.00, "vat": 10, "step_size": 1}]}]}
        """;

    /// <summary>What another tool kept of a session: its times, one period and nothing else.</summary>
    private const string PartialCdr = """
        {"start_date_time": "2015-06-29T21:39:09Z", "end_date_time": "2015-06-29T23:37:32Z", "currency": "EUR",
         "cdr_token": "not an object", "auth_method": "SOMETHING",
         "charging_periods": [{"start_date_time": "2015-06-29T21:39:09Z", "dimensions": [{"type": "time", "volume": "1.973"}]}]}
        """;

    [Fact]
    public void A_partial_cdr_is_priced_and_the_fields_it_lacks_are_listed()
    {
        var (exit, output, error) = Run("price", "--tariff", TempFile(TimeTariff), "--cdr", TempFile(PartialCdr));
        Assert.True(exit == 0, error);
        var priced = JsonSerializer.Deserialize(output, CdrsJson.Default.Cdr)!;
        // 1 h 58 min 23 s (the session's span) at 2.00 = 3.9461: 3.95 to the cent.
        Assert.Equal((3.95m, 4.34m), (priced.TotalCost!.ExclVat, priced.TotalCost.InclVat!.Value));
        foreach (var field in new[] { "cdr_location", "cdr_token", "auth_method", "country_code", "party_id", "id", "total_cost", "total_energy", "last_updated" })
            Assert.Contains($"note: ignored {field}:", error);
        Assert.DoesNotContain("charging_periods", error);
        Assert.Single(error.Split('\n'), l => l.StartsWith("note: ignored cdr_token:"));
    }

    [Fact]
    public void Four_decimals_rounding_is_offered_beside_the_minor_unit()
    {
        var (exit, output, error) = Run("price", "--tariff", TempFile(TimeTariff), "--cdr", TempFile(PartialCdr), "--rounding", "4-decimals", "--breakdown");
        Assert.True(exit == 0, error);
        Assert.Contains("\"excl_vat\": 3.9461", output);
        Assert.Contains("\"incl_vat\": 4.3407", output);
        Assert.Contains("= 3.9461 excl", output);
        Assert.Equal(Cli.Cli.Usage, Run("price", "--tariff", "t.json", "--cdr", "c.json", "--rounding", "banker").Exit);
    }

    [Fact]
    public void A_cdr_without_currency_is_priced_in_the_tariffs()
    {
        var cdr = JsonNode.Parse(PartialCdr)!.AsObject();
        cdr.Remove("currency");
        var (exit, output, error) = Run("price", "--tariff", TempFile(TimeTariff), "--cdr", TempFile(cdr.ToJsonString()));
        Assert.True(exit == 0, error);
        Assert.Equal("EUR", JsonSerializer.Deserialize(output, CdrsJson.Default.Cdr)!.Currency);
        Assert.Contains("priced in the tariff's EUR", error);
    }

    [Theory]
    [InlineData("charging_periods", null, "charging_periods: required")]
    [InlineData("end_date_time", null, "end_date_time: required")]
    [InlineData("start_date_time", "\"yesterday\"", "start_date_time")]
    [InlineData("currency", "\"EURO\"", "currency: longer than 3")]
    [InlineData("charging_periods", "[{\"start_date_time\": \"2015-06-29T21:39:09Z\", \"dimensions\": [{\"type\": \"SPEED\", \"volume\": 1}]}]", "charging_periods[0].dimensions[0].type")]
    public void What_pricing_needs_must_be_there_and_right(string field, string? value, string message)
    {
        var cdr = JsonNode.Parse(PartialCdr)!.AsObject();
        if (value is null) cdr.Remove(field);
        else cdr[field] = JsonNode.Parse(value);
        var (exit, _, error) = Run("price", "--tariff", TempFile(TimeTariff), "--cdr", TempFile(cdr.ToJsonString()));
        Assert.Equal(Cli.Cli.Failed, exit);
        Assert.Contains(message, error);
    }

    [Theory]
    [InlineData("price", "--help")]
    [InlineData("price", "-h")]
    [InlineData("price", "--tariff", "t.json", "--help")]
    [InlineData("--help")]
    public void Help_is_answered_on_stdout(params string[] args)
    {
        var (exit, output, _) = Run(args);
        Assert.Equal(Cli.Cli.Ok, exit);
        Assert.Contains("--rounding minor-unit|4-decimals", output);
    }
}

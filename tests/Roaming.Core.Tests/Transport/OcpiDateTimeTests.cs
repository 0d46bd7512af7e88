using System.Text.Json;
using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Transport;

public class OcpiDateTimeTests
{
    [Theory]
    [InlineData("2015-06-29T20:39:09Z", "2015-06-29T20:39:09Z")]
    [InlineData("2015-06-29T20:39:09", "2015-06-29T20:39:09Z")]
    [InlineData("2016-12-29T17:45:09.2Z", "2016-12-29T17:45:09.2Z")]
    [InlineData("2018-01-01T01:08:01.123", "2018-01-01T01:08:01.123Z")]
    [InlineData("2018-01-01T01:08:01.1234567Z", "2018-01-01T01:08:01.123Z")]
    public void Parses_the_spec_formats_and_writes_UTC(string input, string written)
    {
        Assert.True(OcpiDateTime.TryParse(input, out var value));
        Assert.Equal(TimeSpan.Zero, value.Offset);
        Assert.Equal(written, OcpiDateTime.Format(value));
    }

    [Theory]
    [InlineData("2015-06-29T20:39:09+00:00")]
    [InlineData("2015-06-29T22:39:09+02:00")]
    [InlineData("2015-06-29")]
    [InlineData("29-06-2015T20:39:09Z")]
    [InlineData("")]
    public void Refuses_other_formats(string input) => Assert.False(OcpiDateTime.TryParse(input, out _));

    [Fact]
    public void A_bad_query_date_is_a_2001_naming_the_parameter()
    {
        var e = Assert.Throws<InvalidParametersException>(() => OcpiDateTime.Parse("yesterday", "date_from"));
        Assert.Equal(OcpiStatus.InvalidOrMissingParameters, e.StatusCode);
        Assert.Contains("date_from", e.Message);
    }

    [Fact]
    public void Converter_rejects_numbers_and_bad_strings()
    {
        var options = new JsonSerializerOptions { Converters = { new OcpiDateTimeConverter() } };
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DateTimeOffset>("12345", options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DateTimeOffset>("\"2015-06-29T22:39:09+02:00\"", options));
        Assert.Equal(new DateTimeOffset(2015, 6, 29, 20, 39, 9, TimeSpan.Zero), JsonSerializer.Deserialize<DateTimeOffset>("\"2015-06-29T20:39:09Z\"", options));
    }
}

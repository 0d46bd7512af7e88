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
        Assert.True(OcpiDateTime.TryParse(input, out var value, out var canonical));
        Assert.True(canonical);
        Assert.Equal(TimeSpan.Zero, value.Offset);
        Assert.Equal(written, OcpiDateTime.Format(value));
    }

    [Theory]
    [InlineData("2015-06-29T20:39:09+00:00", "2015-06-29T20:39:09Z")]
    [InlineData("2015-06-29T22:39:09+02:00", "2015-06-29T20:39:09Z")]
    [InlineData("2015-06-29T15:09:09-05:30", "2015-06-29T20:39:09Z")]
    [InlineData("2015-06-29T22:39:09+0200", "2015-06-29T20:39:09Z")]
    [InlineData("2015-06-29T22:39:09 02:00", "2015-06-29T20:39:09Z")] // '+' decoded to a space in a query string
    [InlineData("2015-06-29 20:39:09Z", "2015-06-29T20:39:09Z")]
    [InlineData("2015-06-29t20:39:09z", "2015-06-29T20:39:09Z")]
    [InlineData("2015-06-29T20:39:09.123456789Z", "2015-06-29T20:39:09.123Z")]
    [InlineData("2015-06-29 22:39:09.987654321+02:00", "2015-06-29T20:39:09.987Z")]
    [InlineData(" 2015-06-29T20:39:09Z ", "2015-06-29T20:39:09Z")]
    public void Reads_what_partners_send_as_the_instant_it_names_and_writes_UTC_Z(string input, string written)
    {
        // Against the letter of the types chapter (UTC only), on purpose: the instant is unambiguous.
        Assert.True(OcpiDateTime.TryParse(input, out var value, out var canonical));
        Assert.False(canonical);
        Assert.Equal(written, OcpiDateTime.Format(value));
    }

    [Theory]
    [InlineData("2015-06-29")]
    [InlineData("29-06-2015T20:39:09Z")]
    [InlineData("2015-06-29T20:39Z")]
    [InlineData("2015-02-30T20:39:09Z")]
    [InlineData("2015-06-29T24:00:00Z")]
    [InlineData("2015-06-29T20:39:09.1234567890Z")]
    [InlineData("2015-06-29T20:39:09.Z")]
    [InlineData("2015-06-29T20:39:09+15:00")]
    [InlineData("2015-06-29T20:39:09ZZ")]
    [InlineData("2015-06-29X20:39:09Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("")]
    public void Refuses_what_is_no_DateTime(string input) => Assert.False(OcpiDateTime.TryParse(input, out _));

    [Fact]
    public void A_bad_query_date_is_a_2001_naming_the_parameter()
    {
        var e = Assert.Throws<InvalidParametersException>(() => OcpiDateTime.Parse("yesterday", "date_from"));
        Assert.Equal(OcpiStatus.InvalidOrMissingParameters, e.StatusCode);
        Assert.Contains("date_from", e.Message);
    }

    [Fact]
    public void Converter_rejects_numbers_and_bad_strings_and_reads_offsets_as_utc()
    {
        var options = new JsonSerializerOptions { Converters = { new OcpiDateTimeConverter() } };
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DateTimeOffset>("12345", options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<DateTimeOffset>("\"tomorrow\"", options));
        Assert.Equal(new DateTimeOffset(2015, 6, 29, 20, 39, 9, TimeSpan.Zero), JsonSerializer.Deserialize<DateTimeOffset>("\"2015-06-29T22:39:09+02:00\"", options));
        Assert.Equal("\"2015-06-29T20:39:09Z\"", JsonSerializer.Serialize(new DateTimeOffset(2015, 6, 29, 22, 39, 9, TimeSpan.FromHours(2)), options));
    }

    [Theory]
    [InlineData("1999-12-31T23:59:59Z", false)]
    [InlineData("2000-01-01T00:00:00Z", true)]
    [InlineData("2026-06-01T00:00:00Z", true)]
    [InlineData("2026-06-02T00:00:00Z", true)]
    [InlineData("2026-06-02T00:00:01Z", false)]
    [InlineData("9999-12-31T23:59:59Z", false)]
    [InlineData("0001-01-01T00:00:00Z", false)]
    public void A_sane_last_updated_falls_between_2000_and_a_day_from_now(string text, bool sane) =>
        Assert.Equal(sane, OcpiDateTime.IsSaneLastUpdated(OcpiDateTime.Parse(text, "last_updated"), new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero)));
}

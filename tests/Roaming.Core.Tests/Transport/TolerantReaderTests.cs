using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Roaming.Core.Locations;
using Roaming.Core.Tariffs;
using Roaming.Core.Tests.Locations;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;

namespace Roaming.Core.Tests.Transport;

/// <summary>Tolerant in what is accepted, strict in what is kept: the reader against the sloppy input set.</summary>
public class TolerantReaderTests
{
    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    private static (T Value, IReadOnlyList<InputNoteCount> Notes) ReadNoting<T>(JsonNode body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, bool lenient = true)
    {
        using var notes = InputNotes.Begin(lenient);
        var value = OcpiJson.Read(Bytes(body), type);
        return (value, notes.Counts(DateTimeOffset.UtcNow));
    }

    [Fact]
    public void A_sloppy_location_is_kept_in_its_strict_form_and_every_change_is_noted()
    {
        var (location, notes) = ReadNoting(SloppyInput.Location("L1"), LocationsJson.Default.Location);

        LocationExampleTests.AssertJsonEqual(SloppyInput.LocationNormalised("L1"), JsonSerializer.SerializeToNode(location, LocationsJson.Default.Location)!);
        var noted = notes.Select(n => (n.Field, n.Action.ToString(), n.Kind)).ToHashSet();
        var missing = SloppyInput.LocationNotes.Where(e => !noted.Contains(e)).ToList();
        var extra = noted.Where(n => !SloppyInput.LocationNotes.Contains(n)).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0, $"missing: {string.Join("; ", missing)} | unexpected: {string.Join("; ", extra)}");
        Assert.Equal(SloppyInput.LocationNotes.Length, noted.Count);
        Assert.Equal("2026-01-01T12:00:00+02:00", notes.Single(n => n.Field == "Location.evses[].connectors[].last_updated").Example);
    }

    [Fact]
    public void A_sloppy_tariff_is_kept_in_its_strict_form()
    {
        var (tariff, notes) = ReadNoting(SloppyInput.Tariff("T1"), TariffsJson.Default.Tariff);
        LocationExampleTests.AssertJsonEqual(SloppyInput.TariffNormalised("T1"), JsonSerializer.SerializeToNode(tariff, TariffsJson.Default.Tariff)!);
        Assert.True(notes.Any(n => n is { Field: "Tariff.elements[].price_components[].step_size", Kind: InputKinds.IntegerAsDecimal }), string.Join("; ", notes));
        Assert.Contains(notes, n => n is { Field: "Tariff.elements[].restrictions.day_of_week[]", Kind: InputKinds.EnumCase, Count: 1 });
    }

    [Theory]
    [MemberData(nameof(SloppyDateTimes))]
    public void Every_sloppy_datetime_is_the_same_instant(string text)
    {
        var location = SloppyInput.LocationNormalised("L1");
        location["last_updated"] = text;
        var (read, notes) = ReadNoting(location, LocationsJson.Default.Location);
        Assert.Equal(DateTimeOffset.Parse(SloppyInput.Instant), read.LastUpdated);
        Assert.Equal(("Location.last_updated", InputKinds.DateTimeForm), notes.Select(n => (n.Field, n.Kind)).Single());
    }

    public static TheoryData<string> SloppyDateTimes => new(SloppyInput.DateTimes);

    [Fact]
    public void A_strict_location_reads_without_a_note() =>
        Assert.Empty(ReadNoting(SloppyInput.LocationNormalised("L1"), LocationsJson.Default.Location).Notes);

    /// <summary>Identity, ownership and the structure that matters stay strict: the whole object is refused, naming the field.</summary>
    [Theory]
    [InlineData("evses.0.status", "\"BROKEN\"", "evses[0].status")]
    [InlineData("evses.0.connectors.0.format", "\"TETHERED\"", "evses[0].connectors[0].format")]
    [InlineData("evses.0.connectors.0.max_voltage", "\"230V\"", "evses[0].connectors[0].max_voltage")]
    [InlineData("evses.0.connectors.0.max_amperage", "32.5", "evses[0].connectors[0].max_amperage")]
    [InlineData("id", "\"L1-THAT-IS-FAR-TOO-LONG-FOR-A-CISTRING-36\"", "id")]
    [InlineData("country_code", "\"BEL\"", "country_code")]
    [InlineData("coordinates.latitude", "\"north\"", "coordinates.latitude")]
    [InlineData("coordinates.latitude", "\"91.5\"", "coordinates.latitude")]
    [InlineData("name", "\"Tab\\there\"", null)]
    [InlineData("last_updated", "\"9999-12-31T23:59:59Z\"", "last_updated")]
    [InlineData("last_updated", "\"0001-01-01T00:00:00Z\"", "last_updated")]
    [InlineData("publish_allowed_to", "[{\"type\": \"RFID\"}]", "publish_allowed_to[0].uid")]
    [InlineData("publish", "\"yes\"", "publish")]
    public void What_a_location_needs_is_never_dropped(string path, string json, string? field) =>
        AssertRefused(SloppyInput.LocationNormalised("L1"), path, json, field, LocationsJson.Default.Location);

    [Theory]
    [InlineData("elements.0.price_components.0.type", "\"KILOWATTS\"", "elements[0].price_components[0].type")]
    [InlineData("elements.0.restrictions.day_of_week.1", "\"FUNDAY\"", "elements[0].restrictions.day_of_week[1]")]
    [InlineData("elements.0.restrictions.reservation", "\"RESERVED\"", "elements[0].restrictions.reservation")]
    [InlineData("type", "\"CHEAPEST\"", "type")]
    [InlineData("min_price", "{\"excl_vat\": \"free\"}", "min_price.excl_vat")]
    [InlineData("currency", "\"EURO\"", "currency")]
    public void What_prices_a_session_is_never_dropped(string path, string json, string field) =>
        AssertRefused(SloppyInput.TariffNormalised("T1"), path, json, field, TariffsJson.Default.Tariff);

    /// <summary><paramref name="valid"/> with <paramref name="json"/> at <paramref name="path"/> is refused naming <paramref name="field"/> (null: it is taken).</summary>
    private static void AssertRefused<T>(JsonObject valid, string path, string json, string? field, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        Set(valid, path, JsonNode.Parse(json));
        if (field is null)
        {
            Assert.NotNull(OcpiJson.Read(Bytes(valid), type));
            return;
        }
        var e = Assert.Throws<InvalidParametersException>(() => OcpiJson.Read(Bytes(valid), type));
        Assert.Contains(e.Errors, f => f.Field == field);
    }

    [Fact]
    public void All_fields_that_refuse_an_object_are_named_at_once()
    {
        var location = SloppyInput.LocationNormalised("L1");
        Set(location, "evses.0.status", "BROKEN");
        Set(location, "evses.0.connectors.0.format", "TETHERED");
        Set(location, "city", new string('x', 46));
        var e = Assert.Throws<InvalidParametersException>(() => OcpiJson.Read(Bytes(location), LocationsJson.Default.Location));
        Assert.Equal(["city", "evses[0].connectors[0].format", "evses[0].status"], e.Errors.Select(f => f.Field).Order());
    }

    [Fact]
    public void Optional_parts_over_their_limit_are_left_out_and_noted()
    {
        var location = SloppyInput.LocationNormalised("L1");
        var images = new JsonArray();
        for (var i = 0; i <= OcpiLimits.Images; i++) images.Add(new JsonObject { ["url"] = $"https://img.example.com/{i}.jpg", ["category"] = "CHARGER", ["type"] = "jpg" });
        location["images"] = images;
        var (read, notes) = ReadNoting(location, LocationsJson.Default.Location);
        Assert.True(read.Images is null, string.Join("; ", notes));
        Assert.Contains(notes, n => n is { Field: "Location.images", Action: InputAction.Dropped, Kind: InputKinds.Invalid });
    }

    [Fact]
    public void The_operator_api_reads_strictly_only_lossless_forms_are_taken()
    {
        // Inside the operator's scope: case, number and DateTime notation are normalised; nothing is dropped or guessed.
        var lossless = SloppyInput.LocationNormalised("L1");
        Set(lossless, "evses.0.status", "charging");
        Set(lossless, "last_updated", "2026-01-01T12:00:00+02:00");
        Set(lossless, "evses.0.connectors.0.max_voltage", "230");
        var (read, _) = ReadNoting(lossless, LocationsJson.Default.Location, lenient: false);
        Assert.Equal(EvseStatus.Charging, read.Evses![0].Status);

        foreach (var (path, value, field) in new (string, JsonNode, string)[]
        {
            ("coordinates.latitude", "52.378900123", "coordinates.latitude"),
            ("parking_type", "UNDERGROUND", "parking_type"),
            ("name", "Two\nlines", "name"),
            ("operator", new JsonObject { ["name"] = "x", ["website"] = "www.example.com" }, "operator.website"),
            ("opening_times", new JsonObject { ["twentyfourseven"] = true, ["regular_hours"] = new JsonArray(new JsonObject { ["weekday"] = 1, ["period_begin"] = "08:00", ["period_end"] = "20:00" }) }, "opening_times.regular_hours"),
        })
        {
            var location = SloppyInput.LocationNormalised("L1");
            Set(location, path, value);
            using var scope = InputNotes.Begin(lenient: false);
            var e = Record.Exception(() => OcpiJson.Read(Bytes(location), LocationsJson.Default.Location));
            Assert.True(e is InvalidParametersException p && p.Errors.Any(f => f.Field == field), $"{path}: {e?.Message}");
        }
    }

    [Fact]
    public void An_object_read_twice_in_a_request_counts_once_two_objects_count_twice()
    {
        using var notes = InputNotes.Begin(lenient: true);
        var body = Bytes(SloppyInput.Location("L1"));
        OcpiJson.Read(body, LocationsJson.Default.Location);
        OcpiJson.Read(body, LocationsJson.Default.Location);
        Assert.Equal(1, notes.Counts(DateTimeOffset.UtcNow).Single(n => n.Field == "Location.last_updated").Count);
        OcpiJson.Read(Bytes(SloppyInput.Location("L2")), LocationsJson.Default.Location);
        Assert.Equal(2, notes.Counts(DateTimeOffset.UtcNow).Single(n => n.Field == "Location.last_updated").Count);
    }

    [Fact]
    public void A_patch_merge_takes_sloppy_values_and_leaves_the_stored_object_strict()
    {
        var stored = OcpiJson.Read(Bytes(SloppyInput.LocationNormalised("L1")), LocationsJson.Default.Location).Evses![0];
        var patch = JsonDocument.Parse("{\"status\": \"charging\", \"last_updated\": \"2026-02-01 12:00:00.123456789+01:00\"}").RootElement;
        Assert.Equal(DateTimeOffset.Parse("2026-02-01T11:00:00.123Z"), JsonMerge.RequireLastUpdated(patch));
        var merged = JsonMerge.Apply(stored, patch, LocationsJson.Default.Evse);
        Assert.Equal(EvseStatus.Charging, merged.Status);
        Assert.Equal(DateTimeOffset.Parse("2026-02-01T11:00:00.123Z"), merged.LastUpdated);
    }

    [Fact]
    public void A_patch_last_updated_outside_the_sane_window_is_2001()
    {
        foreach (var text in new[] { "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z" })
        {
            var e = Assert.Throws<InvalidParametersException>(() => JsonMerge.RequireLastUpdated(JsonDocument.Parse($"{{\"last_updated\": \"{text}\"}}").RootElement));
            Assert.Equal("last_updated", Assert.Single(e.Errors).Field);
        }
    }

    [Theory]
    [InlineData("", 400)]
    [InlineData("{\"id\": ", 400)]
    [InlineData("\uFEFF", 400)]
    [InlineData("{\"id\": \"a\\ud800\"}", 200)]
    [InlineData("{\"evses\": [{\"uid\": \"\\udfff\"}]}", 200)]
    [InlineData("null", 200)]
    [InlineData("[1]", 200)]
    public void A_body_that_is_not_json_is_400_and_json_that_is_no_text_is_2001(string body, int http)
    {
        var e = Assert.Throws<InvalidParametersException>(() => OcpiJson.Read(Encoding.UTF8.GetBytes(body), LocationsJson.Default.Location));
        Assert.Equal(http, (int)e.HttpStatus);
        if (body.Contains("ud800")) Assert.Equal("id", Assert.Single(e.Errors).Field);
        if (body.Contains("udfff")) Assert.Equal("evses[0].uid", Assert.Single(e.Errors).Field);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_name_given_twice_keeps_its_last_value_on_either_path(bool sloppy)
    {
        // Clean objects bind directly, sloppy ones through a tree: both keep the last value, as JSON.parse does.
        var location = sloppy ? SloppyInput.Location("L1") : SloppyInput.LocationNormalised("L1");
        var json = location.ToJsonString().Replace("\"city\":\"Amsterdam\"", "\"city\":\"Amsterdam\",\"city\":\"Rotterdam\"");
        Assert.Equal("Rotterdam", OcpiJson.Read(Encoding.UTF8.GetBytes(json), LocationsJson.Default.Location).City);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("Rotterdam", OcpiJson.Read(document.RootElement, LocationsJson.Default.Location, "location").City);
    }

    [Fact]
    public void Invalid_utf8_is_not_json()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"id\": \"ab\"}");
        bytes[8] = 0xC3;
        var e = Assert.Throws<InvalidParametersException>(() => OcpiJson.Read(bytes, LocationsJson.Default.Location));
        Assert.Equal(400, (int)e.HttpStatus);
        Assert.Equal(400, (int)Assert.Throws<InvalidParametersException>(() => OcpiJson.ReadObject(bytes)).HttpStatus);
    }

    [Theory]
    [InlineData("cdr_token.uid", "0123456789AB")]
    [InlineData("publish_allowed_to[0].visual_number", "NL-TNM-123")]
    [InlineData("token", "abc")]
    [InlineData("contract_id", "NL-TNM-C12345678-X")]
    public void Examples_never_show_personal_data(string path, string value) => Assert.Equal("(withheld)", InputExample.Of(path, value));

    [Fact]
    public void Examples_are_short_and_printable()
    {
        var example = InputExample.Of("name", "a\nb" + new string('x', 100))!;
        Assert.True(example.Length <= InputExample.MaxLength);
        Assert.DoesNotContain('\n', example);
    }

    private static void Set(JsonNode root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var node = root;
        foreach (var part in parts[..^1]) node = int.TryParse(part, out var i) ? node[i]! : node[part]!;
        if (int.TryParse(parts[^1], out var index)) node[index] = value;
        else node[parts[^1]] = value;
    }
}

using System.Text.Json.Nodes;

namespace Roaming.Core.Tests;

/// <summary>
/// What real partners send instead of what the spec prints, as objects to send and what must become of them:
/// the reusable input set of the "sloppy partner" (tests/Roaming.Integration.Tests/SloppyPartner.cs uses it
/// over HTTP). Every value here names the same thing its strict form does; the endpoint must take it, store
/// the strict form, and count what it changed.
/// </summary>
public static class SloppyInput
{
    /// <summary>The instant every sloppy DateTime below names.</summary>
    public const string Instant = "2026-01-01T10:00:00Z";

    /// <summary>One instant as partners write it: offsets, a space, lowercase t and z, nine fractional digits.</summary>
    public static readonly string[] DateTimes =
    [
        "2026-01-01T10:00:00+00:00",
        "2026-01-01T12:00:00+02:00",
        "2026-01-01T05:30:00-04:30",
        "2026-01-01 10:00:00Z",
        "2026-01-01t10:00:00z",
        "2026-01-01T10:00:00.000000000Z",
        "2026-01-01 11:00:00.000000000+01:00",
    ];

    /// <summary>
    /// A Location as a sloppy CPO sends it. Kept whole: lowercase enums, numbers as strings and 22000.0, offsets,
    /// an over-precise coordinate, a website without a scheme, a line break in the name, opening hours both 24/7
    /// and on a schedule. Left out: a parking type and an image category this version does not know, an energy
    /// source it does not know.
    /// </summary>
    public static JsonObject Location(string id, string country = "BE", string party = "SPC") => new()
    {
        ["country_code"] = country,
        ["party_id"] = party,
        ["id"] = id,
        ["publish"] = "true",
        ["name"] = "Station\r\nCentral",
        ["address"] = "Stationsplein 1",
        ["city"] = "Amsterdam",
        ["country"] = "NLD",
        ["coordinates"] = new JsonObject { ["latitude"] = "52.378900123456", ["longitude"] = "4.9002" },
        ["parking_type"] = "PARKING_LOT_UNDERGROUND",
        ["evses"] = new JsonArray(new JsonObject
        {
            ["uid"] = id + "-E1",
            ["status"] = "available",
            ["capabilities"] = new JsonArray("RFID_READER"),
            ["connectors"] = new JsonArray(new JsonObject
            {
                ["id"] = "1",
                ["standard"] = "IEC_62196_T2",
                ["format"] = "Socket",
                ["power_type"] = "ac_3_phase",
                ["max_voltage"] = "230",
                ["max_amperage"] = JsonNode.Parse("32.0"),
                ["max_electric_power"] = "22000.0",
                ["terms_and_conditions"] = "www.example.com/terms",
                ["last_updated"] = DateTimes[1],
            }),
            ["images"] = new JsonArray(
                new JsonObject { ["url"] = "https://img.example.com/a.jpg", ["category"] = "charger", ["type"] = "jpg" },
                new JsonObject { ["url"] = "https://img.example.com/b.jpg", ["category"] = "PHOTO", ["type"] = "jpg" }),
            ["last_updated"] = DateTimes[3],
        }),
        ["operator"] = new JsonObject { ["name"] = "Sloppy\tOperator", ["website"] = "www.sloppy.example.com" },
        ["time_zone"] = "Europe/Amsterdam",
        ["opening_times"] = new JsonObject
        {
            ["twentyfourseven"] = true,
            ["regular_hours"] = new JsonArray(new JsonObject { ["weekday"] = "1", ["period_begin"] = "08:00", ["period_end"] = "20:00" }),
        },
        ["energy_mix"] = new JsonObject
        {
            ["is_green_energy"] = "TRUE",
            ["energy_sources"] = new JsonArray(
                new JsonObject { ["source"] = "solar", ["percentage"] = "60" },
                new JsonObject { ["source"] = "BIOGAS", ["percentage"] = 40 }),
        },
        ["last_updated"] = DateTimes[5],
    };

    /// <summary>The same Location as the endpoint must keep and send it.</summary>
    public static JsonObject LocationNormalised(string id, string country = "BE", string party = "SPC") => new()
    {
        ["country_code"] = country,
        ["party_id"] = party,
        ["id"] = id,
        ["publish"] = true,
        ["name"] = "Station Central",
        ["address"] = "Stationsplein 1",
        ["city"] = "Amsterdam",
        ["country"] = "NLD",
        ["coordinates"] = new JsonObject { ["latitude"] = "52.3789001", ["longitude"] = "4.90020" },
        ["evses"] = new JsonArray(new JsonObject
        {
            ["uid"] = id + "-E1",
            ["status"] = "AVAILABLE",
            ["capabilities"] = new JsonArray("RFID_READER"),
            ["connectors"] = new JsonArray(new JsonObject
            {
                ["id"] = "1",
                ["standard"] = "IEC_62196_T2",
                ["format"] = "SOCKET",
                ["power_type"] = "AC_3_PHASE",
                ["max_voltage"] = 230,
                ["max_amperage"] = 32,
                ["max_electric_power"] = 22000,
                ["terms_and_conditions"] = "https://www.example.com/terms",
                ["last_updated"] = Instant,
            }),
            ["images"] = new JsonArray(new JsonObject { ["url"] = "https://img.example.com/a.jpg", ["category"] = "CHARGER", ["type"] = "jpg" }),
            ["last_updated"] = Instant,
        }),
        ["operator"] = new JsonObject { ["name"] = "Sloppy Operator", ["website"] = "https://www.sloppy.example.com" },
        ["time_zone"] = "Europe/Amsterdam",
        ["opening_times"] = new JsonObject { ["twentyfourseven"] = true, ["regular_hours"] = new JsonArray() },
        ["energy_mix"] = new JsonObject
        {
            ["is_green_energy"] = true,
            ["energy_sources"] = new JsonArray(new JsonObject { ["source"] = "SOLAR", ["percentage"] = 60 }),
        },
        ["last_updated"] = Instant,
    };

    /// <summary>What reading <see cref="Location"/> must note: (field, action, kind).</summary>
    public static readonly (string Field, string Action, string Kind)[] LocationNotes =
    [
        ("Location.publish", "Normalised", "boolean-as-string"),
        ("Location.name", "Normalised", "control-characters"),
        ("Location.coordinates.latitude", "Normalised", "coordinate-precision"),
        ("Location.coordinates.longitude", "Normalised", "coordinate-precision"),
        ("Location.parking_type", "Dropped", "unreadable"),
        ("Location.evses[].status", "Normalised", "enum-case"),
        ("Location.evses[].connectors[].format", "Normalised", "enum-case"),
        ("Location.evses[].connectors[].power_type", "Normalised", "enum-case"),
        ("Location.evses[].connectors[].max_voltage", "Normalised", "number-as-string"),
        ("Location.evses[].connectors[].max_amperage", "Normalised", "integer-with-decimals"),
        ("Location.evses[].connectors[].max_electric_power", "Normalised", "number-as-string"),
        ("Location.evses[].connectors[].terms_and_conditions", "Normalised", "url-without-scheme"),
        ("Location.evses[].connectors[].last_updated", "Normalised", "datetime-not-utc-z"),
        ("Location.evses[].images[].category", "Normalised", "enum-case"),
        ("Location.evses[].images[].category", "Dropped", "unreadable"),
        ("Location.evses[].last_updated", "Normalised", "datetime-not-utc-z"),
        ("Location.operator.name", "Normalised", "control-characters"),
        ("Location.operator.website", "Normalised", "url-without-scheme"),
        ("Location.opening_times.regular_hours", "Dropped", "contradiction"),
        ("Location.opening_times.regular_hours[].weekday", "Normalised", "number-as-string"),
        ("Location.energy_mix.is_green_energy", "Normalised", "boolean-as-string"),
        ("Location.energy_mix.energy_sources[].source", "Normalised", "enum-case"),
        ("Location.energy_mix.energy_sources[].percentage", "Normalised", "number-as-string"),
        ("Location.energy_mix.energy_sources[].source", "Dropped", "unreadable"),
        ("Location.last_updated", "Normalised", "datetime-not-utc-z"),
    ];

    /// <summary>A Tariff as a sloppy CPO sends it: lowercase enums, prices and VAT as strings, a step size of 1.0, an offset.</summary>
    public static JsonObject Tariff(string id, string country = "BE", string party = "SPC") => new()
    {
        ["country_code"] = country,
        ["party_id"] = party,
        ["id"] = id,
        ["currency"] = "EUR",
        ["type"] = "regular",
        ["tariff_alt_url"] = "www.example.com/tariffs",
        ["elements"] = new JsonArray(new JsonObject
        {
            ["price_components"] = new JsonArray(new JsonObject { ["type"] = "energy", ["price"] = "0.25", ["vat"] = "21", ["step_size"] = JsonNode.Parse("1.0") }),
            ["restrictions"] = new JsonObject { ["day_of_week"] = new JsonArray("monday", "Tuesday"), ["max_power"] = "11" },
        }),
        ["last_updated"] = DateTimes[2],
    };

    public static JsonObject TariffNormalised(string id, string country = "BE", string party = "SPC") => new()
    {
        ["country_code"] = country,
        ["party_id"] = party,
        ["id"] = id,
        ["currency"] = "EUR",
        ["type"] = "REGULAR",
        ["tariff_alt_url"] = "https://www.example.com/tariffs",
        ["elements"] = new JsonArray(new JsonObject
        {
            ["price_components"] = new JsonArray(new JsonObject { ["type"] = "ENERGY", ["price"] = 0.25, ["vat"] = 21, ["step_size"] = 1 }),
            ["restrictions"] = new JsonObject { ["day_of_week"] = new JsonArray("MONDAY", "TUESDAY"), ["max_power"] = 11 },
        }),
        ["last_updated"] = Instant,
    };
}

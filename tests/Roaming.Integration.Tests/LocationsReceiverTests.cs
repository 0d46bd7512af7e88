using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Azure;
using Roaming.Azure.Tables;
using Roaming.Core.Locations;
using Roaming.Core.Tests;
using Roaming.Core.Tests.Locations;

namespace Roaming.Integration.Tests;

/// <summary>The eMSP's Locations receiver, called by a partner CPO written from the spec (real HTTP, Azurite).</summary>
public class LocationsReceiverTests : IAsyncLifetime
{
    private TestEndpoint _emsp = null!;
    private SpecPartner _cpo = null!;
    private string _token = null!;
    private const string Base = "/ocpi/emsp/2.2.1/locations/BE/SPC/";

    public async Task InitializeAsync()
    {
        _emsp = await TestEndpoint.StartEmspAsync();
        _cpo = await SpecPartner.StartAsync();
        var invitation = await _emsp.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        // The spec partner registers with CPO role BE/SPC (its credentials say EMSP; the test partner's roles are fixed),
        // so use its credentials with a CPO role instead.
        var credentials = JsonNode.Parse(CredentialsHandshakeTests.Credentials(_cpo.Issue("B"), _cpo))!;
        credentials["roles"]![0]!["role"] = "CPO";
        var (status, posted, _) = await _emsp.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), credentials.ToJsonString());
        Assert.True(status == 200, posted.ToJsonString());
        _token = posted.Str("data.token");
    }

    public async Task DisposeAsync()
    {
        await _emsp.DisposeAsync();
        await _cpo.DisposeAsync();
    }

    private Task<(int Http, JsonNode Body, HttpResponseMessage Response)> Call(HttpMethod method, string path, JsonNode? body = null) =>
        _emsp.OcpiAsync(method, Base + path, _token, body?.ToJsonString());

    [Fact]
    public async Task Put_get_patch_at_every_level_with_last_updated_carried_up()
    {
        Assert.Equal(201, (await Call(HttpMethod.Put, "LOC1", Fixtures.Location("LOC1", country: "BE", party: "SPC"))).Http);
        Assert.Equal(200, (await Call(HttpMethod.Put, "LOC1", Fixtures.Location("LOC1", country: "BE", party: "SPC"))).Http);

        var (_, got, _) = await Call(HttpMethod.Get, "LOC1");
        Assert.Equal(2, got["data"]!["evses"]!.AsArray().Count);
        // Open lists keep values this version does not know.
        Assert.Contains(got["data"]!["facilities"]!.AsArray(), f => f!.GetValue<string>() == "FUTURE_FACILITY_NOT_IN_2_2_1");
        Assert.Equal("SOME_NEW_STANDARD", got.Str("data.evses.0.connectors.1.standard"));

        // PUT of a new EVSE, then a connector; the location's last_updated follows.
        var evse = Fixtures.Evse("LOC1-E3");
        evse["last_updated"] = "2026-02-01T00:00:00Z";
        Assert.Equal(201, (await Call(HttpMethod.Put, "LOC1/LOC1-E3", evse)).Http);
        var connector = Fixtures.Connector("3");
        connector["last_updated"] = "2026-02-02T00:00:00Z";
        Assert.Equal(201, (await Call(HttpMethod.Put, "LOC1/LOC1-E3/3", connector)).Http);
        (_, got, _) = await Call(HttpMethod.Get, "LOC1");
        Assert.Equal("2026-02-02T00:00:00Z", got.Str("data.last_updated"));
        Assert.Equal("2026-02-02T00:00:00Z", got.Str("data.evses.2.last_updated"));
        Assert.Equal(3, got["data"]!["evses"]![2]!["connectors"]!.AsArray().Count);

        // PATCH an EVSE's status: only that field changes; EVSE and location last_updated follow.
        Assert.Equal(200, (await Call(HttpMethod.Patch, "LOC1/LOC1-E1", new JsonObject { ["status"] = "CHARGING", ["last_updated"] = "2026-03-01T00:00:00Z" })).Http);
        var (_, e1, _) = await Call(HttpMethod.Get, "LOC1/LOC1-E1");
        Assert.Equal("CHARGING", e1.Str("data.status"));
        Assert.Equal("P1", e1.Str("data.physical_reference"));
        Assert.Equal("2026-03-01T00:00:00Z", e1.Str("data.last_updated"));
        (_, got, _) = await Call(HttpMethod.Get, "LOC1");
        Assert.Equal("2026-03-01T00:00:00Z", got.Str("data.last_updated"));

        // PATCH a connector and the location's name.
        Assert.Equal(200, (await Call(HttpMethod.Patch, "LOC1/LOC1-E1/2", new JsonObject { ["tariff_ids"] = new JsonArray("T9"), ["last_updated"] = "2026-03-02T00:00:00Z" })).Http);
        Assert.Equal("T9", (await Call(HttpMethod.Get, "LOC1/LOC1-E1/2")).Body.Str("data.tariff_ids.0"));
        Assert.Equal(200, (await Call(HttpMethod.Patch, "LOC1", new JsonObject { ["name"] = "Renamed", ["last_updated"] = "2026-03-03T00:00:00Z" })).Http);
        (_, got, _) = await Call(HttpMethod.Get, "LOC1");
        Assert.Equal("Renamed", got.Str("data.name"));
        Assert.Equal(3, got["data"]!["evses"]!.AsArray().Count);
        Assert.Equal("CHARGING", got.Str("data.evses.0.status"));

        // Ids compare case-insensitively (CiString).
        Assert.Equal(200, (await _emsp.OcpiAsync(HttpMethod.Get, "/ocpi/emsp/2.2.1/locations/be/spc/loc1/loc1-e1", _token)).Http);
    }

    [SkippableFact]
    public async Task The_specs_patch_examples_apply()
    {
        // Stored before the examples' time, so their PATCHes are newer and apply.
        static JsonObject Earlier(JsonObject o)
        {
            o["last_updated"] = "2019-01-01T00:00:00Z";
            foreach (var c in o["connectors"]?.AsArray() ?? []) c!["last_updated"] = "2019-01-01T00:00:00Z";
            return o;
        }
        Assert.Equal(201, (await Call(HttpMethod.Put, "1012", Earlier(Fixtures.Location("1012", evses: 0, country: "BE", party: "SPC")))).Http);
        Assert.Equal(201, (await Call(HttpMethod.Put, "1012/3255", Earlier(Fixtures.Evse("3255")))).Http);
        Assert.Equal(201, (await Call(HttpMethod.Put, "1012/3256", Earlier(Fixtures.Evse("3256")))).Http);
        Assert.Equal(200, (await Call(HttpMethod.Patch, "1012/3255", JsonNode.Parse(SpecExamples.Read("location_patch_example_status.json")))).Http);
        Assert.Equal(200, (await Call(HttpMethod.Patch, "1012", JsonNode.Parse(SpecExamples.Read("location_patch_example_location.json")))).Http);
        Assert.Equal(200, (await Call(HttpMethod.Patch, "1012/3256", JsonNode.Parse(SpecExamples.Read("location_patch_example_remove_evse.json")))).Http);
        var (_, got, _) = await Call(HttpMethod.Get, "1012");
        var status = JsonNode.Parse(SpecExamples.Read("location_patch_example_status.json"))!.Str("status");
        Assert.Equal(status, got["data"]!["evses"]!.AsArray().Single(e => e!["uid"]!.GetValue<string>() == "3255")!.Str("status"));
        Assert.Equal("REMOVED", got["data"]!["evses"]!.AsArray().Single(e => e!["uid"]!.GetValue<string>() == "3256")!.Str("status"));
    }

    public static TheoryData<string, string, string, int, int, string?> BadRequests => new()
    {
        // method, path, body, http, status_code, field named. Content errors are HTTP 200 (status_codes); only a body that is not JSON is 400.
        { "PUT", "/ocpi/emsp/2.2.1/locations/NL/EVL/LOC9", Fixtures.Location("LOC9", country: "NL", party: "EVL").ToJsonString(), 404, 2001, null },
        { "GET", "/ocpi/emsp/2.2.1/locations/NL/EVL/LOC9", "", 404, 2001, null },
        { "PUT", Base + "LOC9", Without(Fixtures.Location("LOC9", country: "BE", party: "SPC"), "address"), 200, 2001, "address" },
        { "PUT", Base + "LOC9", With(Fixtures.Location("LOC9", country: "BE", party: "SPC"), "evses", new JsonArray(JsonNode.Parse(With(Fixtures.Evse("X"), "status", "BROKEN")))), 200, 2001, "evses[0].status" },
        { "PUT", Base + "LOC9", With(Fixtures.Location("LOC9", country: "BE", party: "SPC"), "city", new string('x', 46)), 200, 2001, "city" },
        { "PUT", Base + "LOC9", With(Fixtures.Location("LOC9", country: "BE", party: "SPC"), "id", "OTHER"), 200, 2001, "id" },
        { "PUT", Base + "LOC9", With(Fixtures.Location("LOC9", country: "BE", party: "SPC"), "publish", "yes"), 200, 2001, "publish" },
        { "PUT", Base + "LOC9", "{not json", 400, 2001, "(body)" },
        { "PUT", Base + new string('L', 37), Fixtures.Location(new string('L', 37), country: "BE", party: "SPC").ToJsonString(), 200, 2001, "location_id" },
        { "PUT", Base + "NOPE/E1", Fixtures.Evse("E1").ToJsonString(), 404, 2003, null },
        { "PATCH", Base + "NOPE/E1", "{\"status\":\"CHARGING\",\"last_updated\":\"2026-01-01T00:00:00Z\"}", 404, 2003, null },
        { "PATCH", Base + "NOPE", "{\"name\":\"x\",\"last_updated\":\"2026-01-01T00:00:00Z\"}", 404, 2003, null },
        { "GET", Base + "NOPE", "", 404, 2003, null },
        { "GET", Base + "NOPE/E1/1", "", 404, 2003, null },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_requests_get_the_specs_answer_and_store_nothing(string method, string path, string body, int http, int status, string? field)
    {
        var (code, answer, _) = await _emsp.OcpiAsync(new HttpMethod(method), path, _token, body.Length == 0 ? null : body);
        Assert.True(code == http, $"{method} {path}: HTTP {code}: {answer.ToJsonString()}");
        Assert.Equal(status, answer["status_code"]!.GetValue<int>());
        if (field is not null) Assert.Contains(field + ":", answer["status_message"]!.GetValue<string>());
        var list = await _emsp.OperatorAsync(HttpMethod.Get, "/operator/locations?scope=received");
        Assert.Equal(0, list["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Patches_on_an_existing_location_are_checked_and_change_nothing_when_refused()
    {
        Assert.Equal(201, (await Call(HttpMethod.Put, "LOC2", Fixtures.Location("LOC2", country: "BE", party: "SPC"))).Http);
        var before = (await Call(HttpMethod.Get, "LOC2")).Body["data"]!.ToJsonString();
        foreach (var (path, patch, field) in new[]
        {
            ("LOC2/LOC2-E1", "{\"status\":\"CHARGING\"}", "last_updated"),
            ("LOC2/LOC2-E1", "{\"status\":\"SLEEPING\",\"last_updated\":\"2026-05-01T00:00:00Z\"}", "status"),
            ("LOC2/LOC2-E1", "{\"physical_reference\":\"" + new string('x', 17) + "\",\"last_updated\":\"2026-05-01T00:00:00Z\"}", "physical_reference"),
            ("LOC2/LOC2-E1/1", "{\"max_voltage\":\"high\",\"last_updated\":\"2026-05-01T00:00:00Z\"}", "max_voltage"),
            ("LOC2", "{\"coordinates\":{\"latitude\":\"north\",\"longitude\":\"4.9\"},\"last_updated\":\"2026-05-01T00:00:00Z\"}", "coordinates.latitude"),
            ("LOC2", "{\"last_updated\":\"yesterday\"}", "last_updated"),
            // One good and one bad EVSE in a location PATCH: refused whole, the good one not applied either.
            ("LOC2", "{\"evses\":[{\"uid\":\"LOC2-E1\",\"status\":\"CHARGING\"},{\"uid\":\"LOC2-E2\",\"status\":\"NAPPING\"}],\"last_updated\":\"2026-05-01T00:00:00Z\"}", "evses[1].status"),
            ("LOC2", "{\"evses\":[{\"uid\":\"LOC2-E9\",\"status\":\"AVAILABLE\"}],\"last_updated\":\"2026-05-01T00:00:00Z\"}", "evses[0].connectors"),
            ("LOC2", "[1]", "(body)"),
        })
        {
            var (code, answer, _) = await Call(HttpMethod.Patch, path, JsonNode.Parse(patch));
            Assert.True(code == 200 && answer["status_code"]!.GetValue<int>() == 2001, $"PATCH {path} {patch}: {code} {answer.ToJsonString()}");
            Assert.Contains(field + ":", answer["status_message"]!.GetValue<string>());
        }
        Assert.Equal(404, (await Call(HttpMethod.Patch, "LOC2/NOPE", JsonNode.Parse("{\"status\":\"CHARGING\",\"last_updated\":\"2026-05-01T00:00:00Z\"}"))).Http);
        Assert.Equal(before, (await Call(HttpMethod.Get, "LOC2")).Body["data"]!.ToJsonString());
    }

    [Fact]
    public async Task A_location_with_a_thousand_evses_round_trips_intact()
    {
        var location = Fixtures.Location("BIG", evses: 1000, country: "BE", party: "SPC");
        Assert.Equal(201, (await Call(HttpMethod.Put, "BIG", location)).Http);
        var (_, got, _) = await Call(HttpMethod.Get, "BIG");
        LocationExampleTests.AssertJsonEqual(location, got["data"]!);
        // Replaced by a smaller one: no EVSE of the old generation shows.
        var smaller = Fixtures.Location("BIG", evses: 3, country: "BE", party: "SPC");
        Assert.Equal(200, (await Call(HttpMethod.Put, "BIG", smaller)).Http);
        LocationExampleTests.AssertJsonEqual(smaller, (await Call(HttpMethod.Get, "BIG")).Body["data"]!);
    }

    [Fact]
    public async Task Concurrent_patches_of_one_evse_both_take_effect()
    {
        Assert.Equal(201, (await Call(HttpMethod.Put, "LOC3", Fixtures.Location("LOC3", country: "BE", party: "SPC"))).Http);
        for (var round = 0; round < 5; round++)
        {
            var a = Call(HttpMethod.Patch, "LOC3/LOC3-E1", JsonNode.Parse($"{{\"status\":\"{(round % 2 == 0 ? "CHARGING" : "BLOCKED")}\",\"last_updated\":\"2026-06-01T00:00:0{round}Z\"}}"));
            var b = Call(HttpMethod.Patch, "LOC3/LOC3-E1", JsonNode.Parse($"{{\"floor_level\":\"F{round}\",\"last_updated\":\"2026-06-01T00:00:0{round}Z\"}}"));
            Assert.Equal([200, 200], (await Task.WhenAll(a, b)).Select(r => r.Http));
            var (_, evse, _) = await Call(HttpMethod.Get, "LOC3/LOC3-E1");
            Assert.Equal(round % 2 == 0 ? "CHARGING" : "BLOCKED", evse.Str("data.status"));
            Assert.Equal($"F{round}", evse.Str("data.floor_level"));
        }
    }

    [Fact]
    public async Task A_hundred_parallel_patches_of_one_evse_all_answer_and_the_newest_wins()
    {
        Assert.Equal(201, (await Call(HttpMethod.Put, "LOC4", Fixtures.Location("LOC4", evses: 3, country: "BE", party: "SPC"))).Http);
        string[] statuses = ["AVAILABLE", "CHARGING", "BLOCKED", "RESERVED", "OUTOFORDER"];
        var at = new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);
        string Time(int i) => at.AddSeconds(i).ToString("yyyy-MM-ddTHH:mm:ssZ");

        // 100 PATCHes of one EVSE, 50 of another and 20 of the location's own fields, all at once and in no order.
        var calls = new List<(string Path, JsonObject Body)>();
        calls.AddRange(Enumerable.Range(0, 100).Select(i => ("LOC4/LOC4-E1", new JsonObject { ["status"] = statuses[i % 5], ["last_updated"] = Time(i) })));
        calls.AddRange(Enumerable.Range(0, 50).Select(i => ("LOC4/LOC4-E2", new JsonObject { ["floor_level"] = $"F{i}", ["last_updated"] = Time(i) })));
        calls.AddRange(Enumerable.Range(0, 20).Select(i => ("LOC4", new JsonObject { ["name"] = $"Name {i}", ["last_updated"] = Time(i) })));
        var answers = await Task.WhenAll(calls.OrderBy(_ => Random.Shared.Next()).Select(c => Call(HttpMethod.Patch, c.Path, c.Body)));
        Assert.All(answers, a => Assert.True(a.Http == 200, a.Body.ToJsonString()));

        var (_, location, _) = await Call(HttpMethod.Get, "LOC4");
        var e1 = location["data"]!["evses"]![0]!;
        Assert.Equal(statuses[99 % 5], e1.Str("status"));
        Assert.Equal(Time(99), e1.Str("last_updated"));
        Assert.Equal("F49", location.Str("data.evses.1.floor_level"));
        Assert.Equal("Name 19", location.Str("data.name"));
        Assert.Equal(Time(99), location.Str("data.last_updated"));
        Assert.Equal("AVAILABLE", location.Str("data.evses.2.status"));
    }

    [Fact]
    public async Task Out_of_order_puts_and_patches_keep_the_newer_at_every_level()
    {
        static string T(int day) => $"2026-08-{day:D2}T00:00:00Z";
        var newer = Fixtures.Location("LOC5", country: "BE", party: "SPC");
        newer["last_updated"] = T(10);
        Assert.Equal(201, (await Call(HttpMethod.Put, "LOC5", newer)).Http);
        var older = Fixtures.Location("LOC5", country: "BE", party: "SPC");
        older["name"] = "Older";
        older["last_updated"] = T(9);
        Assert.Equal(200, (await Call(HttpMethod.Put, "LOC5", older)).Http);
        Assert.Equal("Station LOC5", (await Call(HttpMethod.Get, "LOC5")).Body.Str("data.name"));

        // EVSE: a PATCH and a PUT older than the stored EVSE are dropped.
        await Patch("LOC5/LOC5-E1", new JsonObject { ["status"] = "CHARGING", ["last_updated"] = T(12) });
        await Patch("LOC5/LOC5-E1", new JsonObject { ["status"] = "AVAILABLE", ["last_updated"] = T(11) });
        var olderEvse = Fixtures.Evse("LOC5-E1", "BLOCKED");
        olderEvse["last_updated"] = T(11);
        Assert.Equal(200, (await Call(HttpMethod.Put, "LOC5/LOC5-E1", olderEvse)).Http);
        Assert.Equal("CHARGING", (await Call(HttpMethod.Get, "LOC5/LOC5-E1")).Body.Str("data.status"));

        // Connector: the same; a newer connector change carries the EVSE's last_updated with it.
        await Patch("LOC5/LOC5-E1/1", new JsonObject { ["max_voltage"] = 400, ["last_updated"] = T(14) });
        var olderConnector = Fixtures.Connector("1");
        olderConnector["last_updated"] = T(13);
        Assert.Equal(200, (await Call(HttpMethod.Put, "LOC5/LOC5-E1/1", olderConnector)).Http);
        await Patch("LOC5/LOC5-E1/1", new JsonObject { ["max_voltage"] = 110, ["last_updated"] = T(13) });
        var (_, e1, _) = await Call(HttpMethod.Get, "LOC5/LOC5-E1");
        Assert.Equal("400", e1.Str("data.connectors.0.max_voltage"));
        Assert.Equal(T(14), e1.Str("data.last_updated"));

        // Location fields: an older PATCH of them is dropped, though the location holds nothing newer of its own.
        await Patch("LOC5", new JsonObject { ["name"] = "New", ["last_updated"] = T(16) });
        await Patch("LOC5", new JsonObject { ["name"] = "Stale", ["last_updated"] = T(15) });
        Assert.Equal("New", (await Call(HttpMethod.Get, "LOC5")).Body.Str("data.name"));

        // EVSEs merged by a location PATCH take its last_updated, and an older one of them is dropped.
        await Patch("LOC5", new JsonObject { ["evses"] = new JsonArray(new JsonObject { ["uid"] = "LOC5-E2", ["status"] = "BLOCKED" }), ["last_updated"] = T(18) });
        await Patch("LOC5", new JsonObject { ["evses"] = new JsonArray(new JsonObject { ["uid"] = "LOC5-E2", ["status"] = "AVAILABLE" }), ["last_updated"] = T(17) });
        var (_, location, _) = await Call(HttpMethod.Get, "LOC5");
        Assert.Equal("BLOCKED", location.Str("data.evses.1.status"));
        Assert.Equal(T(18), location.Str("data.evses.1.last_updated"));
        Assert.Equal(T(18), location.Str("data.last_updated"));

        // A whole location older than its latest EVSE is dropped too; a newer one replaces everything.
        older["last_updated"] = T(17);
        Assert.Equal(200, (await Call(HttpMethod.Put, "LOC5", older)).Http);
        Assert.Equal("New", (await Call(HttpMethod.Get, "LOC5")).Body.Str("data.name"));
        older["last_updated"] = T(20);
        Assert.Equal(200, (await Call(HttpMethod.Put, "LOC5", older)).Http);
        location = (await Call(HttpMethod.Get, "LOC5")).Body;
        Assert.Equal("Older", location.Str("data.name"));
        Assert.Equal("AVAILABLE", location.Str("data.evses.0.status"));
        Assert.Equal(T(20), location.Str("data.last_updated"));
    }

    [Fact]
    public async Task A_patch_with_a_thousand_new_evses_is_stored_in_a_bounded_number_of_storage_operations()
    {
        Assert.Equal(201, (await Call(HttpMethod.Put, "LOC6", Fixtures.Location("LOC6", country: "BE", party: "SPC"))).Http);
        var evses = new JsonArray();
        for (var i = 0; i < LocationLimits.MaxEvses; i++) evses.Add(Fixtures.Evse($"N{i:D4}"));
        var operations = _emsp.Services.GetRequiredService<StorageOperations>();
        var before = operations[StorageTables.Locations];
        Assert.Equal(200, (await Call(HttpMethod.Patch, "LOC6", new JsonObject { ["evses"] = evses, ["last_updated"] = "2026-09-01T00:00:00Z" })).Http);
        var used = operations[StorageTables.Locations] - before;
        // One read to check the PATCH, one to apply it, ten transactions of 100 EVSEs: not one operation per EVSE.
        Assert.InRange(used, 3, 16);

        var (_, location, _) = await Call(HttpMethod.Get, "LOC6");
        var stored = location["data"]!["evses"]!.AsArray();
        Assert.Equal(LocationLimits.MaxEvses + 2, stored.Count);
        Assert.Equal("N0999", stored[^1]!.Str("uid"));
        Assert.All(stored.Skip(2), e => Assert.Equal("2026-09-01T00:00:00Z", e!.Str("last_updated")));
        Assert.Equal("2026-09-01T00:00:00Z", location.Str("data.last_updated"));
    }

    [Fact]
    public async Task Readers_never_see_half_a_replacement_of_a_thousand_evses()
    {
        // Version i: 1000 - i EVSEs, named A... when i is even and B... when odd, last updated at minute i.
        JsonObject Version(int i)
        {
            var location = Fixtures.Location("BIG2", evses: 0, country: "BE", party: "SPC");
            location["evses"] = new JsonArray(Enumerable.Range(0, 1000 - i)
                .Select(e => (JsonNode)Fixtures.Evse($"{(i % 2 == 0 ? "A" : "B")}{e:D4}", i % 2 == 0 ? "AVAILABLE" : "CHARGING")).ToArray());
            location["last_updated"] = $"2026-10-01T00:{i:D2}:00Z";
            return location;
        }
        Assert.Equal(201, (await Call(HttpMethod.Put, "BIG2", Version(0))).Http);

        // The readers are another instance on a slow link to storage: the pages of one read come far apart, while
        // replacements go back and forth.
        await using var proxy = new FreezableProxy(10002) { RequestDelay = TimeSpan.FromMilliseconds(1000) };
        await using var reader = await TestEndpoint.StartAsync([("DE", "MSP", "EMSP")], settings: new Dictionary<string, string?>(_emsp.HostSettings)
        {
            ["Storage"] = Azurite.ConnectionStringVia(tablePort: proxy.Port),
        });
        using var done = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            try
            {
                for (var i = 1; i <= 10; i++)
                {
                    var (http, body, _) = await Call(HttpMethod.Put, "BIG2", Version(i));
                    Assert.True(http == 200, body.ToJsonString());
                    await Task.Delay(300);
                }
            }
            finally { await done.CancelAsync(); }
        });
        var reads = 0;
        await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            while (!done.IsCancellationRequested)
            {
                var (http, body, _) = await reader.OcpiAsync(HttpMethod.Get, Base + "BIG2", _token);
                // A read overtaken by replacements again and again may be told to try again; never shown half.
                if (http == 503) continue;
                var evses = body["data"]!["evses"]!.AsArray();
                // One version whole: every EVSE of the same replacement, as many as it had.
                var version = 1000 - evses.Count;
                Assert.InRange(version, 0, 10);
                Assert.All(evses, e => Assert.StartsWith(version % 2 == 0 ? "A" : "B", e!.Str("uid")));
                Interlocked.Increment(ref reads);
            }
        }));
        await writer;
        Assert.True(reads > 0);
        Assert.Equal(990, (await Call(HttpMethod.Get, "BIG2")).Body["data"]!["evses"]!.AsArray().Count);
    }

    [Fact]
    public async Task Requests_beyond_the_limits_get_2001_and_store_nothing()
    {
        var tooMany = Fixtures.Location("LOC7", evses: LocationLimits.MaxEvses + 1, country: "BE", party: "SPC");
        var (http, answer, _) = await Call(HttpMethod.Put, "LOC7", tooMany);
        Assert.True(http is 200 or 400, answer.ToJsonString());
        Assert.Equal(2001, answer["status_code"]!.GetValue<int>());
        Assert.Contains("evses", answer.Str("status_message"));
        Assert.Equal(404, (await Call(HttpMethod.Get, "LOC7")).Http);

        Assert.Equal(201, (await Call(HttpMethod.Put, "LOC7", Fixtures.Location("LOC7", country: "BE", party: "SPC"))).Http);
        var patch = new JsonObject { ["evses"] = new JsonArray(Enumerable.Range(0, LocationLimits.MaxEvses + 1).Select(i => (JsonNode)Fixtures.Evse($"X{i}")).ToArray()), ["last_updated"] = "2026-09-01T00:00:00Z" };
        (http, answer, _) = await Call(HttpMethod.Patch, "LOC7", patch);
        Assert.True(http is 200 or 400, answer.ToJsonString());
        Assert.Equal(2001, answer["status_code"]!.GetValue<int>());
        Assert.Equal(2, (await Call(HttpMethod.Get, "LOC7")).Body["data"]!["evses"]!.AsArray().Count);
    }

    private async Task Patch(string path, JsonObject body)
    {
        var (http, answer, _) = await Call(HttpMethod.Patch, path, body);
        Assert.True(http == 200, $"PATCH {path}: {http} {answer.ToJsonString()}");
    }

    private static string Without(JsonObject o, string field)
    {
        o.Remove(field);
        return o.ToJsonString();
    }

    private static string With(JsonObject o, string field, JsonNode value)
    {
        o[field] = value;
        return o.ToJsonString();
    }
}

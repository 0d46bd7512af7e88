using System.Text.Json.Nodes;
using Roaming.Core.Tests;
using static Roaming.Integration.Tests.CdrFixtures;

namespace Roaming.Integration.Tests;

/// <summary>
/// The eMSP's sessions and CDRs receivers, called by a partner CPO written from the spec (BE/BEC, real HTTP, Azurite):
/// what a CPO may post, what it gets back, and what the eMSP makes of it.
/// </summary>
public class CdrsReceiverTests : IAsyncLifetime
{
    private TestEndpoint _emsp = null!;
    private SpecPartner _cpo = null!;
    private string _token = null!;
    private const string Cdrs = "/ocpi/emsp/2.2.1/cdrs";
    private const string Sessions = "/ocpi/emsp/2.2.1/sessions/BE/BEC/";

    public async Task InitializeAsync()
    {
        _emsp = await TestEndpoint.StartEmspAsync();
        (_cpo, _token) = await TokensTests.RegisteredAsync(_emsp, "CPO", "BEC");
    }

    public async Task DisposeAsync()
    {
        await _emsp.DisposeAsync();
        await _cpo.DisposeAsync();
    }

    /// <summary>A CDR of BE/BEC as a CPO prices it with tariff T1 (figures by hand in <see cref="SessionsAndCdrsTests"/>): 4.30 excl., 5.20 incl.</summary>
    internal static JsonObject PricedCdr(string id)
    {
        var cdr = Record(id);
        cdr["party_id"] = "BEC";
        cdr["country_code"] = "BE";
        var tariff = Tariff();
        tariff["country_code"] = "BE";
        tariff["party_id"] = "BEC";
        tariff["id"] = "T1";
        tariff["last_updated"] = At(0);
        cdr["tariffs"] = new JsonArray(tariff);
        foreach (var period in cdr["charging_periods"]!.AsArray()) period!["tariff_id"] = "T1";
        cdr["total_cost"] = new JsonObject { ["excl_vat"] = 4.30, ["incl_vat"] = 5.20 };
        cdr["total_fixed_cost"] = new JsonObject { ["excl_vat"] = 0.50, ["incl_vat"] = 0.61 };
        cdr["total_energy_cost"] = new JsonObject { ["excl_vat"] = 3.30, ["incl_vat"] = 3.99 };
        cdr["total_parking_cost"] = new JsonObject { ["excl_vat"] = 0.50, ["incl_vat"] = 0.61 };
        cdr["total_energy"] = 11;
        cdr["total_time"] = 1.25;
        cdr["total_parking_time"] = 0.25;
        cdr["last_updated"] = At(80);
        return cdr;
    }

    private Task<(int Http, JsonNode Body, HttpResponseMessage Response)> Post(JsonNode cdr) => _emsp.OcpiAsync(HttpMethod.Post, Cdrs, _token, cdr.ToJsonString());

    private Task<JsonNode?> Verdict(string id) => FindAsync(_emsp, $"/operator/cdrs/verifications/BE/BEC/{id}");

    [Fact]
    public async Task A_CDR_with_a_wrong_total_is_flagged_disputed_with_the_difference_and_the_engines_breakdown()
    {
        Assert.Equal(201, (await Post(PricedCdr("RIGHT1"))).Http);
        var wrong = PricedCdr("WRONG1");
        wrong["total_cost"] = new JsonObject { ["excl_vat"] = 4.80, ["incl_vat"] = 5.81 };
        Assert.Equal(201, (await Post(wrong)).Http);

        await Fixtures.Eventually(async () => (await Verdict("RIGHT1"))?["forwarded_at"] is not null && (await Verdict("WRONG1"))?["verdict"] is not null,
            "both CDRs verified");
        Assert.Equal("MATCHES", (await Verdict("RIGHT1"))!.Str("verdict"));
        var disputed = (await Verdict("WRONG1"))!;
        Assert.Equal("DIFFERS", disputed.Str("verdict"));
        var differences = disputed["differences"]!.AsArray();
        Assert.Equal(2, differences.Count); // the parts (fixed, energy, parking) add up: only the total is wrong
        var excl = differences.Single(d => d!.Str("field") == "total_cost.excl_vat")!;
        Assert.Equal((4.80m, 4.30m, 0.50m), (excl.Dec("claimed"), excl.Dec("computed"), excl.Dec("difference")));
        var incl = differences.Single(d => d!.Str("field") == "total_cost.incl_vat")!;
        Assert.Equal((5.81m, 5.20m, 0.61m), (incl.Dec("claimed"), incl.Dec("computed"), incl.Dec("difference")));
        // Which element and component priced each period: T1's one element; FLAT is component 0, ENERGY 1, PARKING_TIME 2.
        var breakdown = disputed["breakdown"]!.AsArray().Select(l => l!).Select(l => (l.Str("dimension"), l.GetInt("charging_period"), l.GetInt("element"), l.GetInt("component"), l.Dec("cost_excl_vat"))).ToList();
        Assert.Equal([("FLAT", 0, 0, 0, 0.50m), ("ENERGY", 0, 0, 1, 1.50m), ("ENERGY", 1, 0, 1, 1.80m), ("PARKING_TIME", 2, 0, 2, 0.50m)], breakdown);

        // The operator lists the disputed CDR; billing gets only the matching one.
        var list = await _emsp.OperatorAsync(HttpMethod.Get, "/operator/cdrs?scope=received&verdict=differs");
        Assert.Equal("WRONG1", Assert.Single(list["items"]!.AsArray())!.Str("id"));
        Assert.Equal(1, await Fixtures.TotalAsync(_emsp, "/operator/cdrs/verifications?verdict=DIFFERS"));
        Assert.Equal("RIGHT1", Assert.Single(await PeekAsync(_emsp, "cdrs-verified")).Str("id"));
    }

    [Fact]
    public async Task A_CDR_posted_twice_is_stored_once_and_answered_with_the_same_location()
    {
        var (first, _, firstResponse) = await Post(PricedCdr("DUP1"));
        var (second, body, secondResponse) = await Post(PricedCdr("DUP1"));
        Assert.Equal(201, first);
        Assert.Equal(200, second);
        Assert.Equal(1000, body["status_code"]!.GetValue<int>());
        var location = firstResponse.Headers.Location!.ToString();
        Assert.Equal(location, secondResponse.Headers.Location!.ToString());
        Assert.Equal(new Uri(_emsp.BaseUri, Cdrs + "/BE/BEC/DUP1").ToString(), location);

        // The Location is where the CPO reads its CDR back.
        var (status, got, _) = await _emsp.OcpiAsync(HttpMethod.Get, location, _token);
        Assert.Equal(200, status);
        Assert.Equal("DUP1", got.Str("data.id"));

        // The same id with other content is not a retry: refused, and the CDR stays as it was.
        var other = PricedCdr("DUP1");
        other["total_cost"] = new JsonObject { ["excl_vat"] = 1.00 };
        Assert.Equal(2001, (await Post(other)).Body["status_code"]!.GetValue<int>());

        await Fixtures.Eventually(async () => (await Verdict("DUP1"))?["forwarded_at"] is not null, "the CDR verified");
        Assert.Equal(1, await Fixtures.TotalAsync(_emsp, "/operator/cdrs?scope=received"));
        Assert.Equal(4.30m, (await FindAsync(_emsp, "/operator/cdrs/BE/BEC/DUP1?scope=received"))!.Dec("total_cost.excl_vat"));
        Assert.Single(await PeekAsync(_emsp, "cdrs-verified"));
    }

    [Fact]
    public async Task A_partner_posting_a_CDR_for_a_party_it_does_not_own_is_refused()
    {
        var foreign = PricedCdr("FOREIGN1");
        foreign["country_code"] = "NL";
        foreign["party_id"] = "CPO";
        var (_, body, _) = await Post(foreign);
        Assert.Equal(2001, body["status_code"]!.GetValue<int>());
        Assert.Contains("NL/CPO is not a CPO party of this connection", body["status_message"]!.GetValue<string>());
        Assert.Equal(0, await Fixtures.TotalAsync(_emsp, "/operator/cdrs?scope=received"));
        // Nor may it read one there.
        Assert.Equal(404, (await _emsp.OcpiAsync(HttpMethod.Get, Cdrs + "/NL/CPO/FOREIGN1", _token)).Http);
    }

    [SkippableFact]
    public async Task Bad_input_on_every_receiver_route_answers_2001_and_stores_nothing()
    {
        // The spec's own examples are the baseline: accepted as they are, refused once broken.
        var session = JsonNode.Parse(SpecExamples.Read("session_example_2_short_finished.json"))!.AsObject();
        var cdr = JsonNode.Parse(SpecExamples.Read("cdr_example.json"))!.AsObject();
        Assert.Equal(201, (await _emsp.OcpiAsync(HttpMethod.Put, Sessions + "101", _token, session.ToJsonString())).Http);
        Assert.Equal(200, (await _emsp.OcpiAsync(HttpMethod.Patch, Sessions + "101", _token,
            System.Text.Encoding.UTF8.GetString(SpecExamples.Read("session_patch_example_charging_period.json")))).Http);
        Assert.Equal(201, (await Post(cdr)).Http);

        JsonObject Broken(JsonObject o, Action<JsonObject> breakIt)
        {
            var copy = o.DeepClone().AsObject();
            breakIt(copy);
            return copy;
        }
        var long37 = new string('X', 37);
        var cases = new List<(HttpMethod Method, string Path, string? Body)>
        {
            (HttpMethod.Put, Sessions + "102", Broken(session, s => { s["id"] = "102"; s.Remove("kwh"); }).ToJsonString()),
            (HttpMethod.Put, Sessions + "102", Broken(session, s => { s["id"] = "102"; s["status"] = "RUNNING"; }).ToJsonString()),
            (HttpMethod.Put, Sessions + "102", Broken(session, s => { s["id"] = "102"; s["cdr_token"]!["contract_id"] = new string('C', 37); }).ToJsonString()),
            (HttpMethod.Put, Sessions + "102", session.ToJsonString()), // id 101 in the body
            (HttpMethod.Put, Sessions + long37, Broken(session, s => s["id"] = long37).ToJsonString()),
            (HttpMethod.Put, Sessions + "102", "{\"id\": \"102\", "),
            (HttpMethod.Patch, Sessions + "101", "{\"kwh\": 99}"), // no last_updated
            (HttpMethod.Patch, Sessions + "101", "{\"kwh\": \"a lot\", \"last_updated\": \"2030-01-01T00:00:00Z\"}"),
            (HttpMethod.Patch, Sessions + "101", "{\"charging_periods\": [{\"start_date_time\": \"2030-01-01T00:00:00Z\"}], \"last_updated\": \"2030-01-01T00:00:00Z\"}"),
            (HttpMethod.Patch, Sessions + "101", "{\"total_cost\": {\"incl_vat\": 1}, \"last_updated\": \"2030-01-01T00:00:00Z\"}"),
            (HttpMethod.Get, Sessions + long37, null),
            (HttpMethod.Post, Cdrs, Broken(cdr, c => { c["id"] = "B1"; c.Remove("total_cost"); }).ToJsonString()),
            (HttpMethod.Post, Cdrs, Broken(cdr, c => c["id"] = long37).ToJsonString()),
            (HttpMethod.Post, Cdrs, Broken(cdr, c => { c["id"] = "B3"; c["auth_method"] = "PIN"; }).ToJsonString()),
            (HttpMethod.Post, Cdrs, Broken(cdr, c => { c["id"] = "B4"; c["charging_periods"] = new JsonArray(); }).ToJsonString()),
            (HttpMethod.Post, Cdrs, Broken(cdr, c => { c["id"] = "B5"; c["signed_data"] = new JsonObject { ["encoding_method"] = "OCMF", ["signed_values"] = new JsonArray() }; }).ToJsonString()),
            (HttpMethod.Post, Cdrs, Broken(cdr, c => { c["id"] = "B6"; c["end_date_time"] = "yesterday"; }).ToJsonString()),
            (HttpMethod.Post, Cdrs, "[]"),
            (HttpMethod.Get, Cdrs + "/BE/BEC/" + new string('X', 40), null),
        };
        foreach (var (method, path, body) in cases)
        {
            var (_, answer, _) = await _emsp.OcpiAsync(method, path, _token, body);
            Assert.True(answer["status_code"]?.GetValue<int>() == 2001, $"{method} {path} {body}: {answer.ToJsonString()}");
        }

        // Nothing of it was stored: the one session as patched by the spec's example, the one CDR.
        Assert.Equal(404, (await _emsp.OcpiAsync(HttpMethod.Get, Sessions + "102", _token)).Http);
        var stored = (await _emsp.OcpiAsync(HttpMethod.Get, Sessions + "101", _token)).Body["data"]!;
        Assert.Equal((15m, 4), (stored.Dec("kwh"), stored["charging_periods"]!.AsArray().Count));
        Assert.Equal(1, await Fixtures.TotalAsync(_emsp, "/operator/sessions?scope=received"));
        Assert.Equal(1, await Fixtures.TotalAsync(_emsp, "/operator/cdrs?scope=received"));

        // And the route a CPO's sessions sender takes from an eMSP: charging preferences.
        await using var cpoEndpoint = await TestEndpoint.StartCpoAsync();
        var (emspPartner, emspToken) = await TokensTests.RegisteredAsync(cpoEndpoint, "EMSP", "SPC");
        await using var _ = emspPartner;
        foreach (var (path, body) in new[]
        {
            ("/ocpi/cpo/2.2.1/sessions/S1/charging_preferences", "{\"profile_type\": \"TURBO\"}"),
            ("/ocpi/cpo/2.2.1/sessions/S1/charging_preferences", "{\"profile_type\": \"REGULAR\", \"departure_time\": \"tomorrow\"}"),
            ("/ocpi/cpo/2.2.1/sessions/S1/charging_preferences", "{\"departure_time\": \"2030-01-01T00:00:00Z\"}"),
            ($"/ocpi/cpo/2.2.1/sessions/{long37}/charging_preferences", "{\"profile_type\": \"REGULAR\"}"),
        })
        {
            var (_, answer, _) = await cpoEndpoint.OcpiAsync(HttpMethod.Put, path, emspToken, body);
            Assert.True(answer["status_code"]?.GetValue<int>() == 2001, $"PUT {path} {body}: {answer.ToJsonString()}");
        }
        Assert.Empty(await PeekAsync(cpoEndpoint, "charging-preferences-out"));
    }
}

internal static class JsonInt
{
    public static int GetInt(this JsonNode node, string name) => node[name]!.GetValue<int>();
}

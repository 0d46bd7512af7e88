using System.Text.Json.Nodes;
using static Roaming.Integration.Tests.Claims;

namespace Roaming.Integration.Tests;

/// <summary>
/// A hub acts for a party only when that party is known behind it: reported by the hub's ClientInfo (hubclientinfo
/// receiver) in the role that owns the objects, or listed by the operator for the hub's connection; never for our
/// own parties or a party another connection holds.
/// </summary>
public class HubAccessTests : IAsyncLifetime
{
    private TestEndpoint _emsp = null!;
    private SpecPartner _hub = null!;
    private string _hubId = null!;
    private string _token = null!;
    private const string Tariffs = "/ocpi/emsp/2.2.1/tariffs/";
    private const string ClientInfoUrl = "/ocpi/2.2.1/hubclientinfo/";

    public async Task InitializeAsync()
    {
        _emsp = await TestEndpoint.StartAsync([("DE", "MSP", "EMSP"), ("DE", "CPX", "CPO")]);
        _hub = await SpecPartner.StartAsync();
        (_hubId, _token) = await RegisterAsync(_emsp, _hub, [Role("HUB", "NL", "HUB")], Role("HUB", "NL", "HUB"));
    }

    public async Task DisposeAsync()
    {
        await _emsp.DisposeAsync();
        await _hub.DisposeAsync();
    }

    private async Task<int> PutTariff(string country, string party, string id, Action<HttpRequestMessage>? edit = null) =>
        (await _emsp.OcpiAsync(HttpMethod.Put, $"{Tariffs}{country}/{party}/{id}", _token, Tariff(country, party, id).ToJsonString(), edit: edit)).Http;

    private async Task<(int Http, JsonNode Body)> PutClientInfo(string country, string party, string role, string status, string lastUpdated = "2026-01-01T10:00:00Z", string? token = null)
    {
        var info = new JsonObject { ["party_id"] = party, ["country_code"] = country, ["role"] = role, ["status"] = status, ["last_updated"] = lastUpdated };
        var (http, body, _) = await _emsp.OcpiAsync(HttpMethod.Put, $"{ClientInfoUrl}{country}/{party}", token ?? _token, info.ToJsonString());
        return (http, body);
    }

    [Fact]
    public async Task A_hub_writes_for_a_party_once_its_client_info_reports_it()
    {
        Assert.Equal(404, await PutTariff("BE", "ABC", "T1"));

        // The hub reports BE/ABC as a connected CPO: now it may push that CPO's tariffs, also with OCPI-from BE/ABC.
        Assert.Equal(201, (await PutClientInfo("BE", "ABC", "CPO", "CONNECTED")).Http);
        Assert.Equal(201, await PutTariff("BE", "ABC", "T1"));
        Assert.Equal(200, await PutTariff("BE", "ABC", "T1", r => AccessGrantTests.From(r, "BE", "ABC")));
        var (_, got, _) = await _emsp.OcpiAsync(HttpMethod.Get, ClientInfoUrl + "be/abc", _token);
        Assert.Equal("CONNECTED", got.Str("data.status"));
        // An unknown OCPI-from party is refused (2001: the request reached the OCPI layer, so HTTP 200).
        var (_, refused, _) = await _emsp.OcpiAsync(HttpMethod.Put, $"{Tariffs}BE/ABC/T1", _token, Tariff("BE", "ABC", "T1").ToJsonString(),
            edit: r => AccessGrantTests.From(r, "BE", "ZZZ"));
        Assert.Equal(2001, refused["status_code"]!.GetValue<int>());

        // A party reported as an eMSP cannot write a CPO's tariffs.
        Assert.Equal(201, (await PutClientInfo("BE", "EMP", "EMSP", "CONNECTED")).Http);
        Assert.Equal(404, await PutTariff("BE", "EMP", "T1"));

        // Suspended: it will never connect again, and the hub no longer speaks for it. An older report changes nothing.
        Assert.Equal(200, (await PutClientInfo("BE", "ABC", "CPO", "SUSPENDED", "2026-01-02T10:00:00Z")).Http);
        Assert.Equal(404, await PutTariff("BE", "ABC", "T2"));
        await PutClientInfo("BE", "ABC", "CPO", "CONNECTED", "2026-01-01T11:00:00Z");
        Assert.Equal(404, await PutTariff("BE", "ABC", "T2"));

        // The operator sees what the hub reported.
        var view = await _emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + _hubId);
        var reported = view["hub_client_info"]!.AsArray();
        Assert.Equal(2, reported.Count);
        Assert.Contains(reported, r => r!["party_id"]!.GetValue<string>() == "ABC" && r["status"]!.GetValue<string>() == "SUSPENDED");
    }

    [Fact]
    public async Task A_hub_reads_sessions_and_posts_CDRs_only_for_the_parties_known_behind_it()
    {
        // Two sessions of our CPO DE/CPX, for the tokens of two eMSPs; only BE/EMA will be known behind the hub.
        foreach (var (id, country, party) in new[] { ("S1", "BE", "EMA"), ("S2", "FR", "XYZ") })
        {
            var session = CdrFixtures.Session();
            session["cdr_token"]!["country_code"] = country;
            session["cdr_token"]!["party_id"] = party;
            await _emsp.OperatorAsync(HttpMethod.Put, $"/operator/sessions/DE/CPX/{id}", session, expect: 202);
        }
        await Fixtures.Eventually(async () => await Fixtures.TotalAsync(_emsp, "/operator/sessions") == 2, "the sessions stored");
        async Task<List<string>> Listed() =>
            (await _emsp.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/sessions", _token)).Body["data"]!.AsArray().Select(s => s!.Str("id")).ToList();
        Assert.Empty(await Listed());
        Assert.Equal(201, (await PutClientInfo("BE", "EMA", "EMSP", "CONNECTED")).Http);
        Assert.Equal(["S1"], await Listed());

        // A CDR of a CPO the hub does not speak for is refused; once its ClientInfo reports that CPO, taken.
        var cdr = CdrsReceiverTests.PricedCdr("H1");
        cdr["country_code"] = "BE";
        cdr["party_id"] = "CPH";
        var (_, refused, _) = await _emsp.OcpiAsync(HttpMethod.Post, "/ocpi/emsp/2.2.1/cdrs", _token, cdr.ToJsonString());
        Assert.Equal(2001, refused["status_code"]!.GetValue<int>());
        Assert.Contains("BE/CPH is not a CPO party of this connection", refused.Str("status_message"));
        Assert.Equal(201, (await PutClientInfo("BE", "CPH", "CPO", "CONNECTED")).Http);
        Assert.Equal(201, (await _emsp.OcpiAsync(HttpMethod.Post, "/ocpi/emsp/2.2.1/cdrs", _token, cdr.ToJsonString())).Http);
    }

    [Fact]
    public async Task A_hub_writes_for_a_party_the_operator_lists_for_it()
    {
        Assert.Equal(404, await PutTariff("BE", "OPR", "T1"));
        var view = await _emsp.OperatorAsync(HttpMethod.Put, $"/operator/partners/{_hubId}/hub-parties",
            new { parties = new[] { new { role = "CPO", country_code = "BE", party_id = "OPR" } } });
        Assert.Equal(["BE/OPR"], AccessGrantTests.Parties(view["hub_parties"]!));
        Assert.Equal(201, await PutTariff("BE", "OPR", "T1"));

        // Listed for the hub, the party is held: no other connection may claim it.
        await using var other = await SpecPartner.StartAsync();
        var (_, tokenA) = await InviteAsync(_emsp);
        Assert.Equal(2001, (await PostAsync(_emsp, other, tokenA, Role("CPO", "BE", "OPR"))).Body.Status());

        // Taken off the list: access ends.
        await _emsp.OperatorAsync(HttpMethod.Put, $"/operator/partners/{_hubId}/hub-parties", new { parties = Array.Empty<object>() });
        Assert.Equal(404, await PutTariff("BE", "OPR", "T2"));
    }

    [Fact]
    public async Task A_hub_never_acts_for_our_parties_nor_for_a_party_another_connection_holds()
    {
        // Our own CPO party, reported by the hub or listed by mistake: refused.
        Assert.Equal(201, (await PutClientInfo("DE", "CPX", "CPO", "CONNECTED")).Http);
        Assert.Equal(404, await PutTariff("DE", "CPX", "T1"));
        using (var listed = await _emsp.Http.SendAsync(_emsp.Operator(HttpMethod.Put, $"/operator/partners/{_hubId}/hub-parties",
                   new { parties = new[] { new { role = "CPO", country_code = "DE", party_id = "CPX" } } })))
            Assert.Equal(400, (int)listed.StatusCode);

        // A CPO connected directly holds BE/DIR: the hub's report does not give the hub its objects.
        await using var direct = await SpecPartner.StartAsync();
        await RegisterAsync(_emsp, direct, [Role("CPO", "BE", "DIR")]);
        Assert.Equal(201, (await PutClientInfo("BE", "DIR", "CPO", "CONNECTED")).Http);
        Assert.Equal(404, await PutTariff("BE", "DIR", "T1"));
    }

    [Fact]
    public async Task Only_a_hub_pushes_client_info_and_each_hub_sees_its_own()
    {
        await using var cpo = await SpecPartner.StartAsync();
        var (_, cpoToken) = await RegisterAsync(_emsp, cpo, [Role("CPO", "BE", "SPC")]);
        Assert.Equal(404, (await PutClientInfo("BE", "ABC", "CPO", "CONNECTED", token: cpoToken)).Http);

        // Bad content is 2001; the URL's party must be the object's.
        Assert.Equal(201, (await PutClientInfo("BE", "ABC", "CPO", "CONNECTED")).Http);
        var elsewhere = new JsonObject
        {
            ["party_id"] = "ABC", ["country_code"] = "BE", ["role"] = "CPO", ["status"] = "CONNECTED", ["last_updated"] = "2026-01-01T10:00:00Z",
        };
        Assert.Equal(2001, (await _emsp.OcpiAsync(HttpMethod.Put, ClientInfoUrl + "BE/XYZ", _token, elsewhere.ToJsonString())).Body.Status());
        Assert.Equal(2001, (await PutClientInfo("BE", "ABC", "CPO", "SLEEPING")).Body.Status());

        // A second hub does not see (or inherit) the first hub's reports.
        await using var hub2 = await SpecPartner.StartAsync();
        var (_, hub2Token) = await RegisterAsync(_emsp, hub2, [Role("HUB", "NL", "HB2")], Role("HUB", "NL", "HB2"));
        Assert.Equal(404, (await _emsp.OcpiAsync(HttpMethod.Get, ClientInfoUrl + "BE/ABC", hub2Token)).Http);
        Assert.Equal(404, (await _emsp.OcpiAsync(HttpMethod.Put, Tariffs + "BE/ABC/T1", hub2Token, Tariff("BE", "ABC", "T1").ToJsonString())).Http);
    }
}

using System.Text.Json.Nodes;
using static Roaming.Integration.Tests.Claims;

namespace Roaming.Integration.Tests;

/// <summary>
/// A partner gets the access the operator granted, never what it claims: the credentials a partner presents are
/// checked against its invitation, the parties hosted here and the parties other connections hold; roles added
/// later wait for the operator; a partner writes only its own parties' objects, in the role that owns them.
/// </summary>
public class AccessGrantTests : IAsyncLifetime
{
    private TestEndpoint _emsp = null!;
    private SpecPartner _partner = null!;
    private const string Tariffs = "/ocpi/emsp/2.2.1/tariffs/";

    public async Task InitializeAsync()
    {
        // Hosts an eMSP party and a CPO party: both are ours, whatever role a partner claims them in.
        _emsp = await TestEndpoint.StartAsync([("DE", "MSP", "EMSP"), ("DE", "CPX", "CPO")]);
        _partner = await SpecPartner.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _emsp.DisposeAsync();
        await _partner.DisposeAsync();
    }

    private async Task<(int Http, JsonNode Body)> PutTariff(string token, string country, string party, string id)
    {
        var (http, body, _) = await _emsp.OcpiAsync(HttpMethod.Put, $"{Tariffs}{country}/{party}/{id}", token, Tariff(country, party, id).ToJsonString());
        return (http, body);
    }

    private async Task AssertRefused(string partnerId, string tokenA, params (string Role, string Country, string Party)[] roles)
    {
        var (_, body) = await PostAsync(_emsp, _partner, tokenA, roles);
        Assert.True(body.Status() == 2001, body.ToJsonString());
        // Nothing granted: the invitation is still open, Token A still opens the versions only.
        var view = await _emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + partnerId);
        Assert.Equal("Invited", view.Str("state"));
        Assert.Empty(view["roles"]!.AsArray());
    }

    [Fact]
    public async Task A_partner_may_not_claim_another_connections_party_in_another_role()
    {
        var (_, cpoToken) = await RegisterAsync(_emsp, _partner, [Role("CPO", "BE", "SPC")]);
        Assert.Equal(201, (await PutTariff(cpoToken, "BE", "SPC", "T1")).Http);

        var (intruder, tokenA) = await InviteAsync(_emsp);
        await AssertRefused(intruder, tokenA, Role("EMSP", "BE", "SPC"));
        await AssertRefused(intruder, tokenA, Role("CPO", "be", "spc"));
        // Registered with a party of its own, it still cannot touch the other connection's tariffs.
        var (http, body) = await PostAsync(_emsp, _partner, tokenA, Role("CPO", "BE", "INT"));
        Assert.Equal(1000, body.Status());
        var intruderToken = body.Str("data.token");
        Assert.Equal(404, (await PutTariff(intruderToken, "BE", "SPC", "T1")).Http);
        Assert.Equal(404, (await _emsp.OcpiAsync(HttpMethod.Delete, Tariffs + "BE/SPC/T1", intruderToken)).Http);
        Assert.Equal(200, http);
    }

    [Fact]
    public async Task A_hub_must_be_named_in_the_invitation()
    {
        var (open, tokenA) = await InviteAsync(_emsp);
        await AssertRefused(open, tokenA, Role("HUB", "NL", "HUB"));
        await AssertRefused(open, tokenA, Role("CPO", "BE", "ABC"), Role("HUB", "NL", "HUB"));

        var (named, namedToken) = await InviteAsync(_emsp, Role("HUB", "NL", "HUB"));
        var (_, body) = await PostAsync(_emsp, _partner, namedToken, Role("HUB", "NL", "HUB"));
        Assert.Equal(1000, body.Status());
        var view = await _emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + named);
        Assert.Equal("HUB", view.Str("roles.0.role"));
        Assert.Equal("HUB", view.Str("invitation_roles.0.role"));
    }

    [Fact]
    public async Task Nobody_may_claim_a_party_hosted_here_in_any_role()
    {
        var (open, tokenA) = await InviteAsync(_emsp);
        await AssertRefused(open, tokenA, Role("CPO", "DE", "MSP"));
        await AssertRefused(open, tokenA, Role("EMSP", "DE", "CPX"));
        await AssertRefused(open, tokenA, Role("CPO", "de", "cpx"));
        // Not even when the operator named it by mistake: the invitation itself is refused.
        using var response = await _emsp.Http.SendAsync(_emsp.Operator(HttpMethod.Post, "/operator/invitations",
            new { roles = new[] { new { role = "CPO", country_code = "DE", party_id = "CPX" } } }));
        Assert.Equal(400, (int)response.StatusCode);
    }

    [Fact]
    public async Task An_invitation_that_names_roles_admits_those_only()
    {
        var (named, tokenA) = await InviteAsync(_emsp, Role("CPO", "BE", "NAM"), Role("EMSP", "BE", "NAM"));
        await AssertRefused(named, tokenA, Role("CPO", "BE", "OTH"));
        await AssertRefused(named, tokenA, Role("NSP", "BE", "NAM"));
        await AssertRefused(named, tokenA, Role("CPO", "BE", "NAM"), Role("CPO", "BE", "OTH"));

        var (_, body) = await PostAsync(_emsp, _partner, tokenA, Role("CPO", "BE", "NAM"));
        Assert.Equal(1000, body.Status());
        Assert.Equal(201, (await PutTariff(body.Str("data.token"), "BE", "NAM", "T1")).Http);
    }

    [Fact]
    public async Task Roles_added_by_a_later_put_wait_for_the_operator()
    {
        var (id, token) = await RegisterAsync(_emsp, _partner, [Role("CPO", "BE", "SPC")]);

        // The partner adds BE/SP2 (and keeps BE/SPC): the update goes through, the new role is pending.
        var (http, put, _) = await _emsp.OcpiAsync(HttpMethod.Put, "/ocpi/2.2.1/credentials", token,
            Credentials(_partner.Issue("B2"), _partner, Role("CPO", "BE", "SPC"), Role("CPO", "BE", "SP2"), Role("CPO", "BE", "SP3")));
        Assert.True(put.Status() == 1000, put.ToJsonString());
        token = put.Str("data.token");
        var view = await _emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + id);
        Assert.Equal(["BE/SPC"], Parties(view["roles"]!));
        Assert.Equal(["BE/SP2", "BE/SP3"], Parties(view["pending_roles"]!));

        // Until approved it grants nothing.
        Assert.Equal(404, (await PutTariff(token, "BE", "SP2", "T1")).Http);
        Assert.Equal(201, (await PutTariff(token, "BE", "SPC", "T1")).Http);

        // The operator approves one and refuses the other.
        var approved = await _emsp.OperatorAsync(HttpMethod.Post, $"/operator/partners/{id}/roles/approve",
            new { roles = new[] { new { role = "CPO", country_code = "BE", party_id = "SP2" } } });
        Assert.Equal(["BE/SPC", "BE/SP2"], Parties(approved["roles"]!));
        Assert.Equal(201, (await PutTariff(token, "BE", "SP2", "T1")).Http);
        var refused = await _emsp.OperatorAsync(HttpMethod.Post, $"/operator/partners/{id}/roles/refuse", new { });
        Assert.Empty(refused["pending_roles"]!.AsArray());
        Assert.Equal(404, (await PutTariff(token, "BE", "SP3", "T1")).Http);

        // A refused party is free again for another connection.
        await RegisterAsync(_emsp, _partner, [Role("CPO", "BE", "SP3")]);

        // The operator can take a granted role away.
        var changed = await _emsp.OperatorAsync(HttpMethod.Put, $"/operator/partners/{id}/roles",
            new { roles = new[] { new { role = "CPO", country_code = "BE", party_id = "SP2" } } });
        Assert.Equal(["BE/SP2"], Parties(changed["roles"]!));
        Assert.Equal(404, (await PutTariff(token, "BE", "SPC", "T2")).Http);
        Assert.Equal(200, (await PutTariff(token, "BE", "SP2", "T1")).Http);
    }

    [Fact]
    public async Task A_put_claiming_what_the_partner_may_not_be_is_refused_whole()
    {
        var (id, token) = await RegisterAsync(_emsp, _partner, [Role("CPO", "BE", "SPC")]);
        foreach (var roles in new[] { new[] { Role("CPO", "BE", "SPC"), Role("CPO", "DE", "CPX") }, [Role("CPO", "BE", "SPC"), Role("HUB", "NL", "HUB")] })
        {
            var (_, put, _) = await _emsp.OcpiAsync(HttpMethod.Put, "/ocpi/2.2.1/credentials", token, Credentials(_partner.Issue("B"), _partner, roles));
            Assert.True(put.Status() == 2001, put.ToJsonString());
        }
        var view = await _emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + id);
        Assert.Equal(["BE/SPC"], Parties(view["roles"]!));
        Assert.Empty(view["pending_roles"]!.AsArray());
        Assert.Equal(201, (await PutTariff(token, "BE", "SPC", "T1")).Http);
    }

    [Fact]
    public async Task The_ocpi_from_header_must_name_a_party_the_caller_holds()
    {
        var (_, token) = await RegisterAsync(_emsp, _partner, [Role("CPO", "BE", "SPC")]);
        await RegisterAsync(_emsp, _partner, [Role("CPO", "BE", "OTH")]);
        var (ok, _, _) = await _emsp.OcpiAsync(HttpMethod.Get, Tariffs + "BE/SPC/NONE", token, edit: r => From(r, "BE", "SPC"));
        Assert.Equal(404, ok);
        foreach (var (country, party) in new[] { ("BE", "OTH"), ("DE", "MSP"), ("NL", "XXX") })
        {
            var (_, body, _) = await _emsp.OcpiAsync(HttpMethod.Get, Tariffs + "BE/SPC/NONE", token, edit: r => From(r, country, party));
            Assert.True(body.Status() == 2001, $"{country}/{party}: {body.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Registering_with_a_partner_checks_its_answer_as_an_invitation_would()
    {
        // The spec partner answers with EMSP BE/SPC.
        var tokenA = _partner.Issue("A");
        using var refused = await _emsp.Http.SendAsync(_emsp.Operator(HttpMethod.Post, "/operator/registrations", new
        {
            versions_url = _partner.VersionsUrl, token = tokenA,
            roles = new[] { new { role = "CPO", country_code = "BE", party_id = "SPC" } },
        }));
        var answer = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.True((int)refused.StatusCode == 502, answer.ToJsonString());
        Assert.Contains("EMSP BE/SPC is not named", answer["error"]!.GetValue<string>());
        // The partner was told, and nothing is left here: the party is free.
        Assert.Contains(_partner.Seen, s => s.StartsWith("DELETE /2.2.1/credentials", StringComparison.Ordinal));
        Assert.Empty((await _emsp.OperatorAsync(HttpMethod.Get, "/operator/partners")).AsArray());

        var registered = await _emsp.OperatorAsync(HttpMethod.Post, "/operator/registrations", new
        {
            versions_url = _partner.VersionsUrl, token = _partner.Issue("A2"),
            roles = new[] { new { role = "EMSP", country_code = "BE", party_id = "SPC" } },
        }, expect: 201);
        Assert.Equal(["BE/SPC"], Parties(registered["roles"]!));
    }

    internal static void From(HttpRequestMessage r, string country, string party)
    {
        r.Headers.Add("OCPI-from-country-code", country);
        r.Headers.Add("OCPI-from-party-id", party);
        r.Headers.Add("OCPI-to-country-code", "DE");
        r.Headers.Add("OCPI-to-party-id", "MSP");
    }

    internal static List<string> Parties(JsonNode list) =>
        list.AsArray().Select(r => $"{r!["country_code"]!.GetValue<string>()}/{r["party_id"]!.GetValue<string>()}").ToList();
}

using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>
/// Tokens between an eMSP endpoint (DE/MSP) and a CPO endpoint (NL/CPO): published by the eMSP's back office, pushed
/// and pulled, blocked by a PATCH; the CPO's receiver rules (owner, ?type=, 2001 for bad input).
/// </summary>
public class TokensTests
{
    public static JsonObject Token(string uid, string whitelist = "ALWAYS", string type = "RFID", bool valid = true, string country = "DE", string party = "MSP") => new()
    {
        ["country_code"] = country,
        ["party_id"] = party,
        ["uid"] = uid,
        ["type"] = type,
        ["contract_id"] = $"{country}-{party}-C{uid}",
        ["issuer"] = "Test eMSP",
        ["valid"] = valid,
        ["whitelist"] = whitelist,
        ["last_updated"] = "2026-01-01T10:00:00Z",
    };

    public static async Task<JsonNode?> Received(TestEndpoint cpo, string uid, string type = "RFID")
    {
        using var response = await cpo.Http.SendAsync(cpo.Operator(HttpMethod.Get, $"/operator/tokens/DE/MSP/{uid}?scope=received&type={type}"));
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
    }

    private static async Task<int> ReceivedCount(TestEndpoint cpo) => (await cpo.OperatorAsync(HttpMethod.Get, "/operator/tokens?scope=received&limit=1"))["total"]!.GetValue<int>();

    [Fact]
    public async Task Tokens_reach_the_cpo_by_pull_and_push_and_a_block_follows_as_a_patch()
    {
        var (cpo, emsp, emspAtCpo, _) = await Fixtures.ConnectAsync(emspBeforeRegistration: async e =>
        {
            // Imported in one call before any CPO is connected: nothing is pushed, the CPO must pull.
            var import = new JsonArray(Enumerable.Range(0, 30).Select(i => (JsonNode)Token($"PULL{i:D2}")).Append(Token("BAD", party: "XYZ")).ToArray());
            import.Add(new JsonObject { ["uid"] = "HALF" });
            var result = await e.OperatorAsync(HttpMethod.Post, "/operator/tokens", import);
            Assert.Equal(30, result["created"]!.GetValue<int>());
            Assert.Equal([30, 31], result["failed"]!.AsArray().Select(f => f!["index"]!.GetValue<int>()));
        });
        await using var _cpo = cpo;
        await using var _emsp = emsp;

        // Registration starts the CPO's full pull of the eMSP's tokens (a push of the import may race it: wait for the pull).
        JsonNode first = null!;
        await Fixtures.Eventually(async () =>
        {
            var jobs = (await cpo.OperatorAsync(HttpMethod.Get, $"/operator/partners/{emspAtCpo}/sync")).AsArray();
            first = jobs.SingleOrDefault(j => j!["module"]!.GetValue<string>() == "tokens")!;
            return first is not null && first.Str("state") != "Running";
        }, "the tokens pull to end");
        Assert.Equal(("Succeeded", "Full", 30), (first.Str("state"), first.Str("mode"), first["stored"]!.GetValue<int>()));
        Assert.Equal(30, await ReceivedCount(cpo));

        // A new token is pushed (PUT), with what the eMSP keeps to itself left behind.
        var app = Token("APP-1", whitelist: "NEVER", type: "APP_USER");
        app.Remove("last_updated");
        app["restrictions"] = new JsonObject { ["no_credit"] = true };
        var stored = await emsp.OperatorAsync(HttpMethod.Put, "/operator/tokens/DE/MSP/APP-1?type=APP_USER", app, expect: 201);
        Assert.True(stored["restrictions"]!["no_credit"]!.GetValue<bool>());
        await Fixtures.Eventually(async () => await Received(cpo, "APP-1", "APP_USER") is not null, "the pushed token");
        var arrived = (await Received(cpo, "APP-1", "APP_USER"))!;
        Assert.Equal((stored.Str("last_updated"), "NEVER"), (arrived.Str("last_updated"), arrived.Str("whitelist")));
        Assert.Null(arrived["restrictions"]);
        // Same uid, other type: another token.
        Assert.Null(await Received(cpo, "APP-1"));

        // Blocking is a PATCH of valid, pushed as a PATCH.
        var blocked = await emsp.OperatorAsync(HttpMethod.Patch, "/operator/tokens/DE/MSP/PULL07", new { valid = false });
        Assert.False(blocked["valid"]!.GetValue<bool>());
        await Fixtures.Eventually(async () => (await Received(cpo, "PULL07"))!["valid"]!.GetValue<bool>() == false, "the block at the CPO");
        Assert.Equal(blocked.Str("last_updated"), (await Received(cpo, "PULL07"))!.Str("last_updated"));
        await emsp.OperatorAsync(HttpMethod.Patch, "/operator/tokens/DE/MSP/PULL07", new { valid = true, whitelist = "ALLOWED" });
        await Fixtures.Eventually(async () => (await Received(cpo, "PULL07"))!.Str("whitelist") == "ALLOWED", "the unblock at the CPO");
        Assert.True((await Received(cpo, "PULL07"))!["valid"]!.GetValue<bool>());

        // A delta pull fetches only what changed since the last good pull.
        var delta = await cpo.OperatorAsync(HttpMethod.Post, $"/operator/partners/{emspAtCpo}/sync", new { module = "tokens", mode = "Delta" }, expect: 202);
        await Fixtures.Eventually(async () => (await cpo.OperatorAsync(HttpMethod.Get, $"/operator/partners/{emspAtCpo}/sync/{delta.Str("job_id")}")).Str("state") == "Succeeded", "the delta pull");
        var deltaJob = await cpo.OperatorAsync(HttpMethod.Get, $"/operator/partners/{emspAtCpo}/sync/{delta.Str("job_id")}");
        Assert.Equal(("Delta", 2), (deltaJob.Str("mode"), deltaJob["fetched"]!.GetValue<int>()));
        Assert.Equal(31, await ReceivedCount(cpo));

        // Tokens are made invalid, never deleted.
        using var delete = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Delete, "/operator/tokens/DE/MSP/PULL01"));
        Assert.Equal(405, (int)delete.StatusCode);
    }

    [Fact]
    public async Task The_operator_api_bounds_an_import_and_refuses_bad_tokens_by_field()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        var tooMany = new JsonArray(Enumerable.Range(0, 1001).Select(i => (JsonNode)Token($"T{i}")).ToArray());
        using (var r = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Post, "/operator/tokens", tooMany)))
        {
            Assert.Equal(400, (int)r.StatusCode);
            Assert.Contains("at most 1000", await r.Content.ReadAsStringAsync());
        }
        Assert.Equal(0, (await emsp.OperatorAsync(HttpMethod.Get, "/operator/tokens"))["total"]!.GetValue<int>());

        foreach (var (path, body, field) in new (string, object, string)[]
        {
            ("/operator/tokens/DE/MSP/T1", Without(Token("T1"), "contract_id"), "contract_id"),
            ("/operator/tokens/DE/MSP/T1?type=RFIDX", Token("T1"), "type"),
            ("/operator/tokens/NL/CPO/T1", Token("T1"), "country_code"),
            ("/operator/tokens/DE/MSP/T1", With(Token("T1"), "restrictions", new JsonObject { ["locations"] = new JsonArray() }), "restrictions.locations"),
            ("/operator/tokens/DE/MSP/" + new string('U', 37), Token("T1"), "id"),
        })
        {
            using var r = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Put, path, body));
            var answer = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
            Assert.True(answer["status_code"]?.GetValue<int>() == 2001, $"{path}: {answer.ToJsonString()}");
            Assert.Contains(field + ":", answer.Str("error"));
        }
        await emsp.OperatorAsync(HttpMethod.Put, "/operator/tokens/DE/MSP/T1", Token("T1"), expect: 201);
        foreach (var (patch, field) in new (object, string)[]
        {
            (new { valid = "no" }, "valid"),
            (new { type = "APP_USER" }, "uid, type"),
            (new { last_updated = "2026-02-01T00:00:00Z" }, "(body)"),
        })
        {
            using var r = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Patch, "/operator/tokens/DE/MSP/T1", patch));
            var answer = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
            Assert.True(answer["status_code"]?.GetValue<int>() == 2001 && answer.Str("error").Contains(field + ":"), answer.ToJsonString());
        }
        using var unknown = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Patch, "/operator/tokens/DE/MSP/T1?type=OTHER", new { valid = false }));
        Assert.Equal(404, (int)unknown.StatusCode);
    }

    /// <summary>A spec-only partner (BE/<paramref name="party"/>) registered with an endpoint in the given role, and its token for it.</summary>
    public static async Task<(SpecPartner Partner, string Token)> RegisteredAsync(TestEndpoint endpoint, string role, string party = "SPC")
    {
        var partner = await SpecPartner.StartAsync();
        var invitation = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var credentials = JsonNode.Parse(CredentialsHandshakeTests.Credentials(partner.Issue("B"), partner))!;
        credentials["roles"]![0]!["role"] = role;
        credentials["roles"]![0]!["party_id"] = party;
        var (status, posted, _) = await endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), credentials.ToJsonString());
        Assert.True(status == 200, posted.ToJsonString());
        return (partner, posted.Str("data.token"));
    }

    [Fact]
    public async Task The_cpo_receiver_takes_tokens_only_from_their_emsp_and_answers_2001_for_bad_ones()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        var (emsp, token) = await RegisteredAsync(cpo, "EMSP");
        await using var _ = emsp;
        const string url = "/ocpi/cpo/2.2.1/tokens/BE/SPC/";

        Assert.Equal(201, (await cpo.OcpiAsync(HttpMethod.Put, url + "0102", token, Token("0102", country: "BE", party: "SPC").ToJsonString())).Http);
        Assert.Equal(200, (await cpo.OcpiAsync(HttpMethod.Put, url + "0102", token, With(Token("0102", country: "BE", party: "SPC"), "last_updated", "2026-01-02T10:00:00Z").ToJsonString())).Http);
        // An older version never replaces a newer one.
        await cpo.OcpiAsync(HttpMethod.Put, url + "0102", token, With(Token("0102", whitelist: "NEVER", country: "BE", party: "SPC"), "last_updated", "2025-12-01T10:00:00Z").ToJsonString());
        var (status, got, _) = await cpo.OcpiAsync(HttpMethod.Get, url + "0102?type=RFID", token);
        Assert.Equal((200, "ALWAYS", "2026-01-02T10:00:00Z"), (status, got.Str("data.whitelist"), got.Str("data.last_updated")));
        // The type is part of the identity: without ?type= it is RFID.
        Assert.Equal(201, (await cpo.OcpiAsync(HttpMethod.Put, url + "0102?type=APP_USER", token, Token("0102", type: "APP_USER", country: "BE", party: "SPC").ToJsonString())).Http);
        Assert.Equal("APP_USER", (await cpo.OcpiAsync(HttpMethod.Get, url + "0102?type=APP_USER", token)).Body.Str("data.type"));
        Assert.Equal(404, (await cpo.OcpiAsync(HttpMethod.Get, url + "0102?type=OTHER", token)).Http);

        // PATCH: the spec's invalidation, and the rules of a PATCH.
        var (patched, _, _) = await cpo.OcpiAsync(HttpMethod.Patch, url + "0102", token, """{"valid": false, "last_updated": "2026-01-03T00:00:00Z"}""");
        Assert.Equal(200, patched);
        Assert.False((await cpo.OcpiAsync(HttpMethod.Get, url + "0102", token)).Body["data"]!["valid"]!.GetValue<bool>());
        Assert.Equal("ALWAYS", (await cpo.OcpiAsync(HttpMethod.Get, url + "0102", token)).Body.Str("data.whitelist"));
        Assert.Equal(404, (await cpo.OcpiAsync(HttpMethod.Patch, url + "0199", token, """{"valid": false, "last_updated": "2026-01-03T00:00:00Z"}""")).Http);

        foreach (var (method, path, body, field) in new (HttpMethod, string, string, string)[]
        {
            (HttpMethod.Put, url + "0103", Without(Token("0103", country: "BE", party: "SPC"), "contract_id").ToJsonString(), "contract_id"),
            (HttpMethod.Put, url + "0103", Token("0103", country: "BE", party: "SPC").ToJsonString().Replace("\"ALWAYS\"", "\"SOMETIMES\""), "whitelist"),
            (HttpMethod.Put, url + "0103", Token("0103", type: "APP_USER", country: "BE", party: "SPC").ToJsonString(), "uid, type"),
            (HttpMethod.Put, url + "0103", Token("0104", country: "BE", party: "SPC").ToJsonString(), "uid, type"),
            (HttpMethod.Put, url + "0103?type=CARD", Token("0103", country: "BE", party: "SPC").ToJsonString(), "type"),
            (HttpMethod.Put, url + new string('9', 37), Token(new string('9', 37), country: "BE", party: "SPC").ToJsonString(), "id"),
            (HttpMethod.Put, url + "0103", Token("0103", country: "NL", party: "SPC").ToJsonString(), "country_code"),
            (HttpMethod.Patch, url + "0102", """{"valid": true}""", "last_updated"),
            (HttpMethod.Patch, url + "0102", """{"type": "OTHER", "last_updated": "2026-01-04T00:00:00Z"}""", "uid, type"),
            (HttpMethod.Patch, url + "0102", """{"issuer": null, "last_updated": "2026-01-04T00:00:00Z"}""", "issuer"),
        })
        {
            var (_, answer, _) = await cpo.OcpiAsync(method, path, token, body);
            Assert.True(answer["status_code"]!.GetValue<int>() == 2001, $"{method} {path} {body}: {answer.ToJsonString()}");
            Assert.Contains(field + ":", answer.Str("status_message"));
        }
        Assert.Equal(404, (await cpo.OcpiAsync(HttpMethod.Get, url + "0103", token)).Http);
    }

    [Fact]
    public async Task A_partner_cannot_write_tokens_of_a_party_it_does_not_hold_as_emsp()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        var (emsp, emspToken) = await RegisteredAsync(cpo, "EMSP");
        await using var _ = emsp;

        // Another eMSP's party, even with a body that claims it.
        var (status, answer, _) = await cpo.OcpiAsync(HttpMethod.Put, "/ocpi/cpo/2.2.1/tokens/NL/TNM/0102", emspToken, Token("0102", country: "NL", party: "TNM").ToJsonString());
        Assert.Equal(404, status);
        Assert.NotEqual(1000, answer["status_code"]!.GetValue<int>());
        Assert.Equal(0, (await cpo.OperatorAsync(HttpMethod.Get, "/operator/tokens?scope=received"))["total"]!.GetValue<int>());

        // The same party held in another role (here as CPO) owns no tokens.
        await using var cpoSide = await TestEndpoint.StartCpoAsync();
        var (otherCpo, cpoToken) = await RegisteredAsync(cpoSide, "CPO");
        await using var __ = otherCpo;
        Assert.Equal(404, (await cpoSide.OcpiAsync(HttpMethod.Put, "/ocpi/cpo/2.2.1/tokens/BE/SPC/0102", cpoToken, Token("0102", country: "BE", party: "SPC").ToJsonString())).Http);
        Assert.Equal(0, (await cpoSide.OperatorAsync(HttpMethod.Get, "/operator/tokens?scope=received"))["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_emsp_sender_lists_tokens_to_cpos_only()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        for (var i = 0; i < 12; i++) await emsp.OperatorAsync(HttpMethod.Put, $"/operator/tokens/DE/MSP/S{i:D2}", With(Token($"S{i:D2}"), "restrictions", new JsonObject { ["no_credit"] = true }), expect: 201);
        var (cpo, cpoToken) = await RegisteredAsync(emsp, "CPO");
        await using var _ = cpo;

        var seen = new List<string>();
        string? url = "/ocpi/emsp/2.2.1/tokens?limit=5";
        while (url is not null)
        {
            var (status, body, response) = await emsp.OcpiAsync(HttpMethod.Get, url, cpoToken);
            Assert.Equal(200, status);
            Assert.Equal("12", response.Headers.GetValues("X-Total-Count").Single());
            Assert.All(body["data"]!.AsArray(), t => Assert.Null(t!["restrictions"]));
            seen.AddRange(body["data"]!.AsArray().Select(t => t!["uid"]!.GetValue<string>()));
            url = response.Headers.TryGetValues("Link", out var link) ? link.Single()[1..link.Single().IndexOf('>')] : null;
        }
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"S{i:D2}"), seen);

        // Another eMSP (or anyone not a CPO) learns nothing of our drivers.
        var (otherEmsp, emspToken) = await RegisteredAsync(emsp, "EMSP", party: "OTH");
        await using var __ = otherEmsp;
        Assert.Equal(404, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/emsp/2.2.1/tokens", emspToken)).Http);
        Assert.Equal(404, (await emsp.OcpiAsync(HttpMethod.Post, "/ocpi/emsp/2.2.1/tokens/S01/authorize", emspToken, """{"location_id":"L1"}""")).Http);
    }

    public static JsonObject Without(JsonObject o, string field)
    {
        o.Remove(field);
        return o;
    }

    public static JsonObject With(JsonObject o, string field, JsonNode? value)
    {
        o[field] = value;
        return o;
    }
}

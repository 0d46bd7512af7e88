using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Roaming.Core.Storage;
using Roaming.Core.Tokens;

namespace Roaming.Integration.Tests;

/// <summary>
/// Real-time authorization between a CPO endpoint and an eMSP endpoint: the CPO's charging station back office asks
/// POST /operator/authorize; every whitelist rule with the eMSP up, slow (held past the CPO's timeout) and down;
/// location-limited, blocked, expired and unknown tokens; the eMSP's authorize endpoint itself; no uid in any log.
/// </summary>
public class TokenAuthorizationTests
{
    /// <summary>Holds the eMSP's authorize requests while <see cref="Holding"/>, until released: an eMSP that is slow to answer.</summary>
    private sealed class AuthorizeGate : IStartupFilter
    {
        private TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public volatile bool Holding;
        public int Arrived => Volatile.Read(ref _arrived);

        public void Release() => Interlocked.Exchange(ref _open, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (HttpContext context, Func<Task> rest) =>
            {
                if (context.Request.Path.Value?.EndsWith("/authorize", StringComparison.Ordinal) == true)
                {
                    Interlocked.Increment(ref _arrived);
                    if (Holding) await _open.Task.WaitAsync(context.RequestAborted);
                }
                await rest();
            });
            next(app);
        };
    }

    private static JsonObject Limited(JsonObject token, JsonObject restrictions)
    {
        token["restrictions"] = restrictions;
        return token;
    }

    /// <summary>The eMSP's tokens: one per whitelist rule, and some its back office limited.</summary>
    private static JsonArray Tokens() =>
    [
        TokensTests.Token("W-ALWAYS", "ALWAYS"),
        TokensTests.Token("W-ALLOWED", "ALLOWED"),
        TokensTests.Token("W-OFFLINE", "ALLOWED_OFFLINE"),
        TokensTests.Token("W-NEVER", "NEVER"),
        TokensTests.Token("B-ALWAYS", "ALWAYS", valid: false),
        TokensTests.Token("B-OFFLINE", "ALLOWED_OFFLINE", valid: false),
        TokensTests.Token("B-NEVER", "NEVER", valid: false),
        Limited(TokensTests.Token("R-LOC", "NEVER"), new JsonObject
        {
            ["locations"] = new JsonArray(new JsonObject { ["location_id"] = "LOC1", ["evse_uids"] = new JsonArray("E1") }, new JsonObject { ["location_id"] = "LOC9" }),
        }),
        Limited(TokensTests.Token("R-CREDIT", "ALLOWED"), new JsonObject { ["no_credit"] = true }),
        Limited(TokensTests.Token("R-EXPIRED", "ALLOWED_OFFLINE"), new JsonObject { ["expires"] = "2026-02-01T00:00:00Z" }),
        TokensTests.Token("APP-NEVER", "NEVER", type: "APP_USER"),
        TokensTests.Token("NOT-PUSHED", "ALWAYS"),
    ];

    private static async Task<(TestEndpoint Cpo, TestEndpoint Emsp, AuthorizeGate Gate)> ConnectAsync(Dictionary<string, string?>? cpo = null,
        Action<WebApplicationBuilder>? cpoHost = null, Dictionary<string, string?>? emspSettings = null, Action<WebApplicationBuilder>? emspHost = null)
    {
        var gate = new AuthorizeGate();
        var settings = new Dictionary<string, string?>(Fixtures.FastRetries) { ["Roaming:AuthorizationTimeout"] = "00:00:30", ["Roaming:AuthorizationOfflineAfter"] = "00:00:30" };
        foreach (var (k, v) in cpo ?? []) settings[k] = v;
        var (c, e, emspAtCpo, _) = await Fixtures.ConnectAsync(settings, cpoHost: cpoHost, emspSettings: emspSettings, emspHost: b =>
        {
            b.Services.AddSingleton<IStartupFilter>(gate);
            emspHost?.Invoke(b);
        });
        var result = await e.OperatorAsync(HttpMethod.Post, "/operator/tokens", Tokens());
        Assert.Empty(result["failed"]!.AsArray());
        var expected = Tokens().Count;
        await Fixtures.Eventually(async () => (await c.OperatorAsync(HttpMethod.Get, "/operator/tokens?scope=received&limit=1"))["total"]!.GetValue<int>() == expected, "the tokens at the CPO");
        // The pull registration started may still be storing what it read: it must be done before a token is taken away.
        await Fixtures.Eventually(async () => (await c.OperatorAsync(HttpMethod.Get, $"/operator/partners/{emspAtCpo}/sync")).AsArray()
            .Where(j => j!["module"]!.GetValue<string>() == "tokens").All(j => j!["state"]!.GetValue<string>() is "Succeeded" or "Failed"), "the CPO's first pull of tokens done");
        // One the CPO does not hold, as if never pushed: it knows neither the token nor its eMSP.
        var store = c.Services.GetRequiredService<IPartyObjectStore<Token>>();
        Assert.True(await store.DeleteAsync(DataScope.Received, new("DE", "MSP"), "NOT-PUSHED|RFID", null, default));
        return (c, e, gate);
    }

    private static async Task<JsonNode> Authorize(TestEndpoint cpo, string uid, string location = "LOC1", string[]? evses = null, string? type = null,
        string? country = null, string? party = null) =>
        await cpo.OperatorAsync(HttpMethod.Post, "/operator/authorize",
            new { token_uid = uid, type, location_id = location, evse_uids = evses, country_code = country, party_id = party });

    private static (bool, string?, string) Verdict(JsonNode answer) =>
        (answer["authorized"]!.GetValue<bool>(), answer["allowed"]?.GetValue<string>(), answer.Str("decided_by"));

    [Fact]
    public async Task With_the_emsp_up_only_always_is_decided_locally_and_the_emsp_answers_the_rest()
    {
        var (cpo, emsp, gate) = await ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;

        Assert.Equal((true, "ALLOWED", "LOCAL"), Verdict(await Authorize(cpo, "W-ALWAYS")));
        Assert.Equal((false, "BLOCKED", "LOCAL"), Verdict(await Authorize(cpo, "B-ALWAYS")));
        Assert.Equal(0, gate.Arrived);

        foreach (var uid in new[] { "W-ALLOWED", "W-OFFLINE", "W-NEVER" })
        {
            var answer = await Authorize(cpo, uid, evses: ["E1", "E2"]);
            Assert.Equal((true, "ALLOWED", "REALTIME"), Verdict(answer));
            Assert.Equal(32, answer.Str("authorization_reference").Length);
            Assert.Equal($"DE-MSP-C{uid}", answer.Str("token.contract_id"));
            Assert.Equal("[\"E1\",\"E2\"]", answer["location"]!["evse_uids"]!.ToJsonString());
            Assert.Null(answer["token"]!["restrictions"]);
        }
        Assert.Equal(3, gate.Arrived);
        Assert.Equal((false, "BLOCKED", "REALTIME"), Verdict(await Authorize(cpo, "B-NEVER")));
        Assert.Equal((false, "NO_CREDIT", "REALTIME"), Verdict(await Authorize(cpo, "R-CREDIT")));
        Assert.Equal((false, "EXPIRED", "REALTIME"), Verdict(await Authorize(cpo, "R-EXPIRED")));
        Assert.Equal((true, "ALLOWED", "REALTIME"), Verdict(await Authorize(cpo, "APP-NEVER", type: "APP_USER")));
        // The type is part of the token: an RFID with that uid is another, unknown, token.
        Assert.Equal((false, null, "LOCAL"), Verdict(await Authorize(cpo, "APP-NEVER")));
    }

    [Fact]
    public async Task A_token_limited_to_some_locations_and_evses_is_allowed_only_there()
    {
        var (cpo, emsp, _) = await ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;

        Assert.Equal((false, "NOT_ALLOWED", "REALTIME"), Verdict(await Authorize(cpo, "R-LOC", location: "LOC2")));
        var here = await Authorize(cpo, "R-LOC", location: "loc1", evses: ["E2", "e1"]);
        Assert.Equal((true, "ALLOWED", "REALTIME"), Verdict(here));
        Assert.Equal("[\"e1\"]", here["location"]!["evse_uids"]!.ToJsonString());
        Assert.Equal((false, "NOT_ALLOWED", "REALTIME"), Verdict(await Authorize(cpo, "R-LOC", location: "LOC1", evses: ["E2"])));
        Assert.Equal("[\"E1\"]", (await Authorize(cpo, "R-LOC", location: "LOC1"))["location"]!["evse_uids"]!.ToJsonString());
        Assert.Equal((true, "ALLOWED", "REALTIME"), Verdict(await Authorize(cpo, "R-LOC", location: "LOC9", evses: ["ANY"])));

        // The eMSP's back office moves the limit: the next authorization follows it, nothing was pushed for it.
        await emsp.OperatorAsync(HttpMethod.Patch, "/operator/tokens/DE/MSP/R-LOC",
            new { restrictions = new { locations = new[] { new { location_id = "LOC2" } } } });
        Assert.Equal((true, "ALLOWED", "REALTIME"), Verdict(await Authorize(cpo, "R-LOC", location: "LOC2")));
        Assert.Null((await TokensTests.Received(cpo, "R-LOC"))!["restrictions"]);
    }

    [Fact]
    public async Task Unknown_tokens_are_asked_of_the_emsp_named_and_refused_when_nobody_knows_them()
    {
        var (cpo, emsp, gate) = await ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;

        // Neither held nor named: the uid says nothing of its eMSP, and it is not sent to partners it may not belong to.
        var nobody = await Authorize(cpo, "NOT-PUSHED");
        Assert.Equal((false, null, "LOCAL"), Verdict(nobody));
        Assert.Equal(0, gate.Arrived);
        // The back office names the eMSP (e.g. from the contract id): it is asked, and knows the token.
        var named = await Authorize(cpo, "NOT-PUSHED", country: "DE", party: "MSP");
        Assert.Equal((true, "ALLOWED", "REALTIME"), Verdict(named));
        Assert.Equal("DE-MSP-CNOT-PUSHED", named.Str("token.contract_id"));
        // A uid its eMSP does not know either: 404 + 2004 there, refused here.
        var unknown = await Authorize(cpo, "NOBODY", country: "DE", party: "MSP");
        Assert.Equal((false, null, "REALTIME"), Verdict(unknown));
        Assert.Contains("does not know", unknown.Str("reason"));
        // An eMSP no partner holds.
        Assert.Equal((false, null, "LOCAL"), Verdict(await Authorize(cpo, "NOBODY", country: "FR", party: "XYZ")));
        Assert.Equal(2, gate.Arrived);
    }

    [Fact]
    public async Task With_the_emsp_slow_allowed_falls_back_at_the_timeout_and_the_others_wait_for_its_answer()
    {
        var (cpo, emsp, gate) = await ConnectAsync(new() { ["Roaming:AuthorizationTimeout"] = "00:00:01" });
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        gate.Holding = true;
        try
        {
            Assert.Equal((true, "ALLOWED", "LOCAL"), Verdict(await Authorize(cpo, "W-ALWAYS")));
            var fallback = await Authorize(cpo, "W-ALLOWED");
            Assert.Equal((true, "ALLOWED", "LOCAL_NO_ANSWER"), Verdict(fallback));
            Assert.Contains("did not answer within 1 s", fallback.Str("reason"));
            Assert.Equal(1, gate.Arrived);

            foreach (var uid in new[] { "W-OFFLINE", "W-NEVER", "B-OFFLINE" })
            {
                var arrived = gate.Arrived;
                var pending = Authorize(cpo, uid);
                await Fixtures.Eventually(() => Task.FromResult(gate.Arrived > arrived), "the held request at the eMSP");
                await Task.Delay(TimeSpan.FromSeconds(2)); // past the CPO's 1 s timeout of whitelist ALLOWED
                Assert.False(pending.IsCompleted);
                gate.Release();
                var answer = await pending;
                Assert.Equal("REALTIME", answer.Str("decided_by"));
                Assert.Equal(uid != "B-OFFLINE", answer["authorized"]!.GetValue<bool>());
            }
        }
        finally
        {
            gate.Holding = false;
            gate.Release();
        }
    }

    [Fact]
    public async Task With_the_emsp_down_allowed_and_allowed_offline_decide_locally_and_never_is_refused()
    {
        var (cpo, emsp, _) = await ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await emsp.StopAsync();

        Assert.Equal((true, "ALLOWED", "LOCAL"), Verdict(await Authorize(cpo, "W-ALWAYS")));
        Assert.Equal((true, "ALLOWED", "LOCAL_NO_ANSWER"), Verdict(await Authorize(cpo, "W-ALLOWED")));
        Assert.Equal((true, "ALLOWED", "LOCAL_OFFLINE"), Verdict(await Authorize(cpo, "W-OFFLINE")));
        Assert.Equal((false, "BLOCKED", "LOCAL_OFFLINE"), Verdict(await Authorize(cpo, "B-OFFLINE")));
        // The stored copy knows nothing of the eMSP's limits, only the eMSP may refuse for them.
        Assert.Equal((true, "ALLOWED", "LOCAL_OFFLINE"), Verdict(await Authorize(cpo, "R-EXPIRED")));
        var never = await Authorize(cpo, "W-NEVER");
        Assert.Equal((false, null, "REFUSED_NO_ANSWER"), Verdict(never));
        Assert.Contains("failed", never.Str("reason"));
        Assert.Equal((false, null, "REFUSED_NO_ANSWER"), Verdict(await Authorize(cpo, "NOT-PUSHED", country: "DE", party: "MSP")));

        await emsp.StartAgainAsync();
        Assert.Equal((true, "ALLOWED", "REALTIME"), Verdict(await Authorize(cpo, "W-NEVER")));
    }

    [Fact]
    public async Task A_uid_two_emsps_issued_is_decided_for_the_emsp_the_back_office_names()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        var (first, firstToken) = await TokensTests.RegisteredAsync(cpo, "EMSP");
        await using var _ = first;
        await using var second = await SpecPartner.StartAsync();
        var invitation = await cpo.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var credentials = JsonNode.Parse(CredentialsHandshakeTests.Credentials(second.Issue("B"), second))!;
        credentials["roles"]![0]!["party_id"] = "OTH";
        var secondToken = (await cpo.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), credentials.ToJsonString())).Body.Str("data.token");

        Assert.Equal(201, (await cpo.OcpiAsync(HttpMethod.Put, "/ocpi/cpo/2.2.1/tokens/BE/SPC/SAME", firstToken, TokensTests.Token("SAME", country: "BE", party: "SPC").ToJsonString())).Http);
        Assert.Equal(201, (await cpo.OcpiAsync(HttpMethod.Put, "/ocpi/cpo/2.2.1/tokens/BE/OTH/SAME", secondToken,
            TokensTests.Token("SAME", valid: false, country: "BE", party: "OTH").ToJsonString())).Http);

        using var ambiguous = await cpo.Http.SendAsync(cpo.Operator(HttpMethod.Post, "/operator/authorize", new { token_uid = "same", location_id = "LOC1" }));
        Assert.Equal(409, (int)ambiguous.StatusCode);
        Assert.Contains("name the eMSP", await ambiguous.Content.ReadAsStringAsync());
        Assert.Equal((false, "BLOCKED", "LOCAL"), Verdict(await Authorize(cpo, "SAME", country: "BE", party: "OTH")));
        var spc = await Authorize(cpo, "SAME", country: "be", party: "spc");
        Assert.Equal((true, "ALLOWED", "LOCAL"), Verdict(spc));
        Assert.Equal("SPC", spc.Str("token.party_id"));
    }

    [Fact]
    public async Task A_platform_that_is_also_the_tokens_emsp_answers_as_that_emsp()
    {
        await using var both = await TestEndpoint.StartAsync([("NL", "CPO", "CPO"), ("NL", "MSP", "EMSP")]);
        await both.OperatorAsync(HttpMethod.Put, "/operator/tokens/NL/MSP/OWN1", Limited(TokensTests.Token("OWN1", "ALWAYS", country: "NL", party: "MSP"),
            new JsonObject { ["locations"] = new JsonArray(new JsonObject { ["location_id"] = "LOC1" }) }), expect: 201);

        var here = await Authorize(both, "OWN1", location: "LOC1", evses: ["E1"]);
        Assert.Equal((true, "ALLOWED", "REALTIME"), Verdict(here));
        Assert.Equal(32, here.Str("authorization_reference").Length);
        Assert.Equal((false, "NOT_ALLOWED", "REALTIME"), Verdict(await Authorize(both, "OWN1", location: "LOC2")));
        await both.OperatorAsync(HttpMethod.Patch, "/operator/tokens/NL/MSP/OWN1", new { valid = false });
        Assert.Equal((false, "BLOCKED", "REALTIME"), Verdict(await Authorize(both, "OWN1", location: "LOC1")));
    }

    [Fact]
    public async Task The_emsp_answers_2004_for_an_unknown_token_2002_without_a_location_it_needs_and_2001_for_bad_input()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await emsp.OperatorAsync(HttpMethod.Post, "/operator/tokens", Tokens());
        var (cpo, token) = await TokensTests.RegisteredAsync(emsp, "CPO");
        await using var _ = cpo;
        const string url = "/ocpi/emsp/2.2.1/tokens/";

        var (status, unknown, _) = await emsp.OcpiAsync(HttpMethod.Post, url + "NOBODY/authorize", token, """{"location_id": "LOC1"}""");
        Assert.Equal((404, 2004), (status, unknown["status_code"]!.GetValue<int>()));
        Assert.Null(unknown["data"]);
        Assert.Equal(2004, (await emsp.OcpiAsync(HttpMethod.Post, url + "W-NEVER/authorize?type=APP_USER", token)).Body["status_code"]!.GetValue<int>());

        var (_, info, _) = await emsp.OcpiAsync(HttpMethod.Post, url + "w-never/authorize?type=RFID", token);
        Assert.Equal(("ALLOWED", "W-NEVER"), (info.Str("data.allowed"), info.Str("data.token.uid")));
        Assert.Null(info["data"]!["location"]);
        Assert.Equal("ALLOWED", (await emsp.OcpiAsync(HttpMethod.Post, url + "W-NEVER/authorize", token, "null")).Body.Str("data.allowed"));

        var (_, tooLittle, _) = await emsp.OcpiAsync(HttpMethod.Post, url + "R-LOC/authorize", token);
        Assert.Equal(2002, tooLittle["status_code"]!.GetValue<int>());
        Assert.Null(tooLittle["data"]);

        foreach (var (path, body, field) in new (string, string?, string)[]
        {
            ("W-NEVER/authorize", """{"evse_uids": ["E1"]}""", "location_id"),
            ("W-NEVER/authorize", """{"location_id": 17}""", "location_id"),
            ("W-NEVER/authorize?type=CARD", """{"location_id": "LOC1"}""", "type"),
            (new string('X', 37) + "/authorize", """{"location_id": "LOC1"}""", "token_uid"),
        })
        {
            var (_, answer, _) = await emsp.OcpiAsync(HttpMethod.Post, url + path, token, body);
            Assert.True(answer["status_code"]!.GetValue<int>() == 2001, $"{path}: {answer.ToJsonString()}");
            Assert.Contains(field + ":", answer.Str("status_message"));
        }
    }

    [Fact]
    public async Task The_operator_authorize_call_refuses_bad_requests_with_2001()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        foreach (var (body, field) in new (object, string)[]
        {
            (new { location_id = "LOC1" }, "token_uid"),
            (new { token_uid = "0102" }, "location_id"),
            (new { token_uid = "0102", location_id = "LOC1", type = "CARD" }, "type"),
            (new { token_uid = new string('1', 37), location_id = "LOC1" }, "token_uid"),
            (new { token_uid = "0102", location_id = "LOC1", evse_uids = new[] { new string('E', 37) } }, "evse_uids[0]"),
            (new { token_uid = "0102", location_id = "LOC1", country_code = "DE" }, "party_id"),
        })
        {
            using var response = await cpo.Http.SendAsync(cpo.Operator(HttpMethod.Post, "/operator/authorize", body));
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.True(answer["status_code"]?.GetValue<int>() == 2001, answer.ToJsonString());
            Assert.Contains(field + ":", answer.Str("error"));
        }
    }

    [Fact]
    public async Task No_token_uid_or_contract_id_is_logged_in_clear()
    {
        var cpoLogs = new CapturingLogs();
        var emspLogs = new CapturingLogs();
        // What a deployment logs (the host's appsettings), with everything of the endpoint itself down to Debug.
        var verbose = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information", ["Logging:LogLevel:Roaming"] = "Debug" };
        var (cpo, emsp, _) = await ConnectAsync(verbose, b => b.Logging.AddProvider(cpoLogs), verbose, b => b.Logging.AddProvider(emspLogs));
        await using var _cpo = cpo;
        await using var _emsp = emsp;

        const string uid = "SECRET-UID-4711";
        var token = TokensTests.Token(uid, "NEVER");
        token["contract_id"] = "SECRET-CONTRACT-0815";
        await emsp.OperatorAsync(HttpMethod.Put, $"/operator/tokens/DE/MSP/{uid}", token, expect: 201);
        await Fixtures.Eventually(async () => await TokensTests.Received(cpo, uid) is not null, "the pushed token");
        Assert.True((await Authorize(cpo, uid))["authorized"]!.GetValue<bool>());
        Assert.False((await Authorize(cpo, "SECRET-UID-0000", country: "DE", party: "MSP"))["authorized"]!.GetValue<bool>());

        // A push that fails and is retried, and authorizations while the eMSP is down.
        await cpo.StopAsync();
        await emsp.OperatorAsync(HttpMethod.Patch, $"/operator/tokens/DE/MSP/{uid}", new { valid = false });
        await Fixtures.Eventually(() => Task.FromResult(emspLogs.Lines.Any(l => l.Contains("failed") && l.Contains("try"))), "a failed push in the eMSP's log");
        await cpo.StartAgainAsync();
        await emsp.StopAsync();
        Assert.False((await Authorize(cpo, uid))["authorized"]!.GetValue<bool>());

        Assert.Contains(cpoLogs.Lines, l => l.Contains("tok-"));
        foreach (var line in cpoLogs.Lines.Concat(emspLogs.Lines))
        {
            Assert.DoesNotContain("SECRET-UID", line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SECRET-CONTRACT", line, StringComparison.OrdinalIgnoreCase);
        }
    }
}

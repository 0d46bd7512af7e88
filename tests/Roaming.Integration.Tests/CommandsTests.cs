using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Roaming.Core.Commands;
using Roaming.Core.Tests;
using Roaming.Core.Types;

namespace Roaming.Integration.Tests;

/// <summary>
/// Commands between an eMSP endpoint (DE/MSP, the CSP) and a CPO endpoint (NL/CPO, the CSO), with a stand-in charging
/// station management system reading "commands-out" and answering through the operator API, and the CSP's app
/// reading "command-results": every command accepted and answered, refused, timed out; results delivered once
/// through a callback that was down; callbacks that must be refused; tokens START_SESSION may not use; a reservation
/// that expires; bad input.
/// </summary>
public class CommandsTests
{
    public sealed record Pair(TestEndpoint Cpo, TestEndpoint Emsp, string EmspAtCpo, string CpoAtEmsp) : IAsyncDisposable
    {
        public StandInBackOffice BackOffice { get; } = new(Cpo);
        public QueueReader CspApp { get; } = new(Emsp, "command-results");

        public async ValueTask DisposeAsync()
        {
            await Cpo.DisposeAsync();
            await Emsp.DisposeAsync();
        }
    }

    /// <summary>A location whose EVSEs can be reserved and unlocked, at the CPO; tokens of the eMSP: one valid, one blocked.</summary>
    public static async Task<Pair> ConnectAsync(Dictionary<string, string?>? cpoSettings = null, Dictionary<string, string?>? emspSettings = null,
        Action<WebApplicationBuilder>? emspHost = null, Action<WebApplicationBuilder>? cpoHost = null)
    {
        var settings = new Dictionary<string, string?>(Fixtures.FastRetries) { ["Roaming:CommandTimeout"] = "00:05:00" };
        foreach (var (k, v) in cpoSettings ?? []) settings[k] = v;
        var (cpo, emsp, emspAtCpo, cpoAtEmsp) = await Fixtures.ConnectAsync(settings, emspSettings: emspSettings, emspHost: emspHost, cpoHost: cpoHost,
            beforeRegistration: async c =>
            {
                await c.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/LOC1", Location("LOC1"), expect: 201);
                // Sessions as the back office reports them: S1 on a token of the test's eMSP, S2 on another eMSP's.
                await ReportSessionAsync(c, "S1", "MSP");
                await ReportSessionAsync(c, "S2", "XYZ");
            },
            emspBeforeRegistration: async e =>
            {
                await e.OperatorAsync(HttpMethod.Put, "/operator/tokens/DE/MSP/TOK1", TokensTests.Token("TOK1", "ALLOWED"), expect: 201);
                await e.OperatorAsync(HttpMethod.Put, "/operator/tokens/DE/MSP/BLOCKED1", TokensTests.Token("BLOCKED1", "ALLOWED", valid: false), expect: 201);
            });
        return new Pair(cpo, emsp, emspAtCpo, cpoAtEmsp);
    }

    /// <summary>A session of our CPO party on LOC1, reported through the operator API, once it is stored.</summary>
    private static async Task ReportSessionAsync(EndpointClient cpo, string id, string emspParty)
    {
        var session = CdrFixtures.Session();
        session["cdr_token"]!["party_id"] = emspParty;
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/sessions/NL/CPO/" + id, session, expect: 202);
        await Fixtures.Eventually(async () => (await cpo.OperatorAsync(HttpMethod.Get, "/operator/sessions?scope=own&country_code=NL&party_id=CPO&limit=100"))["items"]!.AsArray().Any(s => s!.Str("id") == id),
            $"session {id} stored");
    }

    public static JsonObject Location(string id)
    {
        var location = Fixtures.Location(id);
        foreach (var evse in location["evses"]!.AsArray())
            evse!["capabilities"] = new JsonArray("RFID_READER", "REMOTE_START_STOP_CAPABLE", "RESERVABLE", "UNLOCK_CAPABLE");
        return location;
    }

    /// <summary>A command from the CSP's app: to the CPO party, with the command's own fields.</summary>
    public static Task<JsonNode> SendAsync(EndpointClient emsp, string command, JsonObject fields, int expect = 201)
    {
        fields["country_code"] = "NL";
        fields["party_id"] = "CPO";
        fields["command"] = command;
        return emsp.OperatorAsync(HttpMethod.Post, "/operator/commands", fields, expect);
    }

    public static async Task<JsonNode> GetAsync(EndpointClient endpoint, string id) => await endpoint.OperatorAsync(HttpMethod.Get, "/operator/commands/" + id);

    /// <summary>Waits until the eMSP's record of a command is finished, and returns it.</summary>
    public static async Task<JsonNode> FinishedAsync(EndpointClient emsp, string id)
    {
        JsonNode? record = null;
        await Fixtures.Eventually(async () => (record = await GetAsync(emsp, id)).Str("state") == "FINISHED", $"command {id} finished at the eMSP");
        return record!;
    }

    private static JsonObject Start(string evse = "LOC1-E1") => new()
    {
        ["token"] = new JsonObject { ["uid"] = "TOK1", ["type"] = "RFID" },
        ["location_id"] = "LOC1",
        ["evse_uid"] = evse,
        ["connector_id"] = "1",
        ["authorization_reference"] = "AUTH-1",
    };

    public static async Task<string> EvseStatusAsync(EndpointClient endpoint, string evse, string scope = "own") =>
        (await endpoint.OperatorAsync(HttpMethod.Get, "/operator/locations/NL/CPO/LOC1?scope=" + scope))["evses"]!.AsArray()
            .Single(e => e!.Str("uid") == evse)!.Str("status");

    [Fact]
    public async Task A_start_session_goes_to_the_back_office_and_its_result_to_the_emsp_and_the_csp_app()
    {
        await using var pair = await ConnectAsync();

        var sent = await SendAsync(pair.Emsp, "START_SESSION", Start());
        Assert.Equal(("sent", "START_SESSION", "ACCEPTED"), (sent.Str("scope"), sent.Str("type"), sent.Str("response.result")));
        Assert.Equal(300, sent["response"]!["timeout"]!.GetValue<int>());
        Assert.Null(sent["callback_hash"]);
        // The token went whole, from the eMSP's own copy.
        Assert.Equal("DE-MSP-CTOK1", sent.Str("request.token.contract_id"));

        var request = await pair.BackOffice.NextAsync("START_SESSION");
        Assert.Equal(("commands", "NL", "CPO", "DE", "MSP", pair.EmspAtCpo), (request.Str("module"), request.Str("country_code"), request.Str("party_id"),
            request.Str("from_country_code"), request.Str("from_party_id"), request.Str("partner_id")));
        Assert.Equal(("TOK1", "LOC1", "LOC1-E1", "1"), (request.Str("request.token.uid"), request.Str("request.location_id"), request.Str("request.evse_uid"), request.Str("request.connector_id")));
        Assert.Null(request["request"]!["response_url"]);
        var atCpo = await GetAsync(pair.Cpo, request.Str("id"));
        Assert.Equal(("received", "WAITING"), (atCpo.Str("scope"), atCpo.Str("state")));

        var answered = await pair.BackOffice.AnswerAsync(request, "ACCEPTED");
        Assert.Equal(("FINISHED", "ACCEPTED"), (answered.Str("state"), answered.Str("outcome")));

        var finished = await FinishedAsync(pair.Emsp, sent.Str("id"));
        Assert.Equal("ACCEPTED", finished.Str("outcome"));
        Assert.Equal("ACCEPTED", finished.Str("results.0.result"));
        await Fixtures.Eventually(async () => (await GetAsync(pair.Cpo, request.Str("id")))["delivered"]!.GetValue<int>() == 1, "the delivery recorded at the CPO");

        var outcome = await pair.CspApp.NextAsync();
        Assert.Equal((sent.Str("id"), "commands", "START_SESSION", "ACCEPTED", "ACCEPTED"),
            (outcome.Str("id"), outcome.Str("module"), outcome.Str("type"), outcome.Str("response.result"), outcome.Str("outcome")));
        Assert.Equal(pair.CpoAtEmsp, outcome.Str("partner_id"));
    }

    public static JsonObject Fields(string command, string reservation = "R1", string evse = "LOC1-E1") => command switch
    {
        "START_SESSION" => Start(evse),
        "STOP_SESSION" => new JsonObject { ["session_id"] = "S1" },
        "UNLOCK_CONNECTOR" => new JsonObject { ["location_id"] = "LOC1", ["evse_uid"] = evse, ["connector_id"] = "2" },
        "RESERVE_NOW" => new JsonObject
        {
            ["token"] = new JsonObject { ["uid"] = "TOK1" }, ["reservation_id"] = reservation, ["location_id"] = "LOC1", ["evse_uid"] = evse,
            ["expiry_date"] = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ"),
        },
        "CANCEL_RESERVATION" => new JsonObject { ["reservation_id"] = reservation },
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    /// <summary>A command the back office answers with <paramref name="result"/>; returns the eMSP's finished record.</summary>
    private static async Task<JsonNode> RoundTripAsync(Pair pair, string command, JsonObject fields, string result)
    {
        var sent = await SendAsync(pair.Emsp, command, fields);
        Assert.Equal(("ACCEPTED", "WAITING"), (sent.Str("response.result"), sent.Str("state")));
        var request = await pair.BackOffice.NextAsync(command);
        await pair.BackOffice.AnswerAsync(request, result);
        var finished = await FinishedAsync(pair.Emsp, sent.Str("id"));
        Assert.Equal(result, finished.Str("outcome"));
        Assert.Equal(result, finished.Str("results.0.result"));
        return finished;
    }

    [Theory]
    [InlineData("START_SESSION")]
    [InlineData("STOP_SESSION")]
    [InlineData("RESERVE_NOW")]
    [InlineData("CANCEL_RESERVATION")]
    [InlineData("UNLOCK_CONNECTOR")]
    public async Task Every_command_is_accepted_and_answered_accepted_or_rejected_by_the_charge_point(string command)
    {
        await using var pair = await ConnectAsync();
        if (command == "CANCEL_RESERVATION")
        {
            await RoundTripAsync(pair, "RESERVE_NOW", Fields("RESERVE_NOW", "R1"), "ACCEPTED");
            await RoundTripAsync(pair, "RESERVE_NOW", Fields("RESERVE_NOW", "R2", "LOC1-E2"), "ACCEPTED");
        }

        var accepted = await RoundTripAsync(pair, command, Fields(command, "R1"), "ACCEPTED");
        var rejected = await RoundTripAsync(pair, command, Fields(command, "R2", "LOC1-E2"), "REJECTED");

        // The CSP's app hears of both outcomes, each once.
        var outcomes = new List<JsonNode>();
        while (await pair.CspApp.TryNextAsync() is { } outcome) outcomes.Add(outcome);
        Assert.Equal("ACCEPTED", Assert.Single(outcomes, o => o.Str("id") == accepted.Str("id")).Str("outcome"));
        Assert.Equal("REJECTED", Assert.Single(outcomes, o => o.Str("id") == rejected.Str("id")).Str("outcome"));
        // Both sides list it: sent at the eMSP, received at the CPO.
        var sentList = await pair.Emsp.OperatorAsync(HttpMethod.Get, "/operator/commands?scope=sent");
        Assert.Contains(sentList["items"]!.AsArray(), i => i!.Str("id") == accepted.Str("id"));
        var receivedList = await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/commands?scope=received");
        Assert.Contains(receivedList["items"]!.AsArray(), i => i!.Str("type") == command && i!.Str("outcome") == "REJECTED");
    }

    [Fact]
    public async Task A_reservation_shows_on_the_evse_until_it_is_cancelled_by_its_sender_or_by_the_cpo()
    {
        await using var pair = await ConnectAsync();
        await RoundTripAsync(pair, "RESERVE_NOW", Fields("RESERVE_NOW", "R1"), "ACCEPTED");
        Assert.Equal("RESERVED", await EvseStatusAsync(pair.Cpo, "LOC1-E1"));
        await Fixtures.Eventually(async () => await EvseStatusAsync(pair.Emsp, "LOC1-E1", "received") == "RESERVED", "RESERVED at the eMSP");
        // The back office sees a key of the reservation that is unique across eMSPs, never the eMSP's reservation_id alone.
        var reservations = await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/reservations");
        Assert.Equal(("DE|MSP|R1", true), (reservations.Str("items.0.id"), reservations["items"]![0]!["active"]!.GetValue<bool>()));

        // Cancelled by the eMSP.
        await RoundTripAsync(pair, "CANCEL_RESERVATION", Fields("CANCEL_RESERVATION", "R1"), "ACCEPTED");
        Assert.Equal("AVAILABLE", await EvseStatusAsync(pair.Cpo, "LOC1-E1"));
        await Fixtures.Eventually(async () => await EvseStatusAsync(pair.Emsp, "LOC1-E1", "received") == "AVAILABLE", "AVAILABLE again at the eMSP");
        // A reservation no longer there: the CPO refuses to cancel it.
        var again = await SendAsync(pair.Emsp, "CANCEL_RESERVATION", Fields("CANCEL_RESERVATION", "R1"));
        Assert.Equal(("REJECTED", "FINISHED", "REJECTED"), (again.Str("response.result"), again.Str("state"), again.Str("outcome")));

        // Cancelled by the CPO: the eMSP hears of it on the RESERVE_NOW's response_url, once.
        var reserved = await RoundTripAsync(pair, "RESERVE_NOW", Fields("RESERVE_NOW", "R3", "LOC1-E2"), "ACCEPTED");
        var atCpo = (await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/commands?scope=received"))["items"]!.AsArray()
            .Single(i => i!.Str("type") == "RESERVE_NOW" && i!.Str("request.reservation_id") == "R3")!;
        await pair.Cpo.OperatorAsync(HttpMethod.Post, $"/operator/commands/{atCpo.Str("id")}/result", new { result = "CANCELED_RESERVATION" });
        Assert.Equal("AVAILABLE", await EvseStatusAsync(pair.Cpo, "LOC1-E2"));
        await Fixtures.Eventually(async () => (await GetAsync(pair.Emsp, reserved.Str("id"))).Str("outcome") == "CANCELED_RESERVATION", "the cancellation at the eMSP");
        var cancelled = await GetAsync(pair.Emsp, reserved.Str("id"));
        Assert.Equal(["ACCEPTED", "CANCELED_RESERVATION"], cancelled["results"]!.AsArray().Select(r => r!.Str("result")));
        await pair.Cpo.OperatorAsync(HttpMethod.Post, $"/operator/commands/{atCpo.Str("id")}/result", new { result = "CANCELED_RESERVATION" }, expect: 409);

        // R1 ended as the eMSP cancelled it: not the CPO's to cancel any more.
        var r1 = (await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/commands?scope=received"))["items"]!.AsArray()
            .Single(i => i!.Str("type") == "RESERVE_NOW" && i!.Str("request.reservation_id") == "R1")!;
        await pair.Cpo.OperatorAsync(HttpMethod.Post, $"/operator/commands/{r1.Str("id")}/result", new { result = "CANCELED_RESERVATION" }, expect: 409);

        // A cancellation by the CPO whose report stopped after ending the reservation, before recording the result
        // (a host that stopped): reported again, it is recorded and reaches the eMSP.
        var r4 = await RoundTripAsync(pair, "RESERVE_NOW", Fields("RESERVE_NOW", "R4", "LOC1-E1"), "ACCEPTED");
        var r4AtCpo = (await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/commands?scope=received"))["items"]!.AsArray()
            .Single(i => i!.Str("type") == "RESERVE_NOW" && i!.Str("request.reservation_id") == "R4")!;
        await pair.Cpo.Services.GetRequiredService<Reservations>()
            .EndAsync(new PartyKey("NL", "CPO"), Reservations.Key(new PartyKey("DE", "MSP"), "R4"), Reservations.CancelledByUs, CancellationToken.None);
        await pair.Cpo.OperatorAsync(HttpMethod.Post, $"/operator/commands/{r4AtCpo.Str("id")}/result", new { result = "CANCELED_RESERVATION" });
        await Fixtures.Eventually(async () => (await GetAsync(pair.Emsp, r4.Str("id"))).Str("outcome") == "CANCELED_RESERVATION", "the completed cancellation at the eMSP");
    }

    [Fact]
    public async Task A_reservation_expires_and_its_evse_shows_its_earlier_status_again()
    {
        await using var pair = await ConnectAsync();
        var fields = Fields("RESERVE_NOW", "SHORT", "LOC1-E2");
        fields["expiry_date"] = DateTime.UtcNow.AddSeconds(3).ToString("yyyy-MM-ddTHH:mm:ssZ");
        await RoundTripAsync(pair, "RESERVE_NOW", fields, "ACCEPTED");
        Assert.Equal("RESERVED", await EvseStatusAsync(pair.Cpo, "LOC1-E2"));

        await Fixtures.Eventually(async () => !(await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/reservations"))["items"]![0]!["active"]!.GetValue<bool>(),
            "the reservation ended");
        var reservation = (await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/reservations"))["items"]!.AsArray().Single()!;
        Assert.Equal("EXPIRED", reservation.Str("ended"));
        Assert.Equal("AVAILABLE", await EvseStatusAsync(pair.Cpo, "LOC1-E2"));
        await Fixtures.Eventually(async () => await EvseStatusAsync(pair.Emsp, "LOC1-E2", "received") == "AVAILABLE", "AVAILABLE at the eMSP");
        // An expired reservation can no longer be cancelled.
        var cancel = await SendAsync(pair.Emsp, "CANCEL_RESERVATION", Fields("CANCEL_RESERVATION", "SHORT"));
        Assert.Equal("REJECTED", cancel.Str("response.result"));
    }

    [Fact]
    public async Task The_back_office_never_answering_gives_the_emsp_a_timeout_and_a_late_answer_is_refused()
    {
        await using var pair = await ConnectAsync(new() { ["Roaming:CommandTimeout"] = "00:00:01" });
        var sent = await SendAsync(pair.Emsp, "START_SESSION", Start());
        Assert.Equal(1, sent["response"]!["timeout"]!.GetValue<int>());
        var request = await pair.BackOffice.NextAsync("START_SESSION");

        var finished = await FinishedAsync(pair.Emsp, sent.Str("id"));
        Assert.Equal(("TIMEOUT", "TIMEOUT"), (finished.Str("outcome"), finished.Str("results.0.result")));
        var atCpo = await GetAsync(pair.Cpo, request.Str("id"));
        Assert.Equal(("FINISHED", "TIMEOUT"), (atCpo.Str("state"), atCpo.Str("outcome")));
        await pair.BackOffice.AnswerAsync(request, "ACCEPTED", expect: 409);
        Assert.Equal("TIMEOUT", (await pair.CspApp.NextAsync(o => o.Str("id") == sent.Str("id"))).Str("outcome"));
    }

    [Fact]
    public async Task A_cpo_that_never_calls_back_times_out_at_the_emsp_after_its_timeout_and_the_margin()
    {
        await using var emsp = await TestEndpoint.StartAsync([("DE", "MSP", "EMSP")], settings: new() { ["Roaming:CommandTimeoutMargin"] = "00:00:00.500" });
        await emsp.OperatorAsync(HttpMethod.Put, "/operator/tokens/DE/MSP/TOK1", TokensTests.Token("TOK1", "ALLOWED"), expect: 201);
        await using var cpo = await SloppyPartner.RegisterWithAsync(emsp, "CPO", p => { p.ReceivesCommands = true; p.CommandTimeout = 1; });

        var sent = await SendToSpecCpoAsync(emsp, Start());
        Assert.Equal(("ACCEPTED", 1), (sent.Str("response.result"), sent["response"]!["timeout"]!.GetValue<int>()));
        var finished = await FinishedAsync(emsp, sent.Str("id"));
        Assert.Equal("TIMEOUT", finished.Str("outcome"));
        Assert.Null(finished["results"]);
        Assert.Equal("TIMEOUT", (await new QueueReader(emsp, "command-results").NextAsync()).Str("outcome"));
    }

    private static Task<JsonNode> SendToSpecCpoAsync(EndpointClient emsp, JsonObject fields, string command = "START_SESSION")
    {
        fields["country_code"] = SloppyPartner.Country;
        fields["party_id"] = SloppyPartner.Party;
        fields["command"] = command;
        return emsp.OperatorAsync(HttpMethod.Post, "/operator/commands", fields, 201);
    }

    /// <summary>Answers 503 to the first <paramref name="failures"/> results posted to the eMSP's commands sender interface: its callback is down.</summary>
    private sealed class CallbackOutage(int failures) : Microsoft.AspNetCore.Hosting.IStartupFilter
    {
        private int _seen;
        public int Seen => Volatile.Read(ref _seen);
        public int Passed;

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (Microsoft.AspNetCore.Http.HttpContext context, Func<Task> rest) =>
            {
                if (context.Request.Method == "POST" && context.Request.Path.StartsWithSegments("/ocpi/emsp/2.2.1/commands"))
                {
                    if (Interlocked.Increment(ref _seen) <= failures)
                    {
                        context.Response.StatusCode = 503;
                        return;
                    }
                    await rest();
                    if (context.Response.StatusCode == 200) Interlocked.Increment(ref Passed);
                    return;
                }
                await rest();
            });
            next(app);
        };
    }

    [Fact]
    public async Task A_result_ready_while_the_emsp_callback_is_down_is_retried_and_delivered_once()
    {
        var outage = new CallbackOutage(failures: 2);
        await using var pair = await ConnectAsync(emspHost: b => b.Services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(outage));
        var sent = await SendAsync(pair.Emsp, "UNLOCK_CONNECTOR", Fields("UNLOCK_CONNECTOR"));
        var request = await pair.BackOffice.NextAsync("UNLOCK_CONNECTOR");
        await pair.BackOffice.AnswerAsync(request, "ACCEPTED");

        var finished = await FinishedAsync(pair.Emsp, sent.Str("id"));
        Assert.Equal("ACCEPTED", Assert.Single(finished["results"]!.AsArray())!.Str("result"));
        await Fixtures.Eventually(async () => (await GetAsync(pair.Cpo, request.Str("id")))["delivered"]!.GetValue<int>() == 1, "the delivery recorded at the CPO");
        // The answer that reached the CPO may leave the eMSP's pipeline a moment after the CPO recorded it.
        await Fixtures.Eventually(() => Task.FromResult(Volatile.Read(ref outage.Passed) == 1), "the one delivery counted");
        Assert.Equal(3, outage.Seen);
        Assert.Equal("ACCEPTED", (await pair.CspApp.NextAsync()).Str("outcome"));
    }

    [Fact]
    public async Task The_callback_takes_only_its_commands_result_once_from_that_partner()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await emsp.OperatorAsync(HttpMethod.Put, "/operator/tokens/DE/MSP/TOK1", TokensTests.Token("TOK1", "ALLOWED"), expect: 201);
        await using var cpo = await SloppyPartner.RegisterWithAsync(emsp, "CPO", p => p.ReceivesCommands = true);
        var a = await SendToSpecCpoAsync(emsp, Start());
        var b = await SendToSpecCpoAsync(emsp, new JsonObject { ["session_id"] = "S1" }, "STOP_SESSION");
        var urls = cpo.Platform.Commands.ToDictionary(c => c.Command, c => c.Body.Str("response_url"));
        var urlA = urls["START_SESSION"];
        var urlB = urls["STOP_SESSION"];
        Assert.StartsWith(emsp.BaseUri.GetLeftPart(UriPartial.Authority) + "/ocpi/emsp/2.2.1/commands/START_SESSION/" + a.Str("id") + "/", urlA);
        const string accepted = """{"result":"ACCEPTED"}""";

        async Task<(int Http, int Status)> Post(string url, string? token = null)
        {
            var (http, body, _) = await emsp.OcpiAsync(HttpMethod.Post, url, token ?? cpo.Token, accepted);
            return (http, body["status_code"]!.GetValue<int>());
        }

        Assert.Equal(401, (await Post(urlA, "not-a-token")).Http);
        Assert.Equal((404, 2001), await Post(urlA[..^4] + "AAAA"));
        // The secret is bound to its command: not to B's id, not to another command type.
        var secretA = urlA[(urlA.LastIndexOf('/') + 1)..];
        Assert.Equal((404, 2001), await Post(urlB[..(urlB.LastIndexOf('/') + 1)] + secretA));
        Assert.Equal((404, 2001), await Post(urlA.Replace("/START_SESSION/", "/STOP_SESSION/")));
        // Nothing of that reached the record.
        Assert.Equal("WAITING", (await GetAsync(emsp, a.Str("id"))).Str("state"));

        Assert.Equal((200, 1000), await Post(urlA));
        Assert.Equal((404, 2001), await Post(urlA));
        var record = await GetAsync(emsp, a.Str("id"));
        Assert.Equal(("FINISHED", "ACCEPTED"), (record.Str("state"), record.Str("outcome")));
        Assert.Single(record["results"]!.AsArray());

        // Another CPO connection may not answer for this one.
        await using var other = await SloppyPartner.RegisterWithAsync(emsp, "CPO", p => p.ReceivesCommands = true, party: "SPD");
        Assert.Equal((404, 2001), await Post(urlB, other.Token));
        Assert.Equal("WAITING", (await GetAsync(emsp, b.Str("id"))).Str("state"));
        Assert.Equal((200, 1000), await Post(urlB));
    }

    [Fact]
    public async Task A_start_session_token_is_authorized_by_its_emsp_not_checked_by_the_cpo()
    {
        await using var pair = await ConnectAsync();
        // A valid token the CPO never received (an app user's, say): the CPO passes it to the station unchecked.
        var unknown = Start();
        unknown["token"] = TokensTests.Token("NEVERPUSHED", "ALLOWED");
        var sent = await SendAsync(pair.Emsp, "START_SESSION", unknown);
        Assert.Equal(("WAITING", "ACCEPTED"), (sent.Str("state"), sent.Str("response.result")));
        Assert.Equal("NEVERPUSHED", (await pair.BackOffice.NextAsync("START_SESSION")).Str("request.token.uid"));

        // A token the eMSP holds as not valid never leaves it, named by uid or given whole as valid.
        var blocked = Start();
        blocked["token"] = new JsonObject { ["uid"] = "BLOCKED1" };
        Assert.Contains("token", (await SendAsync(pair.Emsp, "START_SESSION", blocked, expect: 400)).Str("error"));
        blocked["token"] = TokensTests.Token("BLOCKED1", "ALLOWED");
        Assert.Contains("token", (await SendAsync(pair.Emsp, "START_SESSION", blocked, expect: 400)).Str("error"));
        var reserve = new JsonObject
        {
            ["token"] = new JsonObject { ["uid"] = "BLOCKED1" }, ["reservation_id"] = "R9", ["location_id"] = "LOC1",
            ["expiry_date"] = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };
        await SendAsync(pair.Emsp, "RESERVE_NOW", reserve, expect: 400);
        var received = (await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/commands?scope=received"))["items"]!.AsArray();
        Assert.Single(received);
    }

    [Fact]
    public async Task The_cpo_refuses_unknown_locations_and_sessions_and_the_sessions_of_other_emsps()
    {
        await using var pair = await ConnectAsync();

        var unknownLocation = Fields("UNLOCK_CONNECTOR");
        unknownLocation["location_id"] = "NOWHERE";
        var refused = await SendAsync(pair.Emsp, "UNLOCK_CONNECTOR", unknownLocation);
        Assert.Equal("REJECTED", refused.Str("outcome"));
        Assert.Contains("2003", refused.Str("error"));
        var unknownConnector = Fields("UNLOCK_CONNECTOR");
        unknownConnector["connector_id"] = "9";
        Assert.Contains("2003", (await SendAsync(pair.Emsp, "UNLOCK_CONNECTOR", unknownConnector)).Str("error"));

        var unknownSession = await SendAsync(pair.Emsp, "STOP_SESSION", new JsonObject { ["session_id"] = "S9" });
        Assert.Equal(("UNKNOWN_SESSION", "UNKNOWN_SESSION"), (unknownSession.Str("response.result"), unknownSession.Str("outcome")));
        var notTheirs = await SendAsync(pair.Emsp, "STOP_SESSION", new JsonObject { ["session_id"] = "S2" });
        Assert.Equal("REJECTED", notTheirs.Str("response.result"));
        await RoundTripAsync(pair, "STOP_SESSION", new JsonObject { ["session_id"] = "S1" }, "ACCEPTED");
    }

    [Fact]
    public async Task Bad_input_answers_2001()
    {
        await using var pair = await ConnectAsync();
        await using var emsp = await SloppyPartner.ConnectAsync(pair.Cpo, "EMSP");
        async Task<(int, int)> Post(string command, string json)
        {
            var (http, body, _) = await emsp.CallAsync(pair.Cpo, HttpMethod.Post, "/ocpi/cpo/2.2.1/commands/" + command, json);
            return (http, body["status_code"]!.GetValue<int>());
        }

        var start = $$"""{"response_url":"https://emsp.example.com/r/1","token":{{TokensTests.Token("T1", country: "BE", party: "SPC").ToJsonString()}},"location_id":"LOC1"}""";
        Assert.Equal((200, 2001), await Post("FLY", start));
        Assert.Equal((200, 2001), await Post("START_SESSION", start.Replace("\"location_id\":\"LOC1\"", "\"location_id\":\"" + new string('L', 37) + "\"")));
        Assert.Equal((200, 2001), await Post("START_SESSION", start.Replace("https://emsp.example.com/r/1", "not a url")));
        Assert.Equal((200, 2001), await Post("START_SESSION", start.Replace(",\"location_id\":\"LOC1\"", ",\"connector_id\":\"1\",\"location_id\":\"LOC1\"")));
        Assert.Equal((200, 2001), await Post("STOP_SESSION", """{"response_url":"https://emsp.example.com/r/1"}"""));
        Assert.Equal((200, 2001), await Post("RESERVE_NOW", start.Replace("\"location_id\"", "\"reservation_id\":\"R1\",\"expiry_date\":\"2020-01-01T00:00:00Z\",\"location_id\"")));
        Assert.Equal((400, 2001), await Post("UNLOCK_CONNECTOR", "{not json"));
        Assert.Empty(await pair.BackOffice.Requests.PeekAsync());

        // The operator API reads strictly: 400 naming the field.
        var noCommand = await pair.Emsp.OperatorAsync(HttpMethod.Post, "/operator/commands", new { country_code = "NL", party_id = "CPO" }, expect: 400);
        Assert.Contains("command", noCommand.Str("error"));
        await pair.Emsp.OperatorAsync(HttpMethod.Post, "/operator/commands", new { country_code = "NL", party_id = "CPO", command = "STOP_SESSION" }, expect: 400);
        await pair.Cpo.OperatorAsync(HttpMethod.Post, "/operator/commands/AAAAAAAAAAAAAAAAAAAAAA/result", new { result = "ACCEPTED" }, expect: 404);
    }

    [SkippableFact]
    public async Task The_spec_examples_token_starts_a_session_at_the_spec_examples_location()
    {
        var location = JsonNode.Parse(SpecExamples.Read("location_example.json"))!.AsObject();
        var token = JsonNode.Parse(SpecExamples.Read("token_example_1_app_user.json"))!.AsObject();
        (location["country_code"], location["party_id"]) = ("NL", "CPO");
        (token["country_code"], token["party_id"]) = ("DE", "MSP");
        await using var pair = await ConnectAsync();
        // The example's id is LOC1: it takes the place of the test's own LOC1.
        await pair.Cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/" + location.Str("id"), location);
        await pair.Emsp.OperatorAsync(HttpMethod.Put, $"/operator/tokens/DE/MSP/{token.Str("uid")}?type=APP_USER", token, expect: 201);

        var evse = location.Str("evses.0.uid");
        var sent = await SendAsync(pair.Emsp, "START_SESSION", new JsonObject
        {
            ["token"] = token.DeepClone(), ["location_id"] = location.Str("id"), ["evse_uid"] = evse,
        });
        Assert.Equal("ACCEPTED", sent.Str("response.result"));
        var request = await pair.BackOffice.NextAsync("START_SESSION");
        Assert.Equal((token.Str("uid"), "APP_USER", evse), (request.Str("request.token.uid"), request.Str("request.token.type"), request.Str("request.evse_uid")));
        await pair.BackOffice.AnswerAsync(request, "ACCEPTED");
        Assert.Equal("ACCEPTED", (await FinishedAsync(pair.Emsp, sent.Str("id"))).Str("outcome"));
    }

    [Fact]
    public async Task No_token_uid_or_response_url_secret_is_logged()
    {
        var cpoLogs = new CapturingLogs();
        var emspLogs = new CapturingLogs();
        var outage = new CallbackOutage(failures: 1);
        var cpoSettings = CapturingLogs.Verbose();
        cpoSettings["Roaming:CommandTimeout"] = "00:05:00";
        await using var pair = await ConnectAsync(cpoSettings, CapturingLogs.Verbose(), cpoHost: b => b.Logging.AddProvider(cpoLogs),
            emspHost: b =>
            {
                b.Logging.AddProvider(emspLogs);
                b.Services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(outage);
            });
        const string uid = "SECRET-UID-4711";
        await pair.Emsp.OperatorAsync(HttpMethod.Put, $"/operator/tokens/DE/MSP/{uid}", TokensTests.Token(uid, "NEVER"), expect: 201);

        var start = Start();
        start["token"] = new JsonObject { ["uid"] = uid };
        var sent = await SendAsync(pair.Emsp, "START_SESSION", start);
        var request = await pair.BackOffice.NextAsync("START_SESSION");
        await pair.BackOffice.AnswerAsync(request, "ACCEPTED");
        await FinishedAsync(pair.Emsp, sent.Str("id"));
        var unknown = Start();
        unknown["token"] = TokensTests.Token("SECRET-UID-0000", "ALLOWED");
        Assert.Equal("ACCEPTED", (await SendAsync(pair.Emsp, "START_SESSION", unknown)).Str("response.result"));
        var refused = Start();
        refused["connector_id"] = "9";
        refused["token"] = TokensTests.Token("SECRET-UID-0001", "ALLOWED");
        Assert.Equal("REJECTED", (await SendAsync(pair.Emsp, "START_SESSION", refused)).Str("outcome"));

        var responseUrl = (await GetAsync(pair.Cpo, request.Str("id"))).Str("response_url");
        var secret = responseUrl[(responseUrl.LastIndexOf('/') + 1)..];
        Assert.Contains(cpoLogs.Lines, l => l.Contains("tok-"));
        // The delivery that failed was logged, naming the request, not its URL.
        Assert.Contains(cpoLogs.Lines, l => l.Contains("the response_url of commands request " + request.Str("id")));
        foreach (var line in cpoLogs.Lines.Concat(emspLogs.Lines))
        {
            Assert.DoesNotContain("SECRET-UID", line, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
        }
    }
}

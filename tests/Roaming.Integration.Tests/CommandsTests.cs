using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
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
            beforeRegistration: c => c.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/LOC1", Location("LOC1"), expect: 201),
            emspBeforeRegistration: async e =>
            {
                await e.OperatorAsync(HttpMethod.Put, "/operator/tokens/DE/MSP/TOK1", TokensTests.Token("TOK1", "ALLOWED"), expect: 201);
                await e.OperatorAsync(HttpMethod.Put, "/operator/tokens/DE/MSP/BLOCKED1", TokensTests.Token("BLOCKED1", "ALLOWED", valid: false), expect: 201);
            });
        return new Pair(cpo, emsp, emspAtCpo, cpoAtEmsp);
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

    private static async Task<string> EvseStatusAsync(EndpointClient endpoint, string evse, string scope = "own") =>
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
}

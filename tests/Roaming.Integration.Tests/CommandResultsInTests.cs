using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Commands;
using Roaming.Core.Queues;

namespace Roaming.Integration.Tests;

/// <summary>
/// The CSO's back office reporting charge points' answers on "command-results-in" instead of the operator API, between
/// the eMSP and CPO endpoints of <see cref="CommandsTests"/>: a result on the queue reaches the eMSP as one posted does
/// (a reservation begins and ends, a charging profile is kept); messages the API would refuse are parked with the API's
/// reason and change nothing; a message tried again after its result was recorded is done, not parked; one that meets
/// storage down is left to the queue to try again.
/// </summary>
public class CommandResultsInTests
{
    private const string Poison = "/operator/queues/command-results-in/poison";

    private static JsonObject Result(string result) => new() { ["result"] = result };

    private static Task<JsonNode> SentAsync(EndpointClient endpoint, string module, string id) =>
        endpoint.OperatorAsync(HttpMethod.Get, $"/operator/{module}/{id}");

    private static async Task<JsonNode> FinishedAsync(EndpointClient emsp, string module, string id)
    {
        JsonNode? record = null;
        await Fixtures.Eventually(async () => (record = await SentAsync(emsp, module, id)).Str("state") == "FINISHED", $"{module} request {id} finished at the eMSP");
        return record!;
    }

    /// <summary>Waits until <paramref name="count"/> messages are parked, and returns them.</summary>
    private static async Task<JsonArray> ParkedAsync(TestEndpoint cpo, int count)
    {
        await Fixtures.Eventually(async () => await Fixtures.TotalAsync(cpo, Poison) >= count, $"{count} messages parked");
        var parked = (await cpo.OperatorAsync(HttpMethod.Get, Poison))["items"]!.AsArray();
        Assert.Equal(count, parked.Count);
        return parked;
    }

    [Fact]
    public async Task A_result_on_the_queue_reaches_the_emsp_exactly_as_one_posted_to_the_operator_api()
    {
        await using var pair = await CommandsTests.ConnectAsync();

        var posted = await CommandsTests.SendAsync(pair.Emsp, "START_SESSION", CommandsTests.Fields("START_SESSION"));
        var postedRequest = await pair.BackOffice.NextAsync("START_SESSION");
        await pair.BackOffice.AnswerAsync(postedRequest, "ACCEPTED");
        var queued = await CommandsTests.SendAsync(pair.Emsp, "START_SESSION", CommandsTests.Fields("START_SESSION"));
        var queuedRequest = await pair.BackOffice.NextAsync("START_SESSION");
        await pair.BackOffice.ReportOnQueueAsync(queuedRequest, Result("ACCEPTED"));

        // At the eMSP: the same outcome and results, whichever way the CSO's back office reported.
        var viaPost = await FinishedAsync(pair.Emsp, "commands", posted.Str("id"));
        var viaQueue = await FinishedAsync(pair.Emsp, "commands", queued.Str("id"));
        Assert.Equal("ACCEPTED", viaQueue.Str("outcome"));
        Assert.Equal(viaPost.Str("outcome"), viaQueue.Str("outcome"));
        Assert.True(JsonNode.DeepEquals(viaPost["results"], viaQueue["results"]), $"{viaPost["results"]} vs {viaQueue["results"]}");
        // At the CPO: recorded the same, and delivered once.
        await Fixtures.Eventually(async () => (await SentAsync(pair.Cpo, "commands", queuedRequest.Str("id")))["delivered"]!.GetValue<int>() == 1, "the delivery recorded at the CPO");
        var cpoPost = await SentAsync(pair.Cpo, "commands", postedRequest.Str("id"));
        var cpoQueue = await SentAsync(pair.Cpo, "commands", queuedRequest.Str("id"));
        Assert.Equal((cpoPost.Str("state"), cpoPost.Str("outcome")), (cpoQueue.Str("state"), cpoQueue.Str("outcome")));
        Assert.True(JsonNode.DeepEquals(cpoPost["results"], cpoQueue["results"]));
        // The CSP's app hears of it as of the other.
        var outcome = await pair.CspApp.NextAsync(o => o.Str("id") == queued.Str("id"));
        Assert.Equal(("ACCEPTED", "ACCEPTED"), (outcome.Str("outcome"), outcome.Str("result.result")));
        Assert.Equal(0, await Fixtures.TotalAsync(pair.Cpo, Poison));
    }

    [Fact]
    public async Task A_reservation_accepted_on_the_queue_shows_on_the_evse_and_the_cpos_cancellation_on_the_queue_ends_it()
    {
        await using var pair = await CommandsTests.ConnectAsync();
        var sent = await CommandsTests.SendAsync(pair.Emsp, "RESERVE_NOW", CommandsTests.Fields("RESERVE_NOW", "R1"));
        var request = await pair.BackOffice.NextAsync("RESERVE_NOW");
        await pair.BackOffice.ReportOnQueueAsync(request, Result("ACCEPTED"));

        Assert.Equal("ACCEPTED", (await FinishedAsync(pair.Emsp, "commands", sent.Str("id"))).Str("outcome"));
        Assert.Equal("RESERVED", await CommandsTests.EvseStatusAsync(pair.Cpo, "LOC1-E1"));
        await Fixtures.Eventually(async () => await CommandsTests.EvseStatusAsync(pair.Emsp, "LOC1-E1", "received") == "RESERVED", "RESERVED at the eMSP");
        var reservation = (await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/reservations"))["items"]!.AsArray().Single()!;
        Assert.Equal(("DE|MSP|R1", true, request.Str("id")), (reservation.Str("id"), reservation["active"]!.GetValue<bool>(), reservation.Str("request_id")));

        // The CPO cancels it, on the queue too: the EVSE is free again and the eMSP hears of it on the same response_url.
        await pair.BackOffice.ReportOnQueueAsync(request, Result("CANCELED_RESERVATION"));
        await Fixtures.Eventually(async () => (await SentAsync(pair.Emsp, "commands", sent.Str("id"))).Str("outcome") == "CANCELED_RESERVATION", "the cancellation at the eMSP");
        Assert.Equal(["ACCEPTED", "CANCELED_RESERVATION"], (await SentAsync(pair.Emsp, "commands", sent.Str("id")))["results"]!.AsArray().Select(r => r!.Str("result")));
        Assert.Equal("AVAILABLE", await CommandsTests.EvseStatusAsync(pair.Cpo, "LOC1-E1"));
        Assert.Equal("CANCELED_RESERVATION", (await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/reservations"))["items"]![0]!.Str("ended"));
        Assert.Equal(0, await Fixtures.TotalAsync(pair.Cpo, Poison));
    }

    [Fact]
    public async Task A_charging_profile_result_on_the_queue_reaches_the_sender_and_the_cpo_keeps_the_profile()
    {
        await using var pair = await CommandsTests.ConnectAsync();
        var profile = new JsonObject
        {
            ["charging_rate_unit"] = "A",
            ["charging_profile_period"] = new JsonArray(new JsonObject { ["start_period"] = 0, ["limit"] = 16 }),
        };
        var set = await pair.Emsp.OperatorAsync(HttpMethod.Post, "/operator/chargingprofiles", new JsonObject
        {
            ["country_code"] = "NL", ["party_id"] = "CPO", ["session_id"] = "S1", ["request"] = "SET_CHARGING_PROFILE", ["charging_profile"] = profile,
        }, expect: 201);
        var request = await pair.BackOffice.NextAsync("SET_CHARGING_PROFILE");
        Assert.Equal("chargingprofiles", request.Str("module"));
        await pair.BackOffice.ReportOnQueueAsync(request, Result("ACCEPTED"));

        var finished = await FinishedAsync(pair.Emsp, "chargingprofiles", set.Str("id"));
        Assert.Equal(("ACCEPTED", "ACCEPTED"), (finished.Str("outcome"), finished.Str("results.0.result")));
        // The CPO knows who set the session's profile (so it can tell that sender of changes of the active profile).
        var kept = await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/chargingprofiles/sessions/NL/CPO/S1?scope=own");
        Assert.Equal((pair.EmspAtCpo, "16"), (kept.Str("partner_id"), kept.Str("charging_profile.charging_profile_period.0.limit")));

        // GET_ACTIVE_CHARGING_PROFILE: the result in its request's shape, the profile included.
        var get = await pair.Emsp.OperatorAsync(HttpMethod.Post, "/operator/chargingprofiles", new JsonObject
        {
            ["country_code"] = "NL", ["party_id"] = "CPO", ["session_id"] = "S1", ["request"] = "GET_ACTIVE_CHARGING_PROFILE", ["duration"] = 900,
        }, expect: 201);
        request = await pair.BackOffice.NextAsync("GET_ACTIVE_CHARGING_PROFILE");
        var active = new JsonObject
        {
            ["start_date_time"] = "2026-05-01T10:00:00Z",
            ["charging_profile"] = new JsonObject
            {
                ["charging_rate_unit"] = "A", ["duration"] = 900,
                ["charging_profile_period"] = new JsonArray(new JsonObject { ["start_period"] = 0, ["limit"] = 12 }),
            },
        };
        await pair.BackOffice.ReportOnQueueAsync(request, new JsonObject { ["result"] = "ACCEPTED", ["profile"] = active });
        var got = await FinishedAsync(pair.Emsp, "chargingprofiles", get.Str("id"));
        Assert.Equal("12", got.Str("results.0.profile.charging_profile.charging_profile_period.0.limit"));
        Assert.Equal("12", (await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/chargingprofiles/sessions/NL/CPO/S1?scope=own"))
            .Str("active_charging_profile.charging_profile.charging_profile_period.0.limit"));
        Assert.Equal(0, await Fixtures.TotalAsync(pair.Cpo, Poison));
    }

    [Fact]
    public async Task Bad_messages_are_parked_with_their_reasons_at_once_and_change_nothing()
    {
        await using var pair = await CommandsTests.ConnectAsync();
        var sent = await CommandsTests.SendAsync(pair.Emsp, "START_SESSION", CommandsTests.Fields("START_SESSION"));
        var request = await pair.BackOffice.NextAsync("START_SESSION");
        var id = request.Str("id");

        await pair.BackOffice.WriteAsync("{\"id\": \"" + id + "\", ");
        await pair.BackOffice.WriteAsync(new JsonObject { ["id"] = "AAAAAAAAAAAAAAAAAAAAAA", ["module"] = "commands", ["result"] = Result("ACCEPTED") }.ToJsonString());
        await pair.BackOffice.WriteAsync(new JsonObject { ["id"] = id, ["module"] = "tokens", ["result"] = Result("ACCEPTED") }.ToJsonString());
        await pair.BackOffice.WriteAsync(new JsonObject { ["id"] = id, ["module"] = "commands", ["result"] = Result("MAYBE") }.ToJsonString());
        // A charging profile's result for a command: no charging profile request has that id.
        await pair.BackOffice.WriteAsync(new JsonObject { ["id"] = id, ["module"] = "chargingprofiles", ["result"] = Result("ACCEPTED") }.ToJsonString());

        var parked = await ParkedAsync(pair.Cpo, 5);
        JsonNode Parked(Func<string, bool> message) => Assert.Single(parked, p => message(p!.Str("message")))!;
        Assert.Contains("(body): malformed JSON", Parked(m => m.EndsWith(", ", StringComparison.Ordinal)).Str("reason"));
        Assert.Equal("No command AAAAAAAAAAAAAAAAAAAAAA.", Parked(m => m.Contains("AAAAAAAAAAAAAAAAAAAAAA")).Str("reason"));
        Assert.Contains("module: must be one of chargingprofiles, commands", Parked(m => m.Contains("tokens")).Str("reason"));
        Assert.Contains($"the result for commands request {id}: Invalid or missing parameters: result", Parked(m => m.Contains("MAYBE")).Str("reason"));
        Assert.Equal($"No charging profile request {id}.", Parked(m => m.Contains("chargingprofiles")).Str("reason"));
        // Parked at once, on their first try.
        Assert.All(parked, p => Assert.Equal(1, p!["attempts"]!.GetValue<long>()));

        // Nothing was written: the command still waits at both ends, with no result.
        var atCpo = await SentAsync(pair.Cpo, "commands", id);
        Assert.Equal(("WAITING", null), (atCpo.Str("state"), atCpo["results"]));
        Assert.Equal("WAITING", (await SentAsync(pair.Emsp, "commands", sent.Str("id"))).Str("state"));

        // Its answer on the queue is taken; a second one is parked with the reason the operator API gives as 409.
        await pair.BackOffice.ReportOnQueueAsync(request, Result("ACCEPTED"));
        Assert.Equal("ACCEPTED", (await FinishedAsync(pair.Emsp, "commands", sent.Str("id"))).Str("outcome"));
        await pair.BackOffice.ReportOnQueueAsync(request, Result("REJECTED"));
        parked = await ParkedAsync(pair.Cpo, 6);
        var refusal = await pair.BackOffice.AnswerAsync(request, "REJECTED", expect: 409);
        Assert.Equal(refusal.Str("error"), Parked(m => m.Contains("REJECTED")).Str("reason"));
        Assert.Contains("takes no result now", refusal.Str("error"));

        await Fixtures.Eventually(async () => (await SentAsync(pair.Cpo, "commands", id))["delivered"]!.GetValue<int>() == 1, "the delivery recorded at the CPO");
        atCpo = await SentAsync(pair.Cpo, "commands", id);
        Assert.Equal(["ACCEPTED"], atCpo["results"]!.AsArray().Select(r => r!.Str("result")));
        Assert.Equal(["ACCEPTED"], (await SentAsync(pair.Emsp, "commands", sent.Str("id")))["results"]!.AsArray().Select(r => r!.Str("result")));
    }

    [Fact]
    public async Task A_message_tried_again_after_its_result_was_recorded_is_done_and_another_result_is_still_parked()
    {
        await using var pair = await CommandsTests.ConnectAsync();
        var sent = await CommandsTests.SendAsync(pair.Emsp, "UNLOCK_CONNECTOR", CommandsTests.Fields("UNLOCK_CONNECTOR"));
        var request = await pair.BackOffice.NextAsync("UNLOCK_CONNECTOR");
        await pair.BackOffice.ReportOnQueueAsync(request, Result("ACCEPTED"));
        await FinishedAsync(pair.Emsp, "commands", sent.Str("id"));

        // The same message again, as the queue hands it over when a host stopped before deleting it (second try).
        var processor = pair.Cpo.Services.GetServices<IQueueProcessor>().Single(p => p.QueueName == CommandResultsInProcessor.Name);
        Work Message(string result) => new(new JsonObject { ["id"] = request.Str("id"), ["module"] = "commands", ["result"] = Result(result) }.ToJsonString());
        await processor.ProcessAsync(Message("ACCEPTED").Again, CancellationToken.None);
        Assert.Equal(0, await Fixtures.TotalAsync(pair.Cpo, Poison));
        var atCpo = await SentAsync(pair.Cpo, "commands", request.Str("id"));
        Assert.Equal(["ACCEPTED"], atCpo["results"]!.AsArray().Select(r => r!.Str("result")));

        // Another result on a second try is still a second result: parked.
        await processor.ProcessAsync(Message("REJECTED").Again, CancellationToken.None);
        Assert.Contains("takes no result now", (await ParkedAsync(pair.Cpo, 1))[0]!.Str("reason"));
        Assert.Equal(["ACCEPTED"], (await SentAsync(pair.Cpo, "commands", request.Str("id")))["results"]!.AsArray().Select(r => r!.Str("result")));
    }

    [Fact]
    public async Task A_result_that_meets_storage_down_is_left_to_the_queue_to_try_again_and_then_taken()
    {
        // The CPO's own storage, so it can be paused (connections accepted, never answered) without touching the shared one.
        await using var storage = await PrivateAzurite.StartAsync();
        await using var pair = await CommandsTests.ConnectAsync(new()
        {
            ["Storage"] = storage.ConnectionString,
            ["Roaming:StorageRetry:NetworkTimeout"] = "00:00:01",
            ["Roaming:StorageRetry:MaxRetries"] = "1",
        });
        var sent = await CommandsTests.SendAsync(pair.Emsp, "START_SESSION", CommandsTests.Fields("START_SESSION"));
        var id = (await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/commands?scope=received"))["items"]!.AsArray().Single(i => i!.Str("type") == "START_SESSION")!.Str("id");
        var message = new JsonObject { ["id"] = id, ["module"] = "commands", ["result"] = Result("ACCEPTED") }.ToJsonString();
        var processor = pair.Cpo.Services.GetRequiredService<CommandResultsInProcessor>();

        storage.Pause();
        Exception? failure;
        try
        {
            failure = await Record.ExceptionAsync(() => processor.ProcessAsync(new Work(message).First, CancellationToken.None));
        }
        finally
        {
            storage.Resume();
        }
        // Failed, but not as a message that can never succeed: the queue tries it again (and parks it only after its last try).
        Assert.NotNull(failure);
        Assert.IsNotType<UnprocessableMessageException>(failure);
        Assert.Equal(("WAITING", null), ((await SentAsync(pair.Cpo, "commands", id)).Str("state"), (await SentAsync(pair.Cpo, "commands", id))["results"]));

        await processor.ProcessAsync(new Work(message).Again, CancellationToken.None);
        Assert.Equal("ACCEPTED", (await FinishedAsync(pair.Emsp, "commands", sent.Str("id"))).Str("outcome"));
    }

    private sealed record Work(string Body)
    {
        public QueueWork First => new("m-" + Guid.NewGuid().ToString("N"), Encoding.UTF8.GetBytes(Body), DequeueCount: 1, InsertedOn: DateTimeOffset.UtcNow);

        public QueueWork Again => new("m-" + Guid.NewGuid().ToString("N"), Encoding.UTF8.GetBytes(Body), DequeueCount: 2, InsertedOn: DateTimeOffset.UtcNow);
    }
}

using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Commands;
using Roaming.Core.Types;

namespace Roaming.Integration.Tests;

/// <summary>
/// Smart charging between the eMSP endpoint (the sender) and the CPO endpoint (the receiver), with the stand-in back
/// office answering the requests from "commands-out": a profile set, the active profile asked for and cleared end to
/// end; the CPO telling the sender of a changed active profile; refusals for unknown and other eMSPs' sessions; a
/// request the back office leaves unanswered; bad input.
/// </summary>
public class ChargingProfilesTests
{
    private static JsonObject Profile(decimal second = 8.5m) => new()
    {
        ["charging_rate_unit"] = "A",
        ["min_charging_rate"] = 6,
        ["charging_profile_period"] = new JsonArray(
            new JsonObject { ["start_period"] = 0, ["limit"] = 16 },
            new JsonObject { ["start_period"] = 900, ["limit"] = second }),
    };

    private static JsonObject Active(decimal limit) => new()
    {
        ["start_date_time"] = "2026-05-01T10:00:00Z",
        ["charging_profile"] = new JsonObject
        {
            ["charging_rate_unit"] = "A",
            ["duration"] = 1800,
            ["charging_profile_period"] = new JsonArray(new JsonObject { ["start_period"] = 0, ["limit"] = limit }),
        },
    };

    private static Task<JsonNode> RequestAsync(EndpointClient emsp, string request, string session = "S1", JsonObject? more = null, int expect = 201)
    {
        var body = new JsonObject { ["country_code"] = "NL", ["party_id"] = "CPO", ["session_id"] = session, ["request"] = request };
        foreach (var (k, v) in more ?? []) body[k] = v?.DeepClone();
        return emsp.OperatorAsync(HttpMethod.Post, "/operator/chargingprofiles", body, expect);
    }

    private static async Task<JsonNode> FinishedAsync(EndpointClient emsp, string id)
    {
        JsonNode? record = null;
        await Fixtures.Eventually(async () => (record = await emsp.OperatorAsync(HttpMethod.Get, "/operator/chargingprofiles/" + id)).Str("state") == "FINISHED",
            $"charging profile request {id} finished at the eMSP");
        return record!;
    }

    private static async Task<JsonNode?> SessionAsync(EndpointClient endpoint, string scope, string session = "S1")
    {
        using var response = await endpoint.Http.SendAsync(endpoint.Operator(HttpMethod.Get, $"/operator/chargingprofiles/sessions/NL/CPO/{session}?scope={scope}"));
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
    }

    [Fact]
    public async Task A_profile_is_set_read_and_cleared_end_to_end_and_changes_of_the_active_profile_reach_the_sender()
    {
        await using var pair = await CommandsTests.ConnectAsync();

        // Set: the back office gets the profile, the EVSE accepts it.
        var set = await RequestAsync(pair.Emsp, "SET_CHARGING_PROFILE", more: new JsonObject { ["charging_profile"] = Profile() });
        Assert.Equal(("SET_CHARGING_PROFILE", "ACCEPTED", 300), (set.Str("type"), set.Str("response.result"), set["response"]!["timeout"]!.GetValue<int>()));
        var request = await pair.BackOffice.NextAsync("SET_CHARGING_PROFILE");
        Assert.Equal(("chargingprofiles", "S1", "8.5"), (request.Str("module"), request.Str("request.session_id"), request.Str("request.charging_profile.charging_profile_period.1.limit")));
        Assert.Equal("/operator/chargingprofiles/" + request.Str("id") + "/result", request.Str("result_path"));
        await pair.BackOffice.AnswerAsync(request, "ACCEPTED");
        Assert.Equal("ACCEPTED", (await FinishedAsync(pair.Emsp, set.Str("id"))).Str("outcome"));
        Assert.Equal("16", (await SessionAsync(pair.Emsp, "received"))!.Str("charging_profile.charging_profile_period.0.limit"));
        Assert.Equal("ACCEPTED", (await pair.CspApp.NextAsync()).Str("outcome"));

        // Get: the active profile comes back in the result.
        var get = await RequestAsync(pair.Emsp, "GET_ACTIVE_CHARGING_PROFILE", more: new JsonObject { ["duration"] = 900 });
        request = await pair.BackOffice.NextAsync("GET_ACTIVE_CHARGING_PROFILE");
        Assert.Equal("900", request.Str("request.duration"));
        await pair.Cpo.OperatorAsync(HttpMethod.Post, request.Str("result_path"), new JsonObject { ["result"] = "ACCEPTED", ["profile"] = Active(12) });
        var got = await FinishedAsync(pair.Emsp, get.Str("id"));
        Assert.Equal("12", got.Str("results.0.profile.charging_profile.charging_profile_period.0.limit"));
        Assert.Equal("12", (await SessionAsync(pair.Emsp, "received"))!.Str("active_charging_profile.charging_profile.charging_profile_period.0.limit"));

        // The CPO's back office reports a new active profile: PUT to the sender that set one.
        var updated = await pair.Cpo.OperatorAsync(HttpMethod.Put, "/operator/chargingprofiles/sessions/NL/CPO/S1", Active(10));
        Assert.Equal(pair.EmspAtCpo, updated.Str("partner_id"));
        await Fixtures.Eventually(async () => (await SessionAsync(pair.Emsp, "received"))!.Str("active_charging_profile.charging_profile.charging_profile_period.0.limit") == "10",
            "the new active profile at the eMSP");

        // Clear.
        var clear = await RequestAsync(pair.Emsp, "CLEAR_PROFILE");
        request = await pair.BackOffice.NextAsync("CLEAR_PROFILE");
        await pair.BackOffice.AnswerAsync(request, "ACCEPTED");
        Assert.Equal("ACCEPTED", (await FinishedAsync(pair.Emsp, clear.Str("id"))).Str("outcome"));

        // A session no sender set a profile on has nobody to tell.
        await pair.Cpo.OperatorAsync(HttpMethod.Put, "/operator/chargingprofiles/sessions/NL/CPO/S2", Active(10), expect: 409);
    }

    [Fact]
    public async Task The_cpo_refuses_unknown_sessions_and_other_emsps_sessions_and_an_unanswered_request_times_out_at_the_sender()
    {
        await using var pair = await CommandsTests.ConnectAsync(new() { ["Roaming:CommandTimeout"] = "00:00:01" },
            emspSettings: new() { ["Roaming:CommandTimeoutMargin"] = "00:00:00.500" });

        var unknown = await RequestAsync(pair.Emsp, "CLEAR_PROFILE", "S9");
        Assert.Equal(("UNKNOWN_SESSION", "FINISHED"), (unknown.Str("response.result"), unknown.Str("state")));
        var theirs = await RequestAsync(pair.Emsp, "GET_ACTIVE_CHARGING_PROFILE", "S2", new JsonObject { ["duration"] = 60 });
        Assert.Equal("REJECTED", theirs.Str("response.result"));
        Assert.Empty(await pair.BackOffice.Requests.PeekAsync());

        // No TIMEOUT exists among the results of charging profiles: the CPO sends none, the sender times out on its own.
        var set = await RequestAsync(pair.Emsp, "SET_CHARGING_PROFILE", more: new JsonObject { ["charging_profile"] = Profile() });
        var request = await pair.BackOffice.NextAsync("SET_CHARGING_PROFILE");
        var finished = await FinishedAsync(pair.Emsp, set.Str("id"));
        Assert.Equal("TIMEOUT", finished.Str("outcome"));
        Assert.Null(finished["results"]);
        var atCpo = await pair.Cpo.OperatorAsync(HttpMethod.Get, "/operator/chargingprofiles/" + request.Str("id"));
        Assert.Equal(("TIMEOUT", 0), (atCpo.Str("outcome"), atCpo["delivered"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_session_asked_about_more_often_than_the_cpo_allows_gets_TOO_OFTEN_and_other_kinds_are_counted_apart()
    {
        await using var pair = await CommandsTests.ConnectAsync(new() { ["Roaming:ChargingProfileBurst"] = "2", ["Roaming:ChargingProfileInterval"] = "01:00:00" });
        var duration = new JsonObject { ["duration"] = 60 };
        Assert.Equal("ACCEPTED", (await RequestAsync(pair.Emsp, "GET_ACTIVE_CHARGING_PROFILE", more: duration)).Str("response.result"));
        Assert.Equal("ACCEPTED", (await RequestAsync(pair.Emsp, "GET_ACTIVE_CHARGING_PROFILE", more: duration)).Str("response.result"));
        var third = await RequestAsync(pair.Emsp, "GET_ACTIVE_CHARGING_PROFILE", more: duration);
        Assert.Equal(("TOO_OFTEN", "FINISHED"), (third.Str("response.result"), third.Str("state")));
        Assert.Equal("ACCEPTED", (await RequestAsync(pair.Emsp, "CLEAR_PROFILE")).Str("response.result"));
        // Only what was accepted reached the back office.
        await pair.BackOffice.NextAsync("GET_ACTIVE_CHARGING_PROFILE");
        await pair.BackOffice.NextAsync("GET_ACTIVE_CHARGING_PROFILE");
        await pair.BackOffice.NextAsync("CLEAR_PROFILE");
        Assert.Empty(await pair.BackOffice.Requests.PeekAsync());
    }

    [Fact]
    public async Task Bad_input_answers_2001()
    {
        await using var pair = await CommandsTests.ConnectAsync();
        await using var emsp = await SloppyPartner.ConnectAsync(pair.Cpo, "EMSP");
        async Task<(int, int)> Call(HttpMethod method, string path, string? json = null)
        {
            var (http, body, _) = await emsp.CallAsync(pair.Cpo, method, "/ocpi/cpo/2.2.1/chargingprofiles/" + path, json);
            return (http, body["status_code"]!.GetValue<int>());
        }

        const string url = "response_url=https%3A%2F%2Femsp.example.com%2Fr%2F1";
        Assert.Equal((200, 2001), await Call(HttpMethod.Get, "S1?" + url));
        Assert.Equal((200, 2001), await Call(HttpMethod.Get, "S1?duration=-5&" + url));
        Assert.Equal((200, 2001), await Call(HttpMethod.Get, "S1?duration=900&response_url=nowhere"));
        Assert.Equal((200, 2001), await Call(HttpMethod.Delete, "S1"));
        Assert.Equal((200, 2001), await Call(HttpMethod.Delete, new string('S', 37) + "?" + url));
        var set = new JsonObject { ["charging_profile"] = Profile(8.15m), ["response_url"] = "https://emsp.example.com/r/1" };
        Assert.Equal((200, 2001), await Call(HttpMethod.Put, "S1", set.ToJsonString()));
        set["charging_profile"] = Profile();
        set["charging_profile"]!["charging_profile_period"]![1]!["start_period"] = 0;
        Assert.Equal((200, 2001), await Call(HttpMethod.Put, "S1", set.ToJsonString()));
        Assert.Equal((400, 2001), await Call(HttpMethod.Put, "S1", "{nope"));
        Assert.Empty(await pair.BackOffice.Requests.PeekAsync());

        // A partner telling us of an active profile of a session we set none on learns nothing.
        await using var cpo = await SloppyPartner.ConnectAsync(pair.Emsp, "CPO");
        var (http, body, _) = await cpo.CallAsync(pair.Emsp, HttpMethod.Put, "/ocpi/emsp/2.2.1/chargingprofiles/S1", Active(10).ToJsonString());
        Assert.Equal((404, 2001), (http, body["status_code"]!.GetValue<int>()));
        (http, body, _) = await cpo.CallAsync(pair.Emsp, HttpMethod.Put, "/ocpi/emsp/2.2.1/chargingprofiles/S1", """{"charging_profile":{}}""");
        Assert.Equal((200, 2001), (http, body["status_code"]!.GetValue<int>()));

        await RequestAsync(pair.Emsp, "GET_ACTIVE_CHARGING_PROFILE", expect: 400);
        await RequestAsync(pair.Emsp, "SET_CHARGING_PROFILE", expect: 400);
        await RequestAsync(pair.Emsp, "BOOST", expect: 400);
    }
}

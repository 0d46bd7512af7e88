using System.Net;
using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>
/// Many writers of one location at once, through the back office of a CPO endpoint that pushes to an eMSP endpoint:
/// every call is answered (never 500), the newest change is what is stored, and the partner ends with what the CPO has.
/// </summary>
public class LocationsConcurrencyTests
{
    private static readonly string[] Statuses = ["AVAILABLE", "CHARGING", "BLOCKED", "RESERVED", "OUTOFORDER"];

    private static async Task<JsonNode?> ReceivedEvse(TestEndpoint emsp, string location, int index)
    {
        using var response = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Get, $"/operator/locations/NL/CPO/{location}?scope=received"));
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["evses"]![index] : null;
    }

    [Fact]
    public async Task A_hundred_parallel_updates_of_one_evse_are_all_answered_the_newest_is_kept_and_the_partner_converges()
    {
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/CONC1", Fixtures.Location("CONC1", evses: 3), expect: 201);
        await Fixtures.Eventually(async () => await ReceivedEvse(emsp, "CONC1", 0) is not null, "the location at the eMSP");

        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            using var response = await cpo.Http.SendAsync(cpo.Operator(HttpMethod.Patch, "/operator/locations/NL/CPO/CONC1/CONC1-E1", new { status = Statuses[i % 5] }));
            return (response.StatusCode, Body: JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        }));
        Assert.All(answers, a => Assert.True(a.StatusCode == HttpStatusCode.OK, a.Body.ToJsonString()));
        // Each change got its own time, later than the one it replaced; the last applied is the one stored.
        Assert.Equal(100, answers.Select(a => a.Body.Str("last_updated")).Distinct().Count());
        var newest = answers.MaxBy(a => DateTimeOffset.Parse(a.Body.Str("last_updated"))).Body;
        var stored = (await cpo.OperatorAsync(HttpMethod.Get, "/operator/locations/NL/CPO/CONC1"))["evses"]![0]!;
        Assert.Equal(newest.Str("status"), stored.Str("status"));
        Assert.Equal(newest.Str("last_updated"), stored.Str("last_updated"));

        await Fixtures.Eventually(async () => (await ReceivedEvse(emsp, "CONC1", 0))?.Str("last_updated") == stored.Str("last_updated"), "the eMSP at the newest change");
        Assert.Equal(stored.Str("status"), (await ReceivedEvse(emsp, "CONC1", 0))!.Str("status"));
    }

    [Fact]
    public async Task Two_instances_updating_one_evse_at_once_answer_each_call_never_with_500()
    {
        await using var cpo1 = await TestEndpoint.StartCpoAsync();
        await using var cpo2 = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: new Dictionary<string, string?>(cpo1.HostSettings));
        await cpo1.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/CONC2", Fixtures.Location("CONC2", evses: 2), expect: 201);

        // The instances contend on the EVSE's row: conflicts are retried with backoff; one that keeps losing is told to try again.
        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            var via = i % 2 == 0 ? cpo1 : cpo2;
            using var response = await via.Http.SendAsync(via.Operator(HttpMethod.Patch, "/operator/locations/NL/CPO/CONC2/CONC2-E1", new { status = Statuses[i % 5] }));
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter, Body: JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        }));
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, a.Body.ToJsonString()));
        Assert.All(answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable), a =>
        {
            Assert.Equal(3000, a.Body["status_code"]!.GetValue<int>());
            Assert.NotNull(a.RetryAfter);
        });
        var done = answers.Where(a => a.StatusCode == HttpStatusCode.OK).Select(a => a.Body).ToList();
        Assert.NotEmpty(done);
        var newest = done.MaxBy(b => DateTimeOffset.Parse(b.Str("last_updated")))!;
        var stored = (await cpo1.OperatorAsync(HttpMethod.Get, "/operator/locations/NL/CPO/CONC2"))["evses"]![0]!;
        Assert.Equal(newest.Str("last_updated"), stored.Str("last_updated"));
        Assert.Equal(newest.Str("status"), stored.Str("status"));
    }

    [Fact]
    public async Task Sixty_parallel_bulk_calls_on_one_location_are_all_answered_and_the_partner_converges()
    {
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/BULK1", Fixtures.Location("BULK1", evses: 10), expect: 201);
        await Fixtures.Eventually(async () => await ReceivedEvse(emsp, "BULK1", 0) is not null, "the location at the eMSP");

        var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(async call =>
        {
            var items = Enumerable.Range(1, 10).Select(e => new
            {
                country_code = "NL", party_id = "CPO", location_id = "BULK1", evse_uid = $"BULK1-E{e}", status = Statuses[(call + e) % 5],
            });
            using var response = await cpo.Http.SendAsync(cpo.Operator(HttpMethod.Post, "/operator/locations/evse-statuses", items));
            return (response.StatusCode, Body: JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
        }));
        Assert.All(answers, a =>
        {
            Assert.True(a.StatusCode == HttpStatusCode.OK, a.Body.ToJsonString());
            Assert.Equal(10, a.Body["updated"]!.GetValue<int>());
        });

        var stored = (await cpo.OperatorAsync(HttpMethod.Get, "/operator/locations/NL/CPO/BULK1"))["evses"]!.AsArray();
        await Fixtures.Eventually(async () =>
        {
            for (var i = 0; i < stored.Count; i++)
                if ((await ReceivedEvse(emsp, "BULK1", i))?.Str("last_updated") != stored[i]!.Str("last_updated")) return false;
            return true;
        }, "every EVSE at the eMSP at its newest change");
        for (var i = 0; i < stored.Count; i++) Assert.Equal(stored[i]!.Str("status"), (await ReceivedEvse(emsp, "BULK1", i))!.Str("status"));
    }

    [Fact]
    public async Task Changes_of_one_evse_reach_a_partner_in_order_when_two_instances_push_at_once()
    {
        await using var cpo1 = await TestEndpoint.StartCpoAsync();
        await using var partner = await SpecPartner.StartAsync();
        await partner.RegisteredByAsync(cpo1);
        // A second instance of the same deployment: same storage, same keys, its own queue processing.
        await using var cpo2 = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: new Dictionary<string, string?>(cpo1.HostSettings));
        await cpo1.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/ORD1", Fixtures.Location("ORD1", evses: 1), expect: 201);
        await Fixtures.Eventually(() => Task.FromResult(partner.LocationPushes.Any(p => p.Method == "PUT")), "the location at the partner");

        // A slow partner (each call takes 0-40 ms) and changes made one after the other through either instance.
        partner.ReceiverDelay = () => TimeSpan.FromMilliseconds(Random.Shared.Next(0, 40));
        string last = "";
        for (var i = 0; i < 60; i++)
        {
            var via = i % 2 == 0 ? cpo1 : cpo2;
            last = (await via.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/ORD1/ORD1-E1", new { status = Statuses[i % 5] })).Str("last_updated");
        }

        List<string> Sent() => partner.LocationPushes.Where(p => p.Path.EndsWith("/ORD1/ORD1-E1", StringComparison.Ordinal)).Select(p => p.Body.Str("last_updated")).ToList();
        await Fixtures.Eventually(() => Task.FromResult(Sent().LastOrDefault() == last), "the last change at the partner");
        var sent = Sent();
        // Never an older state after a newer one (repeats of one state are allowed; changes made meanwhile may be folded).
        Assert.Equal(sent.OrderBy(t => DateTimeOffset.Parse(t)), sent);
    }
}

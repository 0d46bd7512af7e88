using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Roaming.Azure.Queues;

namespace Roaming.Integration.Tests;

/// <summary>
/// A CPO endpoint and an eMSP endpoint, registered with each other through the credentials handshake:
/// locations travel by push (operator API → table → queue → PUT/PATCH at the partner) and by pull.
/// </summary>
public class LocationsPushPullTests
{
    private static async Task<JsonNode?> Received(TestEndpoint emsp, string id)
    {
        using var response = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Get, $"/operator/locations/NL/CPO/{id}?scope=received"));
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
    }

    [Fact]
    public async Task A_published_location_and_a_status_change_arrive_at_the_emsp_by_push()
    {
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;

        var location = Fixtures.Location("PUSH1");
        location.Remove("last_updated"); // the back office may leave it to the endpoint
        var stored = await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/PUSH1", location, expect: 201);
        await Fixtures.Eventually(async () => await Received(emsp, "PUSH1") is not null, "the location at the eMSP");
        var arrived = (await Received(emsp, "PUSH1"))!;
        Assert.Equal(stored.Str("last_updated"), arrived.Str("last_updated"));
        Assert.Equal(2, arrived["evses"]!.AsArray().Count);

        // A status change goes out as a PATCH of the EVSE.
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/PUSH1/PUSH1-E2", new { status = "CHARGING" });
        await Fixtures.Eventually(async () => (await Received(emsp, "PUSH1"))!.Str("evses.1.status") == "CHARGING", "the status change at the eMSP");

        // And the bulk form, many EVSEs in one call and one queue message.
        var bulk = await cpo.OperatorAsync(HttpMethod.Post, "/operator/locations/evse-statuses", new object[]
        {
            new { country_code = "NL", party_id = "CPO", location_id = "PUSH1", evse_uid = "PUSH1-E1", status = "BLOCKED" },
            new { country_code = "NL", party_id = "CPO", location_id = "PUSH1", evse_uid = "PUSH1-E2", status = "AVAILABLE" },
            new { country_code = "NL", party_id = "CPO", location_id = "PUSH1", evse_uid = "NOPE", status = "AVAILABLE" },
        });
        Assert.Equal(2, bulk["updated"]!.GetValue<int>());
        Assert.Equal(2, bulk["failed"]![0]!["index"]!.GetValue<int>());
        await Fixtures.Eventually(async () =>
        {
            var l = (await Received(emsp, "PUSH1"))!;
            return l.Str("evses.0.status") == "BLOCKED" && l.Str("evses.1.status") == "AVAILABLE";
        }, "the bulk status changes at the eMSP");
    }

    [Fact]
    public async Task With_the_emsp_down_pushes_wait_and_arrive_once_it_is_back()
    {
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/DOWN1", Fixtures.Location("DOWN1"), expect: 201);
        await Fixtures.Eventually(async () => await Received(emsp, "DOWN1") is not null, "the first push");

        await emsp.StopAsync();
        var started = DateTime.UtcNow;
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/DOWN1/DOWN1-E1", new { status = "OUTOFORDER" });
        // The back-office call did not wait for the partner.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        await Task.Delay(1500); // a few failed tries
        await emsp.StartAgainAsync();
        await Fixtures.Eventually(async () => (await Received(emsp, "DOWN1"))!.Str("evses.0.status") == "OUTOFORDER", "the retried push");
    }

    [Fact]
    public async Task A_partner_down_for_good_gets_the_poison_queue_and_a_resync_flag()
    {
        var settings = new Dictionary<string, string?>(Fixtures.FastRetries) { ["Roaming:PushMaxAttempts"] = "2", ["Roaming:PushRetryDelay"] = "00:00:00.100" };
        var (cpo, emsp, emspAtCpo, _) = await Fixtures.ConnectAsync(settings);
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await emsp.StopAsync();
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/GONE1", Fixtures.Location("GONE1"), expect: 201);

        var poison = cpo.Services.GetRequiredService<StorageQueues>().Get("ocpi-push-poison");
        await Fixtures.Eventually(async () => (await poison.PeekMessagesAsync(1)).Value.Length == 1, "the push in the poison queue");
        await Fixtures.Eventually(async () => (await cpo.OperatorAsync(HttpMethod.Get, "/operator/partners/" + emspAtCpo))["needs_resync"]!.GetValue<bool>(),
            "the partner marked for resync");
    }

    [Fact]
    public async Task The_pulls_a_registration_starts_wait_for_the_partner_to_finish_its_side_and_succeed_on_their_first_try()
    {
        // The CPO registers with the eMSP: the eMSP starts its pulls while answering, before the CPO has stored that
        // answer, and the CPO refuses its token on other modules until it has. Sent at once, every first page failed
        // and came back only after the queue's visibility timeout.
        // The CPO takes half a second to receive the answer (a slow link), as real partners take to store it.
        var emspLogs = new CapturingLogs();
        var (cpo, emsp, _, cpoAtEmsp) = await Fixtures.ConnectAsync(
            beforeRegistration: c => c.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/FIRST1", Fixtures.Location("FIRST1"), expect: 201),
            emspHost: b => b.Logging.AddProvider(emspLogs),
            cpoHost: b => b.Services.ConfigureHttpClientDefaults(c => c.AddHttpMessageHandler(() => new SlowCredentialsAnswers())));
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        Assert.All(await FirstPullsAsync(emsp, cpoAtEmsp, 30), j => Assert.Equal("Succeeded", j!["state"]!.GetValue<string>()));
        Assert.NotNull(await Received(emsp, "FIRST1"));
        Assert.DoesNotContain(emspLogs.Lines, l => l.Contains("ocpi-sync failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_partner_that_stores_its_registration_later_than_the_pulls_wait_is_still_pulled_by_them()
    {
        // Six seconds to store the answer, twice the wait: the first pages are refused (401). While the registration is
        // young they are asked again every two seconds instead of using up the queue's tries (none between them here).
        var (cpo, emsp, _, cpoAtEmsp) = await Fixtures.ConnectAsync(
            beforeRegistration: c => c.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/LATE1", Fixtures.Location("LATE1"), expect: 201),
            cpoHost: b => b.Services.ConfigureHttpClientDefaults(c => c.AddHttpMessageHandler(() => new SlowCredentialsAnswers(6_000))));
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        Assert.All(await FirstPullsAsync(emsp, cpoAtEmsp, 60), j => Assert.Equal("Succeeded", j!["state"]!.GetValue<string>()));
        Assert.NotNull(await Received(emsp, "LATE1"));
    }

    /// <summary>The sync jobs a registration started, once none is running.</summary>
    private static async Task<JsonArray> FirstPullsAsync(TestEndpoint emsp, string partner, int seconds)
    {
        JsonArray jobs = null!;
        await Fixtures.Eventually(async () =>
        {
            jobs = (await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{partner}/sync")).AsArray();
            return jobs.Count > 0 && jobs.All(j => j!["state"]!.GetValue<string>() != "Running");
        }, "the first pulls done", seconds);
        return jobs;
    }

    [Fact]
    public async Task A_partner_that_answers_429_with_Retry_After_is_not_pushed_to_again_before_then()
    {
        // Hubs rate-limit status pushes per partner; their gateway answers 429 with Retry-After and no OCPI envelope.
        var (cpo, partner, _) = await RateLimitingPartnerAsync(retryAfterSeconds: 3, refusals: 1, ("Roaming:PushMaxRetryDelay", "00:00:30"));
        await using var _cpo = cpo;
        await using var _partner = partner;
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/RA1", Fixtures.Location("RA1"), expect: 201);

        await Fixtures.Eventually(() => Task.FromResult(!partner.Refused.IsEmpty), "the push refused");
        await Fixtures.Eventually(() => Task.FromResult(partner.LocationPushes.Any(p => p.Path.EndsWith("/RA1", StringComparison.Ordinal))), "the push sent again");
        // Our own retry delay (200 ms) would have sent it at once; the partner's word is kept.
        var sent = partner.LocationPushes.First(p => p.Path.EndsWith("/RA1", StringComparison.Ordinal)).At;
        Assert.True(sent - partner.Refused.Single() >= TimeSpan.FromSeconds(2.9), "sent again before the partner's Retry-After");
    }

    [Fact]
    public async Task A_partner_that_keeps_rate_limiting_pushes_gets_them_in_the_end_and_is_not_marked_for_a_resync()
    {
        // More 429s in a row than the push may fail: a rate limit is the partner's pace, not a failure.
        var (cpo, partner, partnerId) = await RateLimitingPartnerAsync(retryAfterSeconds: 1, refusals: 5, ("Roaming:PushMaxAttempts", "2"));
        await using var _cpo = cpo;
        await using var _partner = partner;
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/RL1", Fixtures.Location("RL1"), expect: 201);

        await Fixtures.Eventually(() => Task.FromResult(partner.LocationPushes.Any(p => p.Path.EndsWith("/RL1", StringComparison.Ordinal))), "the push delivered");
        Assert.Equal(5, partner.Refused.Count);
        Assert.False((await cpo.OperatorAsync(HttpMethod.Get, "/operator/partners/" + partnerId))["needs_resync"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_partner_that_rate_limits_pushes_for_longer_than_the_patience_has_them_count_as_tries_and_is_marked_for_a_resync()
    {
        // Patience is time since the first refusal, not a number of refusals: at a 1 s Retry-After, a hundred of them
        // would have kept this push out of the tries for well over a minute.
        var (cpo, partner, partnerId) = await RateLimitingPartnerAsync(retryAfterSeconds: 1, refusals: 1_000,
            ("Roaming:PushMaxAttempts", "2"), ("Roaming:PacePatience", "00:00:02"));
        await using var _cpo = cpo;
        await using var _partner = partner;
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/RP1", Fixtures.Location("RP1"), expect: 201);

        await Fixtures.Eventually(async () => (await cpo.OperatorAsync(HttpMethod.Get, "/operator/partners/" + partnerId))["needs_resync"]!.GetValue<bool>(),
            "the partner marked for a resync", seconds: 30);
        // Put off while the patience lasted (about two refusals), then the first push and its two retries.
        Assert.InRange(partner.Refused.Count, 4, 8);
        Assert.DoesNotContain(partner.LocationPushes, p => p.Path.EndsWith("/RP1", StringComparison.Ordinal));
    }

    /// <summary>
    /// A CPO that retries failed pushes after 200 ms (and the settings given), and a partner registered with it that
    /// answers its next <paramref name="refusals"/> pushes 429 with a Retry-After, as a hub's gateway does.
    /// </summary>
    private static async Task<(TestEndpoint Cpo, SpecPartner Partner, string PartnerId)> RateLimitingPartnerAsync(int retryAfterSeconds, int refusals,
        params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?> { ["Roaming:PushRetryDelay"] = "00:00:00.200" };
        foreach (var (key, value) in settings) all[key] = value;
        var cpo = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: all);
        var partner = await SpecPartner.StartAsync();
        var partnerId = await partner.RegisteredByAsync(cpo);
        partner.RetryAfterSeconds = retryAfterSeconds;
        partner.RefuseNext = refusals;
        return (cpo, partner, partnerId);
    }

    [Fact]
    public async Task Pushes_to_a_partner_keep_to_the_pace_the_operator_set_for_it()
    {
        // A hub publishes its limit (e.g. 2,000 status pushes a minute); ours is set lower so that bursts never meet its 429s.
        await using var cpo = await TestEndpoint.StartCpoAsync();
        await using var partner = await SpecPartner.StartAsync();
        var partnerId = await partner.RegisteredByAsync(cpo);
        var refused = await cpo.OperatorAsync(HttpMethod.Put, $"/operator/partners/{partnerId}/outbound-pace", new { requests_per_minute = 0 }, expect: 400);
        Assert.Contains("requests_per_minute", refused.Str("error"));
        var view = await cpo.OperatorAsync(HttpMethod.Put, $"/operator/partners/{partnerId}/outbound-pace", new { requests_per_minute = 60 });
        Assert.Equal(60, view["outbound_requests_per_minute"]!.GetValue<int>());

        var ids = new[] { "PACE1", "PACE2", "PACE3", "PACE4" };
        await Task.WhenAll(ids.Select(id => cpo.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Fixtures.Location(id, evses: 1), expect: 201)));

        await Fixtures.Eventually(() => Task.FromResult(partner.LocationPushes.Count(p => p.Path.Contains("/PACE", StringComparison.Ordinal)) == ids.Length), "every location pushed");
        // One a second, however many are ready at once (without the pace the four arrive within milliseconds); the
        // limiter's clock ticks once a second and each call's own latency varies (under a loaded CI by more than half a
        // second), so the gaps are read loosely and the whole span strictly.
        var times = partner.LocationPushes.Where(p => p.Path.Contains("/PACE", StringComparison.Ordinal)).Select(p => p.At).Order().ToList();
        Assert.All(times.Zip(times.Skip(1)), t => Assert.True(t.Second - t.First >= TimeSpan.FromMilliseconds(100), $"pushed {(t.Second - t.First).TotalMilliseconds:F0} ms after the one before"));
        Assert.True(times[^1] - times[0] >= TimeSpan.FromSeconds(2.5), $"four pushes within {(times[^1] - times[0]).TotalMilliseconds:F0} ms");

        // Off again: the next ones go as fast as they come.
        view = await cpo.OperatorAsync(HttpMethod.Put, $"/operator/partners/{partnerId}/outbound-pace", new { requests_per_minute = (int?)null });
        Assert.Null(view["outbound_requests_per_minute"]);
    }

    [Fact]
    public async Task The_emsps_full_pull_of_2000_locations_in_pages_of_100_ends_with_the_cpos_set()
    {
        var ids = Enumerable.Range(0, 2000).Select(i => $"PULL{i:D4}").ToList();
        var (cpo, emsp, _, cpoAtEmsp) = await Fixtures.ConnectAsync(beforeRegistration: async c =>
        {
            // Published before any partner exists: nothing is pushed, the eMSP must pull.
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
                await c.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Fixtures.Location(id, evses: 1), expect: 201));
        // Two clocks on one machine: no skew to allow for, so the delta below starts right where the full pull did.
        }, emspSettings: new() { ["Roaming:SyncClockSkew"] = "00:00:00" });
        await using var _cpo = cpo;
        await using var _emsp = emsp;

        // Registration starts a full pull at the eMSP; the operator sees its progress.
        JsonNode job = null!;
        await Fixtures.Eventually(async () =>
        {
            var jobs = (await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{cpoAtEmsp}/sync")).AsArray();
            job = jobs.FirstOrDefault(j => j!["module"]!.GetValue<string>() == "locations")!;
            return job is not null && job["state"]!.GetValue<string>() != "Running";
        }, "the first full sync", seconds: 300);
        Assert.Equal("Succeeded", job.Str("state"));
        Assert.Equal(20, job["pages"]!.GetValue<int>());
        Assert.Equal(2000, job["stored"]!.GetValue<int>());
        Assert.Equal(0, job["failed"]!.GetValue<int>());

        var received = new List<string>();
        string? next = "/operator/locations?scope=received&limit=1000";
        while (next is not null)
        {
            var page = await emsp.OperatorAsync(HttpMethod.Get, next.Replace(emsp.BaseUri.GetLeftPart(UriPartial.Authority), ""));
            received.AddRange(page["items"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));
            next = page["next"]?.GetValue<string>();
        }
        Assert.Equal(ids, received.Order());

        // A location the CPO no longer lists disappears at the next full sync; a delta sync fetches only changes.
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/PULL0001/PULL0001-E1", new { status = "CHARGING" });
        var delta = await emsp.OperatorAsync(HttpMethod.Post, $"/operator/partners/{cpoAtEmsp}/sync", new { module = "locations", mode = "Delta" }, expect: 202);
        await Fixtures.Eventually(async () => (await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{cpoAtEmsp}/sync/{delta.Str("job_id")}")).Str("state") == "Succeeded", "the delta sync");
        var deltaJob = await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{cpoAtEmsp}/sync/{delta.Str("job_id")}");
        Assert.True(deltaJob["fetched"]!.GetValue<int>() < 2000, deltaJob.ToJsonString());
        Assert.Equal("CHARGING", (await Received(emsp, "PULL0001"))!.Str("evses.0.status"));
    }

    [Fact]
    public async Task The_sender_interface_pages_with_links_and_answers_2003_for_unknown_objects()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        await using var partner = await SpecPartner.StartAsync();
        foreach (var id in Enumerable.Range(0, 25).Select(i => $"S{i:D2}"))
            await cpo.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Fixtures.Location(id, evses: 1), expect: 201);
        var invitation = await cpo.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var (_, posted, _) = await cpo.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), CredentialsHandshakeTests.Credentials(partner.Issue("B"), partner));
        var token = posted.Str("data.token");

        var seen = new List<string>();
        string? url = "/ocpi/cpo/2.2.1/locations?limit=10";
        var pages = 0;
        while (url is not null)
        {
            var (status, body, response) = await cpo.OcpiAsync(HttpMethod.Get, url, token);
            Assert.Equal(200, status);
            Assert.Equal("25", response.Headers.GetValues("X-Total-Count").Single());
            Assert.Equal("10", response.Headers.GetValues("X-Limit").Single());
            seen.AddRange(body["data"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));
            url = response.Headers.TryGetValues("Link", out var link) ? link.Single()[1..link.Single().IndexOf('>')] : null;
            pages++;
        }
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"S{i:D2}"), seen);

        // Plain offsets work too (a client that drops the page token).
        var (_, offsetPage, _) = await cpo.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/locations?offset=20&limit=10", token);
        Assert.Equal(["S20", "S21", "S22", "S23", "S24"], offsetPage["data"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));

        // date_from/date_to on last_updated.
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/S07/S07-E1", new { status = "CHARGING" });
        var (_, changed, _) = await cpo.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/locations?date_from=2026-06-01T00:00:00Z", token);
        Assert.Equal(["S07"], changed["data"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));

        Assert.Equal("CHARGING", (await cpo.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/locations/S07/S07-E1", token)).Body.Str("data.status"));
        Assert.Equal("230", (await cpo.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/locations/S07/S07-E1/1", token)).Body.Str("data.max_voltage"));
        foreach (var unknown in new[] { "NOPE", "S07/NOPE", "S07/S07-E1/9" })
        {
            var (status, body, _) = await cpo.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/locations/" + unknown, token);
            Assert.Equal(404, status);
            Assert.Equal(2003, body["status_code"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task A_pull_from_a_cpo_that_is_down_ends_failed_and_says_why()
    {
        var (cpo, emsp, _, cpoAtEmsp) = await Fixtures.ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await Fixtures.Eventually(async () => (await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{cpoAtEmsp}/sync")).AsArray()
            .All(j => j!["state"]!.GetValue<string>() != "Running"), "the first syncs");
        await cpo.StopAsync();

        var job = await emsp.OperatorAsync(HttpMethod.Post, $"/operator/partners/{cpoAtEmsp}/sync", new { module = "locations" }, expect: 202);
        await Fixtures.Eventually(async () => (await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{cpoAtEmsp}/sync/{job.Str("job_id")}")).Str("state") == "Failed",
            "the sync to fail after its last try", seconds: 60);
        var failed = await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{cpoAtEmsp}/sync/{job.Str("job_id")}");
        Assert.StartsWith("Page 1:", failed.Str("last_error"));
        // Nothing received was removed by a sync that did not complete.
        Assert.Equal(0, failed["removed"]!.GetValue<int>());

        // Tokens are the eMSP's: there is nothing to pull from a CPO.
        using var bad = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Post, $"/operator/partners/{cpoAtEmsp}/sync", new { module = "tokens" }));
        Assert.Equal(400, (int)bad.StatusCode);
    }
}

/// <summary>Holds back the answer to a POST of credentials (half a second unless told).</summary>
internal sealed class SlowCredentialsAnswers(int milliseconds = 500) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var response = await base.SendAsync(request, ct);
        if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/credentials", StringComparison.Ordinal))
            await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), ct);
        return response;
    }
}

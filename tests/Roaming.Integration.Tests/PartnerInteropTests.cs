using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Azure.Queues;
using Party = Roaming.Integration.Tests.SloppyPartnerPlatform.Party;

namespace Roaming.Integration.Tests;

/// <summary>
/// The endpoint against partner platforms that behave as real ones do (<see cref="SloppyPartnerPlatform"/>): several
/// parties on one platform, a hub, default date windows, redirects, raw tokens, broken and relative next links, a
/// receiver that lost an object, a registration answer that cannot be used. Each test reproduces what went wrong.
/// </summary>
public class PartnerInteropTests
{
    private const string Us = "DE/MSP";

    private static JsonObject Located(string country, string party, string id, string lastUpdated = "2026-01-01T10:00:00Z")
    {
        var location = Fixtures.Location(id, evses: 1, country: country, party: party);
        location["last_updated"] = lastUpdated;
        return location;
    }

    private static async Task<JsonNode> SyncedAsync(TestEndpoint endpoint, string partnerId, string? jobId = null)
    {
        JsonNode? job = null;
        await Fixtures.Eventually(async () =>
        {
            var jobs = (await endpoint.OperatorAsync(HttpMethod.Get, $"/operator/partners/{partnerId}/sync")).AsArray();
            job = jobId is null ? jobs.FirstOrDefault(j => j!.Str("module") == "locations") : jobs.FirstOrDefault(j => j!.Str("job_id") == jobId);
            return job is not null && job.Str("state") != "Running";
        }, "the sync to end", seconds: 60);
        return job!;
    }

    private static async Task<JsonNode> PullAsync(TestEndpoint endpoint, string partnerId, object? request = null)
    {
        var started = await endpoint.OperatorAsync(HttpMethod.Post, $"/operator/partners/{partnerId}/sync", request ?? new { module = "locations" }, expect: 202);
        return await SyncedAsync(endpoint, partnerId, started.Str("job_id"));
    }

    private static async Task<List<string>> ReceivedAsync(TestEndpoint endpoint)
    {
        var page = await endpoint.OperatorAsync(HttpMethod.Get, "/operator/locations?scope=received&limit=1000");
        return page["items"]!.AsArray().Select(l => $"{l!.Str("country_code")}/{l!.Str("party_id")}/{l!.Str("id")}").Order().ToList();
    }

    private static string? Pair(SloppyPartnerPlatform.Request r, string side) =>
        r.Header($"OCPI-{side}-country-code") is { } c ? c + "/" + r.Header($"OCPI-{side}-party-id") : null;

    [Fact]
    public async Task A_crawl_during_which_objects_are_created_returns_them_in_both_stores()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        await using var partner = await SpecPartner.StartAsync();
        var invitation = await cpo.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var (_, posted, _) = await cpo.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), CredentialsHandshakeTests.Credentials(partner.Issue("B"), partner));
        var token = posted.Str("data.token");
        var tariff = new { currency = "EUR", elements = new[] { new { price_components = new[] { new { type = "ENERGY", price = 0.35, vat = 21, step_size = 1 } } } } };

        foreach (var (module, put) in new (string, Func<string, Task>)[]
        {
            ("locations", id => cpo.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Fixtures.Location(id, evses: 1), expect: 201)),
            ("tariffs", id => cpo.OperatorAsync(HttpMethod.Put, $"/operator/tariffs/NL/CPO/{id}", tariff, expect: 201)),
        })
        {
            for (var i = 0; i < 15; i++) await put($"C{i:D2}");
            var seen = new List<string>();
            string? url = $"/ocpi/cpo/2.2.1/{module}?limit=10";
            while (url is not null)
            {
                var (status, body, response) = await cpo.OcpiAsync(HttpMethod.Get, url, token);
                Assert.Equal(200, status);
                seen.AddRange(body["data"]!.AsArray().Select(o => o!.Str("id")));
                // After the first page the partner keeps creating: the crawl's first count (15) is no guide to the end.
                if (seen.Count == 10) for (var i = 15; i < 25; i++) await put($"C{i:D2}");
                url = response.Headers.TryGetValues("Link", out var link) ? link.Single()[1..link.Single().IndexOf('>')] : null;
            }
            Assert.Equal(Enumerable.Range(0, 25).Select(i => $"C{i:D2}"), seen);
        }
    }

    [Fact]
    public async Task A_two_party_partner_platform_is_pulled_per_party_and_cleaned_up_per_party()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var platform = await SloppyPartnerPlatform.StartAsync(new Party("NL", "AAA", "CPO"), new Party("NL", "BBB", "CPO"));
        foreach (var party in new[] { "AAA", "BBB" })
            for (var i = 1; i <= 3; i++) platform.Publish(Located("NL", party, $"{party}{i}"));

        var partnerId = (await platform.RegisterWithAsync(emsp)).Str("id");
        var first = await SyncedAsync(emsp, partnerId);
        Assert.Equal("Succeeded", first.Str("state"));
        Assert.Equal(["NL/AAA/AAA1", "NL/AAA/AAA2", "NL/AAA/AAA3", "NL/BBB/BBB1", "NL/BBB/BBB2", "NL/BBB/BBB3"], await ReceivedAsync(emsp));

        // The spec's direct request: FROM the requesting party, TO the receiving party; every party of the platform asked.
        var lists = platform.Calls("GET", "/cpo/locations").ToList();
        Assert.All(lists, r => Assert.Equal(Us, Pair(r, "from")));
        Assert.Equal(["NL/AAA", "NL/BBB"], lists.Select(r => Pair(r, "to")).Distinct().Order());

        // A location BBB pushed and lists stays; one AAA no longer lists goes, and only that one.
        var pushed = Located("NL", "BBB", "BBB4");
        platform.Publish(pushed);
        Assert.Equal(201, (await platform.PushToAsync(emsp, pushed, Us)).Http);
        platform.Published.TryRemove("NL/AAA/AAA3", out _);
        var second = await PullAsync(emsp, partnerId);
        Assert.Equal(1, second["removed"]!.GetValue<int>());
        Assert.Equal(["NL/AAA/AAA1", "NL/AAA/AAA2", "NL/BBB/BBB1", "NL/BBB/BBB2", "NL/BBB/BBB3", "NL/BBB/BBB4"], await ReceivedAsync(emsp));
    }

    [Fact]
    public async Task A_hub_that_rate_limits_pages_is_asked_again_after_its_Retry_After_and_the_pull_still_succeeds()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var platform = await SloppyPartnerPlatform.StartAsync();
        for (var i = 1; i <= 25; i++) platform.Publish(Located("NL", "SLP", $"RL{i:D2}"));
        // More refusals than the queue's tries: they are the partner's pace, not failures.
        platform.RateLimitedPages = 6;
        platform.ListRetryAfterSeconds = 1;

        var partnerId = (await platform.RegisterWithAsync(emsp)).Str("id");
        var job = await SyncedAsync(emsp, partnerId);

        Assert.Equal("Succeeded", job.Str("state"));
        Assert.Equal(25, (await ReceivedAsync(emsp)).Count);
        var pages = platform.Calls("GET", "/locations").Where(r => r.Param("offset") is "10").Select(r => r.At).ToList();
        Assert.Equal(7, pages.Count);
        // Each try came after the Retry-After of the one before (a next link refused with 429 is not a broken link).
        Assert.All(pages.Zip(pages.Skip(1)), p => Assert.True(p.Second - p.First >= TimeSpan.FromMilliseconds(900), $"asked again after {(p.Second - p.First).TotalMilliseconds:F0} ms"));
    }

    [Fact]
    public async Task A_partner_whose_list_is_capped_by_a_default_date_to_loses_nothing_and_a_large_removal_is_held()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var platform = await SloppyPartnerPlatform.StartAsync();
        platform.Publish(Located("NL", "SLP", "OLD1"));
        platform.Publish(Located("NL", "SLP", "OLD2"));
        platform.Publish(Located("NL", "SLP", "NEW1", "2026-06-01T10:00:00Z"));
        platform.Publish(Located("NL", "SLP", "NEW2", "2026-06-01T10:00:00Z"));
        platform.Publish(Located("NL", "SLP", "NEW3", "2026-06-01T10:00:00Z"));
        // Its server answers a list without date_to as if date_to were the time it started.
        platform.DefaultDateTo = DateTimeOffset.Parse("2026-03-01T00:00:00Z");

        var partnerId = (await platform.RegisterWithAsync(emsp)).Str("id");
        await SyncedAsync(emsp, partnerId);
        // The newer ones also arrive by push, as they would from a live partner.
        foreach (var id in new[] { "NEW1", "NEW2", "NEW3" })
            await platform.PushToAsync(emsp, platform.Published[$"NL/SLP/{id}"], Us);
        var full = await PullAsync(emsp, partnerId);
        Assert.Equal("Succeeded", full.Str("state"));
        Assert.Equal(0, full["removed"]!.GetValue<int>());
        Assert.Equal(5, (await ReceivedAsync(emsp)).Count);
        // Every list request says where its window ends, so no server default applies.
        Assert.All(platform.Calls("GET", "/cpo/locations"), r => Assert.NotNull(r.Param("date_to")));

        // A delta starts where the last pull's coverage ended, not later.
        var delta = await PullAsync(emsp, partnerId, new { module = "locations", mode = "Delta" });
        Assert.Equal(full.Str("watermark"), delta.Str("date_from"));
        Assert.True(DateTimeOffset.Parse(full.Str("watermark")) < DateTimeOffset.Parse(full.Str("started")));
        Assert.Equal(full.Str("watermark"), platform.Calls("GET", "/cpo/locations").Last().Param("date_from"));

        // The partner now lists one of five: removing four is more than the share allowed; held and flagged.
        foreach (var id in new[] { "OLD2", "NEW1", "NEW2", "NEW3" }) platform.Published.TryRemove($"NL/SLP/{id}", out _);
        var held = await PullAsync(emsp, partnerId);
        Assert.Equal("Succeeded", held.Str("state"));
        Assert.Equal(0, held["removed"]!.GetValue<int>());
        Assert.Equal(4, held["removals_held"]!.GetValue<int>());
        Assert.Contains("4 of 5", held.Str("warning"));
        Assert.Equal(5, (await ReceivedAsync(emsp)).Count);
        var view = await emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + partnerId);
        Assert.Contains(view["issues"]!.AsArray(), i => i!.Str("kind") == "sync-removals-held:locations");

        // The operator, having checked with the partner, lets it go through.
        var confirmed = await PullAsync(emsp, partnerId, new { module = "locations", max_removal_share = 1.0 });
        Assert.Equal(4, confirmed["removed"]!.GetValue<int>());
        Assert.Equal(["NL/SLP/OLD1"], await ReceivedAsync(emsp));
        view = await emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + partnerId);
        Assert.DoesNotContain(view["issues"]!.AsArray(), i => i!.Str("kind") == "sync-removals-held:locations");
    }

    [Fact]
    public async Task Pull_through_a_hub_takes_the_parties_behind_it_but_not_ours_or_another_connections()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var direct = await SloppyPartnerPlatform.StartAsync(new Party("NL", "DIR", "CPO"));
        direct.Publish(Located("NL", "DIR", "D1"));
        var directId = (await direct.RegisterWithAsync(emsp)).Str("id");
        await SyncedAsync(emsp, directId);

        await using var hub = await SloppyPartnerPlatform.StartAsync(new Party("DE", "HUB", "HUB"));
        hub.Publish(Located("NL", "AAA", "H1"));
        hub.Publish(Located("BE", "BBB", "H2"));
        hub.Publish(Located("DE", "MSP", "H3")); // claims to be ours
        hub.Publish(Located("NL", "DIR", "H4")); // a party another connection holds
        // A hub is admitted only when named, and speaks only for the parties known behind it (listed here by the operator).
        var hubId = (await hub.RegisterWithAsync(emsp, roles: [new { role = "HUB", country_code = "DE", party_id = "HUB" }])).Str("id");
        await SyncedAsync(emsp, hubId);
        await emsp.OperatorAsync(HttpMethod.Put, $"/operator/partners/{hubId}/hub-parties", new
        {
            parties = new[] { new { role = "CPO", country_code = "NL", party_id = "AAA" }, new { role = "CPO", country_code = "BE", party_id = "BBB" } },
        });
        var job = await PullAsync(emsp, hubId);

        Assert.Equal("Succeeded", job.Str("state"));
        Assert.Equal(2, job["stored"]!.GetValue<int>());
        Assert.Equal(0, job["failed"]!.GetValue<int>());
        Assert.Equal(2, job["ignored"]!.GetValue<int>());
        Assert.Equal(["BE/BBB/H2", "NL/AAA/H1", "NL/DIR/D1"], await ReceivedAsync(emsp));
        // GET All via a hub: TO the hub, FROM us.
        Assert.All(hub.Calls("GET", "/cpo/locations"), r =>
        {
            Assert.Equal("DE/HUB", Pair(r, "to"));
            Assert.Equal(Us, Pair(r, "from"));
        });

        // A full pull through the hub cleans up only the parties it delivered.
        hub.Published.TryRemove("BE/BBB/H2", out _);
        foreach (var id in new[] { "H5", "H6", "H7", "H8" }) hub.Publish(Located("BE", "BBB", id));
        var again = await PullAsync(emsp, hubId);
        Assert.Equal(1, again["removed"]!.GetValue<int>());
        Assert.Equal(["BE/BBB/H5", "BE/BBB/H6", "BE/BBB/H7", "BE/BBB/H8", "NL/AAA/H1", "NL/DIR/D1"], await ReceivedAsync(emsp));
    }

    [Fact]
    public async Task A_partner_that_only_accepts_raw_tokens_on_modules_is_understood_and_remembered()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var platform = await SloppyPartnerPlatform.StartAsync();
        platform.RawTokensOnModules = true;
        platform.Publish(Located("NL", "SLP", "R1"));
        platform.Publish(Located("NL", "SLP", "R2"));

        var partnerId = (await platform.RegisterWithAsync(emsp)).Str("id");
        var first = await SyncedAsync(emsp, partnerId);
        Assert.Equal(2, first["stored"]!.GetValue<int>());
        var view = await emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + partnerId);
        Assert.False(view["outbound_token_base64"]!.GetValue<bool>());

        // Remembered: the next pull sends the raw token at once.
        var before = platform.Requests.Count;
        await PullAsync(emsp, partnerId);
        var later = platform.Requests.Skip(before).ToList();
        Assert.NotEmpty(later);
        Assert.All(later, r => Assert.StartsWith("Token sloppy-C-", r.Header("Authorization")));

        // The operator can pin it (a pinned encoding is not second-guessed) and hand it back to the endpoint.
        await emsp.OperatorAsync(HttpMethod.Put, $"/operator/partners/{partnerId}/token-encoding", new { base64 = true });
        var pinned = await PullAsync(emsp, partnerId);
        Assert.Equal("Failed", pinned.Str("state"));
        Assert.Contains("401", pinned.Str("last_error"));
        view = await emsp.OperatorAsync(HttpMethod.Put, $"/operator/partners/{partnerId}/token-encoding", new { base64 = (bool?)null });
        Assert.False(view["outbound_token_encoding_fixed"]!.GetValue<bool>());
        Assert.Equal("Succeeded", (await PullAsync(emsp, partnerId)).Str("state"));
    }

    [Fact]
    public async Task A_partner_that_redirects_to_a_trailing_slash_is_followed_and_one_that_redirects_away_is_refused()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var platform = await SloppyPartnerPlatform.StartAsync();
        platform.TrailingSlashRedirects = true;
        for (var i = 1; i <= 12; i++) platform.Publish(Located("NL", "SLP", $"T{i:D2}"));

        var partnerId = (await platform.RegisterWithAsync(emsp)).Str("id");
        var job = await SyncedAsync(emsp, partnerId);
        Assert.Equal("Succeeded", job.Str("state"));
        Assert.Equal(12, job["stored"]!.GetValue<int>());
        // The POST was repeated at the new place with its body and token.
        Assert.Single(platform.Calls("POST", "/credentials/"));
        Assert.NotNull(platform.TokenForEndpoint);

        await using var away = await SloppyPartnerPlatform.StartAsync();
        away.RedirectTo = "http://127.0.0.1:9";
        using var refused = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Post, "/operator/registrations",
            new { versions_url = away.VersionsUrl, token = away.IssueTokenA() }));
        Assert.Equal(502, (int)refused.StatusCode);
        Assert.Contains("redirect to http://127.0.0.1:9/versions", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_pull_reads_the_next_page_ahead_but_asks_the_partner_for_each_page_once()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var platform = await SloppyPartnerPlatform.StartAsync();
        for (var i = 1; i <= 35; i++) platform.Publish(Located("NL", "SLP", $"A{i:D2}"));

        var partnerId = (await platform.RegisterWithAsync(emsp)).Str("id");
        var job = await SyncedAsync(emsp, partnerId);
        Assert.Equal("Succeeded", job.Str("state"));
        Assert.Equal(35, (await ReceivedAsync(emsp)).Count);
        // Pages 2 to 4 were asked for while the page before was stored, and their messages took that answer.
        var offsets = platform.Calls("GET", "/cpo/locations").Select(r => r.Param("offset") ?? "0").ToList();
        Assert.Equal(["0", "10", "20", "30"], offsets.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_page_put_off_after_its_next_link_failed_is_asked_again_by_the_link_that_worked()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var platform = await SloppyPartnerPlatform.StartAsync();
        platform.BrokenNextLinks = true;
        platform.RateLimitedPages = 2;
        for (var i = 1; i <= 25; i++) platform.Publish(Located("NL", "SLP", $"B{i:D2}"));

        var partnerId = (await platform.RegisterWithAsync(emsp)).Str("id");
        var job = await SyncedAsync(emsp, partnerId);
        Assert.Equal("Succeeded", job.Str("state"));
        Assert.Equal(25, (await ReceivedAsync(emsp)).Count);
        // Each broken link asked for once (pages 2 and 3); page 2's two tries after the rate limit went by the
        // original request at its offset.
        var lists = platform.Calls("GET", "/cpo/locations").ToList();
        Assert.Equal(2, lists.Count(r => r.Param("date_from") == "None"));
        Assert.Equal(3, lists.Count(r => r.Param("offset") == "10" && r.Param("date_from") is null));
    }

    [Fact]
    public async Task The_second_try_with_the_other_token_encoding_keeps_to_the_pace_set_for_the_partner()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var platform = await SloppyPartnerPlatform.StartAsync();
        platform.RawTokensOnModules = true;
        platform.Publish(Located("NL", "SLP", "TE1"));

        var partnerId = (await platform.RegisterWithAsync(emsp)).Str("id");
        Assert.Equal("Succeeded", (await SyncedAsync(emsp, partnerId)).Str("state"));
        // Back to Base64, left to the endpoint to find out again, and one call a second.
        await emsp.OperatorAsync(HttpMethod.Put, $"/operator/partners/{partnerId}/token-encoding", new { base64 = true });
        await emsp.OperatorAsync(HttpMethod.Put, $"/operator/partners/{partnerId}/token-encoding", new { base64 = (bool?)null });
        await emsp.OperatorAsync(HttpMethod.Put, $"/operator/partners/{partnerId}/outbound-pace", new { requests_per_minute = 60 });
        var before = platform.Requests.Count;
        Assert.Equal("Succeeded", (await PullAsync(emsp, partnerId)).Str("state"));

        // The page refused with the Base64 token, the second try with the raw one: two calls, each paced.
        var tries = platform.Requests.Skip(before).Where(r => r.Path.Contains("/cpo/", StringComparison.Ordinal)).Take(2).ToList();
        Assert.DoesNotContain("sloppy-C-", tries[0].Header("Authorization"));
        Assert.StartsWith("Token sloppy-C-", tries[1].Header("Authorization"));
        Assert.True(tries[1].At - tries[0].At >= TimeSpan.FromMilliseconds(500), $"the second try {(tries[1].At - tries[0].At).TotalMilliseconds:F0} ms after the first");
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task Broken_and_relative_next_links_still_bring_every_page(bool broken, bool relative)
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var platform = await SloppyPartnerPlatform.StartAsync();
        platform.BrokenNextLinks = broken;
        platform.RelativeNextLinks = relative;
        for (var i = 1; i <= 25; i++) platform.Publish(Located("NL", "SLP", $"P{i:D2}"));

        var partnerId = (await platform.RegisterWithAsync(emsp)).Str("id");
        var job = await SyncedAsync(emsp, partnerId);
        Assert.Equal("Succeeded", job.Str("state"));
        Assert.Equal(25, job["stored"]!.GetValue<int>());
        Assert.Equal(25, (await ReceivedAsync(emsp)).Count);
        if (broken)
        {
            // The original request again, with offset and limit and its own filters.
            Assert.Contains(platform.Calls("GET", "/cpo/locations"), r => r.Param("offset") == "20" && r.Param("limit") == "10" && r.Param("date_to") is not null && r.Param("date_from") is null);
        }
    }

    [Fact]
    public async Task An_outbound_registration_whose_answer_cannot_be_used_is_undone_or_kept_and_flagged()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();

        // Committed by the partner, but its roles are unusable: undone with a credentials DELETE.
        await using (var platform = await SloppyPartnerPlatform.StartAsync())
        {
            platform.CredentialsAnswer = answer => { answer["roles"]![0]!["party_id"] = "TOOLONG"; return answer; };
            using var response = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Post, "/operator/registrations",
                new { versions_url = platform.VersionsUrl, token = platform.IssueTokenA() }));
            Assert.Equal(502, (int)response.StatusCode);
            Assert.Contains("undone", await response.Content.ReadAsStringAsync());
            Assert.True(platform.Unregistered);
            Assert.Single(platform.Calls("DELETE", "/credentials"));
            Assert.Empty((await emsp.OperatorAsync(HttpMethod.Get, "/operator/partners")).AsArray());
        }

        // Committed, without a token we could use to call it or undo it: kept, so it can repair it, and flagged.
        await using (var platform = await SloppyPartnerPlatform.StartAsync())
        {
            platform.CredentialsAnswer = answer => { answer.Remove("token"); return answer; };
            using var response = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Post, "/operator/registrations",
                new { versions_url = platform.VersionsUrl, token = platform.IssueTokenA() }));
            Assert.Equal(502, (int)response.StatusCode);
            var partner = (await emsp.OperatorAsync(HttpMethod.Get, "/operator/partners")).AsArray().Single()!;
            Assert.Equal("Registered", partner.Str("state"));
            Assert.Contains(partner["issues"]!.AsArray(), i => i!.Str("kind") == "registration");
            Assert.Equal(200, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1/credentials", platform.TokenForEndpoint)).Http);
            await emsp.OperatorAsync(HttpMethod.Delete, "/operator/partners/" + partner.Str("id"));
        }

        // Committed and usable, but its versions URL, read again, fails: kept with what was read, flagged.
        await using (var platform = await SloppyPartnerPlatform.StartAsync())
        {
            platform.Publish(Located("NL", "SLP", "K1"));
            platform.CredentialsAnswer = answer => { answer["url"] = platform.BaseUrl + "/moved/versions"; return answer; };
            var view = await platform.RegisterWithAsync(emsp);
            Assert.Equal("Registered", view.Str("state"));
            Assert.Contains(view["issues"]!.AsArray(), i => i!.Str("kind") == "registration" && i!.Str("message").Contains("/moved/versions"));
            Assert.Equal("Succeeded", (await SyncedAsync(emsp, view.Str("id"))).Str("state"));
        }
    }

    [Fact]
    public async Task A_patch_answered_2003_ends_in_a_put_of_the_location_and_a_refusal_is_parked_not_retried()
    {
        await using var cpo = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: Fixtures.FastRetries);
        await using var platform = await SloppyPartnerPlatform.StartAsync(new Party("DE", "SLP", "EMSP"));
        var partnerId = (await platform.RegisterWithAsync(cpo)).Str("id");

        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/LOC1", Fixtures.Location("LOC1"), expect: 201);
        await Fixtures.Eventually(() => Task.FromResult(platform.Received.ContainsKey("NL/CPO/LOC1")), "the location at the partner");
        platform.Forget("NL", "CPO", "LOC1");

        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/LOC1/LOC1-E1", new { status = "CHARGING" });
        await Fixtures.Eventually(() => Task.FromResult(platform.Received.TryGetValue("NL/CPO/LOC1", out var l) && l.Str("evses.0.status") == "CHARGING"),
            "the whole location put again");
        var afterPatch = platform.Requests.SkipWhile(r => !(r.Method == "PATCH" && r.Path.EndsWith("/LOC1/LOC1-E1"))).Select(r => $"{r.Method} {r.Path}").ToList();
        Assert.Equal(["PATCH /2.2.1/emsp/locations/NL/CPO/LOC1/LOC1-E1", "GET /2.2.1/emsp/locations/NL/CPO/LOC1", "PUT /2.2.1/emsp/locations/NL/CPO/LOC1"], afterPatch.Take(3));

        // An answer that can never succeed is not tried again for hours: parked with its reason, the partner flagged.
        platform.RefusedLocations.Add("BAD1");
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/BAD1", Fixtures.Location("BAD1"), expect: 201);
        var poison = cpo.Services.GetRequiredService<StorageQueues>().Get("ocpi-push-poison");
        await Fixtures.Eventually(async () => (await poison.PeekMessagesAsync(1)).Value.Length == 1, "the refused push parked");
        var parked = (await poison.PeekMessagesAsync(1)).Value[0].Body.ToString();
        Assert.Contains("2001", parked);
        Assert.Single(platform.Calls("PUT", "/BAD1"));
        // The operator reads why, as for every queue, and can replay the partner's changes as its retry.
        var listed = Assert.Single((await cpo.OperatorAsync(HttpMethod.Get, "/operator/queues/ocpi-push/poison"))["items"]!.AsArray())!;
        Assert.StartsWith("Refused by the partner, not retried: locations Put of NL/CPO: ", listed.Str("reason"));
        Assert.Contains("2001", listed.Str("reason"));
        Assert.Equal(partnerId, JsonNode.Parse(listed.Str("message"))!.Str("partner_id"));
        var view = await cpo.OperatorAsync(HttpMethod.Get, "/operator/partners/" + partnerId);
        Assert.True(view["needs_resync"]!.GetValue<bool>());
        Assert.Contains(view["issues"]!.AsArray(), i => i!.Str("kind") == "push-refused:locations" && i!.Str("message").Contains("BAD1"));
    }

    [Fact]
    public async Task Every_module_request_names_both_parties_and_configuration_requests_none()
    {
        await using var cpo = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: Fixtures.FastRetries);
        await using var platform = await SloppyPartnerPlatform.StartAsync(new Party("DE", "SLP", "EMSP"));
        await platform.RegisterWithAsync(cpo);
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/H1", Fixtures.Location("H1"), expect: 201);
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/H1/H1-E1", new { status = "CHARGING" });
        await Fixtures.Eventually(() => Task.FromResult(platform.Received.TryGetValue("NL/CPO/H1", out var l) && l.Str("evses.0.status") == "CHARGING"), "the pushes");

        var requests = platform.Requests.ToList();
        Assert.Contains(requests, r => r.Path.Contains("/locations/"));
        foreach (var r in requests)
        {
            var module = r.Path.Contains("/locations/");
            // transport_and_format: routing headers on functional modules, never on versions or credentials.
            Assert.Equal(module ? "NL/CPO" : null, Pair(r, "from"));
            Assert.Equal(module ? "DE/SLP" : null, Pair(r, "to"));
            Assert.NotNull(r.Header("X-Request-ID"));
            Assert.NotNull(r.Header("X-Correlation-ID"));
        }
    }

    [Fact]
    public async Task Answers_name_the_party_that_answered_and_echo_request_ids_exactly()
    {
        await using var cpo = await TestEndpoint.StartAsync([("NL", "CP1", "CPO"), ("NL", "CP2", "CPO")]);
        await using var partner = await SpecPartner.StartAsync();
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CP2/L1", Fixtures.Location("L1", party: "CP2"), expect: 201);
        var invitation = await cpo.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var (_, posted, _) = await cpo.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), CredentialsHandshakeTests.Credentials(partner.Issue("B"), partner));
        var token = posted.Str("data.token");

        var requestId = "req 42 / " + new string('x', 150);
        var correlationId = "corr:ab cd";
        var (status, _, response) = await cpo.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/locations/L1", token, edit: r =>
        {
            r.Headers.TryAddWithoutValidation("X-Request-ID", requestId);
            r.Headers.TryAddWithoutValidation("X-Correlation-ID", correlationId);
        });
        Assert.Equal(200, status);
        // No OCPI-to, two CPO parties hosted: the answer comes from the one that holds the location, to the caller's party.
        Assert.Equal("NL", response.Headers.GetValues("OCPI-from-country-code").Single());
        Assert.Equal("CP2", response.Headers.GetValues("OCPI-from-party-id").Single());
        Assert.Equal("BE", response.Headers.GetValues("OCPI-to-country-code").Single());
        Assert.Equal("SPC", response.Headers.GetValues("OCPI-to-party-id").Single());
        Assert.Equal(requestId, response.Headers.GetValues("X-Request-ID").Single());
        Assert.Equal(correlationId, response.Headers.GetValues("X-Correlation-ID").Single());
    }
}

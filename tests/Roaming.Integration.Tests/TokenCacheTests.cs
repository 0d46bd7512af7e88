using static Roaming.Integration.Tests.Claims;

namespace Roaming.Integration.Tests;

/// <summary>
/// Authenticated tokens are served from memory for Roaming:TokenCacheTime. What the instance itself changes (a token
/// revoked, rotated or unregistered, a role taken away) takes effect on it at once, however long the cache time;
/// another instance on the same storage keeps what it cached until its entry expires.
/// </summary>
public class TokenCacheTests
{
    // Long enough that only the invalidation, never the expiry, can explain a refusal within a test.
    private static readonly Dictionary<string, string?> LongCache = new() { ["Roaming:TokenCacheTime"] = "00:05:00" };
    private const string Tariffs = "/ocpi/emsp/2.2.1/tariffs/";

    [Fact]
    public async Task A_token_this_instance_revokes_or_rotates_stops_working_on_it_at_once()
    {
        await using var emsp = await TestEndpoint.StartAsync([("DE", "MSP", "EMSP")], settings: LongCache);
        await using var partner = await SpecPartner.StartAsync();

        // An invitation's Token A, cached by a first request, is refused the moment the operator withdraws the invitation.
        var (invited, tokenA) = await InviteAsync(emsp);
        Assert.Equal(200, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);
        await emsp.OperatorAsync(HttpMethod.Delete, "/operator/partners/" + invited);
        Assert.Equal(401, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);

        // A registration replaces Token A by Token C: the cached Token A stops at once.
        var (partnerId, tokenA2) = await InviteAsync(emsp);
        Assert.Equal(200, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenA2)).Http);
        var (_, registered) = await PostAsync(emsp, partner, tokenA2, Role("CPO", "BE", "SPC"));
        var tokenC = registered.Str("data.token");
        Assert.Equal(401, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenA2)).Http);

        // The operator takes the CPO role away: the next write under that party is refused, though the token is cached.
        Assert.Equal(201, (await emsp.OcpiAsync(HttpMethod.Put, Tariffs + "BE/SPC/T1", tokenC, Tariff("BE", "SPC", "T1").ToJsonString())).Http);
        await emsp.OperatorAsync(HttpMethod.Put, $"/operator/partners/{partnerId}/roles", new { roles = new[] { new { role = "CPO", country_code = "BE", party_id = "SPX" } } });
        Assert.Equal(404, (await emsp.OcpiAsync(HttpMethod.Put, Tariffs + "BE/SPC/T2", tokenC, Tariff("BE", "SPC", "T2").ToJsonString())).Http);

        // The partner rotates its token with a credentials PUT: the old one stops, the new one works.
        var (_, rotated, _) = await emsp.OcpiAsync(HttpMethod.Put, "/ocpi/2.2.1/credentials", tokenC,
            Credentials(partner.Issue("B2"), partner, Role("CPO", "BE", "SPX")));
        var tokenC2 = rotated.Str("data.token");
        Assert.Equal(401, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1/credentials", tokenC)).Http);
        Assert.Equal(200, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1/credentials", tokenC2)).Http);

        // The partner unregisters: its cached token is refused on the next request.
        Assert.Equal(200, (await emsp.OcpiAsync(HttpMethod.Delete, "/ocpi/2.2.1/credentials", tokenC2)).Http);
        Assert.Equal(401, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1/credentials", tokenC2)).Http);
        Assert.Equal(401, (await emsp.OcpiAsync(HttpMethod.Get, Tariffs + "BE/SPX/T1", tokenC2)).Http);
    }

    [Fact]
    public async Task Another_instance_keeps_a_cached_token_until_its_cache_time_has_passed()
    {
        await using var a = await TestEndpoint.StartAsync([("DE", "MSP", "EMSP")], settings: LongCache);
        await using var cached = await SameStorageAsync(a, "00:05:00");
        await using var expiring = await SameStorageAsync(a, "00:00:01");
        await using var uncached = await SameStorageAsync(a, "00:00:00");

        var (invited, tokenA) = await InviteAsync(a);
        foreach (var host in new EndpointClient[] { a, cached, expiring, uncached })
            Assert.Equal(200, (await host.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);

        await a.OperatorAsync(HttpMethod.Delete, "/operator/partners/" + invited);
        Assert.Equal(401, (await a.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);
        Assert.Equal(401, (await uncached.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);
        // Documented: another instance learns of the change only when its entry expires.
        Assert.Equal(200, (await cached.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);
        await Fixtures.Eventually(async () => (await expiring.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http == 401,
            "the instance with a one-second cache refuses the revoked token");
    }

    private static Task<TestEndpoint> SameStorageAsync(TestEndpoint first, string cacheTime) =>
        TestEndpoint.StartAsync([("DE", "MSP", "EMSP")], settings: new Dictionary<string, string?>(first.HostSettings) { ["Roaming:TokenCacheTime"] = cacheTime });
}

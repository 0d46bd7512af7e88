using static Roaming.Integration.Tests.Claims;

namespace Roaming.Integration.Tests;

/// <summary>Each partner connection has its own request budget: one partner's burst gets 429 and Retry-After, the others are served.</summary>
public class RateLimitTests
{
    [Fact]
    public async Task A_partner_over_its_budget_gets_429_while_another_is_served()
    {
        await using var emsp = await TestEndpoint.StartAsync([("DE", "MSP", "EMSP")], settings: new()
        {
            ["Roaming:RateLimit:TokenLimit"] = "5",
            ["Roaming:RateLimit:TokensPerPeriod"] = "1",
            // Nothing is refilled while the test runs.
            ["Roaming:RateLimit:ReplenishmentPeriod"] = "01:00:00",
        });
        await using var partner = await SpecPartner.StartAsync();
        var (_, busy) = await RegisterAsync(emsp, partner, [Role("CPO", "BE", "BSY")]);
        var (_, calm) = await RegisterAsync(emsp, partner, [Role("CPO", "BE", "CLM")]);

        var answers = new List<(int Http, System.Text.Json.Nodes.JsonNode Body, HttpResponseMessage Response)>();
        for (var i = 0; i < 8; i++) answers.Add(await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", busy));

        // The registration took one request of five: four more are served, the rest refused.
        Assert.Equal(4, answers.Count(a => a.Http == 200));
        var refused = answers.Where(a => a.Http == 429).ToList();
        Assert.Equal(4, refused.Count);
        Assert.All(refused, a =>
        {
            Assert.Equal(2000, a.Body.Status());
            Assert.NotNull(a.Body["timestamp"]);
            Assert.True(a.Response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After");
        });

        // The other connection has its own budget; the operator API has none.
        Assert.Equal(200, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", calm)).Http);
        for (var i = 0; i < 8; i++) await emsp.OperatorAsync(HttpMethod.Get, "/operator/partners");
    }
}

using System.Text.Json.Nodes;
using static Roaming.Integration.Tests.Claims;

namespace Roaming.Integration.Tests;

/// <summary>
/// Storage down: the operator API answers 503 with Retry-After and {"error","status_code"}, OCPI routes 3000 with
/// HTTP 503 and Retry-After, in the envelope; never a 500 and never a request left hanging on the SDK's retries.
/// The storage is a private Azurite, stopped (connections refused) or paused (connections accepted, never answered).
/// </summary>
public class StorageOutageTests
{
    private static async Task<(TestEndpoint Endpoint, SpecPartner Partner, string Token)> StartAsync(PrivateAzurite storage, Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>(settings ?? []) { ["Storage"] = storage.ConnectionString };
        var endpoint = await TestEndpoint.StartAsync([("DE", "MSP", "EMSP")], settings: values);
        var partner = await SpecPartner.StartAsync();
        var (_, token) = await RegisterAsync(endpoint, partner, [Role("CPO", "BE", "SPC")]);
        return (endpoint, partner, token);
    }

    private static async Task AssertUnavailable(TestEndpoint endpoint, string token)
    {
        using var operatorCall = await endpoint.Http.SendAsync(endpoint.Operator(HttpMethod.Get, "/operator/partners"));
        var operatorBody = JsonNode.Parse(await operatorCall.Content.ReadAsStringAsync())!;
        Assert.True((int)operatorCall.StatusCode == 503, operatorBody.ToJsonString());
        Assert.True(operatorCall.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After on the operator API");
        Assert.Equal(3000, operatorBody.Status());
        Assert.False(string.IsNullOrEmpty(operatorBody["error"]?.GetValue<string>()));

        foreach (var path in new[] { "/ocpi/2.2.1", "/ocpi/emsp/2.2.1/tariffs/BE/SPC/T1" })
        {
            var (http, body, response) = await endpoint.OcpiAsync(HttpMethod.Get, path, token);
            Assert.True(http == 503, $"{path}: {http} {body.ToJsonString()}");
            Assert.Equal(3000, body.Status());
            Assert.NotNull(body["timestamp"]);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After on " + path);
        }
    }

    [Fact]
    public async Task Storage_refusing_connections_answers_503_with_retry_after()
    {
        await using var storage = await PrivateAzurite.StartAsync();
        var (endpoint, partner, token) = await StartAsync(storage);
        await using var _ = endpoint;
        await using var __ = partner;

        await storage.StopAsync();
        await AssertUnavailable(endpoint, token);
    }

    [Fact]
    public async Task Storage_that_never_answers_answers_503_with_retry_after()
    {
        await using var storage = await PrivateAzurite.StartAsync();
        // Short tries, so the test does not wait out the default network timeout.
        var (endpoint, partner, token) = await StartAsync(storage, new()
        {
            ["Roaming:StorageRetry:NetworkTimeout"] = "00:00:01",
            ["Roaming:StorageRetry:MaxRetries"] = "1",
        });
        await using var _ = endpoint;
        await using var __ = partner;

        storage.Pause();
        try
        {
            await AssertUnavailable(endpoint, token);
        }
        finally
        {
            storage.Resume();
        }
        // And back: the same calls are served again.
        Assert.Equal(200, (await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", token)).Http);
    }
}

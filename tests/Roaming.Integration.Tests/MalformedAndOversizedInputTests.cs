using System.Text;
using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>Bodies that are no text, values larger than anything stored, offsets at the end of int: the spec's answer, never a 500.</summary>
public class MalformedAndOversizedInputTests
{
    [Fact]
    public async Task The_largest_offset_is_an_empty_page_not_a_500()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        await using var emsp = await SloppyPartner.ConnectAsync(cpo, "EMSP");
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/L1", Fixtures.Location("L1"), expect: 201);
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/tariffs/NL/CPO/T1", new JsonObject
        {
            ["currency"] = "EUR",
            ["elements"] = new JsonArray(new JsonObject { ["price_components"] = new JsonArray(new JsonObject { ["type"] = "ENERGY", ["price"] = 0.3, ["step_size"] = 1 }) }),
        }, expect: 201);

        foreach (var module in new[] { "locations", "tariffs" })
        {
            foreach (var query in new[] { "?offset=2147483647", "?offset=2147483647&limit=100", "?offset=2147483600&limit=100", "?offset=1&limit=2147483647" })
            {
                var (status, body, response) = await emsp.CallAsync(cpo, HttpMethod.Get, $"/ocpi/cpo/2.2.1/{module}{query}");
                Assert.True(status == 200, $"{module}{query}: {status} {body.ToJsonString()}");
                Assert.Equal(1000, body["status_code"]!.GetValue<int>());
                Assert.Empty(body["data"]!.AsArray());
                Assert.False(response.Headers.Contains("Link"));
            }
            using var operatorList = await cpo.Http.SendAsync(cpo.Operator(HttpMethod.Get, $"/operator/{module}?offset=2147483647"));
            Assert.Equal(200, (int)operatorList.StatusCode);
        }
    }
}

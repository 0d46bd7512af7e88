using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>Tariffs: the receiver's rules, and tariffs travelling from a CPO endpoint to an eMSP endpoint by push and pull.</summary>
public class TariffsTests
{
    private static JsonObject Tariff(string id, string country = "NL", string party = "CPO", decimal price = 0.25m) => Fixtures.Tariff(id, country, party, price);

    [Fact]
    public async Task The_receiver_stores_replaces_deletes_and_refuses_bad_tariffs()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var cpo = await SpecPartner.StartAsync();
        var token = await RegisterAsCpoAsync(emsp, cpo);
        const string url = "/ocpi/emsp/2.2.1/tariffs/BE/SPC/";

        Assert.Equal(201, (await emsp.OcpiAsync(HttpMethod.Put, url + "T1", token, Tariff("T1", "BE", "SPC").ToJsonString())).Http);
        Assert.Equal(200, (await emsp.OcpiAsync(HttpMethod.Put, url + "T1", token, Tariff("T1", "BE", "SPC", 0.30m).ToJsonString())).Http);
        Assert.Equal("0.30", (await emsp.OcpiAsync(HttpMethod.Get, url + "t1", token)).Body.Str("data.elements.0.price_components.0.price"));

        foreach (var (path, body, http, field) in new (string, string, int, string?)[]
        {
            ("/ocpi/emsp/2.2.1/tariffs/NL/EVL/T2", Tariff("T2", "NL", "EVL").ToJsonString(), 404, null),
            (url + "T2", Without(Tariff("T2", "BE", "SPC"), "currency"), 200, "currency"),
            (url + "T2", Tariff("T2", "BE", "SPC").ToJsonString().Replace("\"ENERGY\"", "\"KILOWATTS\""), 200, "elements[0].price_components[0].type"),
            (url + "T2", Tariff("T2", "BE", "SPC").ToJsonString().Replace("\"EUR\"", "\"EURO\""), 200, "currency"),
            (url + "T2", Tariff("T3", "BE", "SPC").ToJsonString(), 200, "id"),
            (url + "T2", Tariff("T2", "BE", "SPC").ToJsonString().Replace("\"last_updated\":\"2026-01-01T10:00:00Z\"", "\"last_updated\":null"), 200, "last_updated"),
        })
        {
            var (status, answer, _) = await emsp.OcpiAsync(HttpMethod.Put, path, token, body);
            Assert.True(status == http, $"{path}: {status} {answer.ToJsonString()}");
            Assert.Equal(2001, answer["status_code"]!.GetValue<int>());
            if (field is not null) Assert.Contains(field + ":", answer["status_message"]!.GetValue<string>());
        }
        Assert.Equal(404, (await emsp.OcpiAsync(HttpMethod.Get, url + "T2", token)).Http);

        Assert.Equal(200, (await emsp.OcpiAsync(HttpMethod.Delete, url + "T1", token)).Http);
        Assert.Equal(404, (await emsp.OcpiAsync(HttpMethod.Get, url + "T1", token)).Http);
        Assert.Equal(404, (await emsp.OcpiAsync(HttpMethod.Delete, url + "T1", token)).Http);
        Assert.Equal(0, (await emsp.OperatorAsync(HttpMethod.Get, "/operator/tariffs?scope=received"))["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task Parallel_and_out_of_order_puts_of_one_tariff_keep_the_newest()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var cpo = await SpecPartner.StartAsync();
        var token = await RegisterAsCpoAsync(emsp, cpo);
        const string url = "/ocpi/emsp/2.2.1/tariffs/BE/SPC/T1";

        var at = new DateTimeOffset(2026, 7, 1, 0, 0, 0, TimeSpan.Zero);
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).OrderBy(_ => Random.Shared.Next()).Select(i =>
        {
            var tariff = Tariff("T1", "BE", "SPC", 0.20m + i / 100m);
            tariff["last_updated"] = at.AddSeconds(i).ToString("yyyy-MM-ddTHH:mm:ssZ");
            return emsp.OcpiAsync(HttpMethod.Put, url, token, tariff.ToJsonString());
        }));
        Assert.All(answers, a => Assert.True(a.Http is 200 or 201, a.Body.ToJsonString()));
        var stored = (await emsp.OcpiAsync(HttpMethod.Get, url, token)).Body;
        Assert.Equal("0.69", stored.Str("data.elements.0.price_components.0.price"));
        Assert.Equal(at.AddSeconds(49).ToString("yyyy-MM-ddTHH:mm:ssZ"), stored.Str("data.last_updated"));
    }

    [Fact]
    public async Task Tariffs_reach_the_emsp_by_pull_then_push_and_deletes_follow()
    {
        var (cpo, emsp, _, cpoAtEmsp) = await Fixtures.ConnectAsync(beforeRegistration: async c =>
        {
            for (var i = 0; i < 5; i++) await c.OperatorAsync(HttpMethod.Put, $"/operator/tariffs/NL/CPO/PULLED{i}", Tariff($"PULLED{i}"), expect: 201);
        });
        await using var _cpo = cpo;
        await using var _emsp = emsp;

        await Fixtures.Eventually(async () => (await emsp.OperatorAsync(HttpMethod.Get, "/operator/tariffs?scope=received"))["total"]!.GetValue<int>() == 5,
            "the tariffs pulled after registration");
        var jobs = (await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{cpoAtEmsp}/sync")).AsArray();
        Assert.Contains(jobs, j => j!["module"]!.GetValue<string>() == "tariffs");

        var stored = await cpo.OperatorAsync(HttpMethod.Put, "/operator/tariffs/NL/CPO/PUSHED", Tariff("PUSHED", price: 0.40m), expect: 201);
        await Fixtures.Eventually(async () =>
        {
            using var r = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Get, "/operator/tariffs/NL/CPO/PUSHED?scope=received"));
            return r.IsSuccessStatusCode;
        }, "the pushed tariff");
        Assert.Equal(stored.Str("last_updated"), (await emsp.OperatorAsync(HttpMethod.Get, "/operator/tariffs/NL/CPO/PUSHED?scope=received")).Str("last_updated"));

        await cpo.OperatorAsync(HttpMethod.Delete, "/operator/tariffs/NL/CPO/PULLED0");
        await Fixtures.Eventually(async () => (await emsp.OperatorAsync(HttpMethod.Get, "/operator/tariffs?scope=received"))["total"]!.GetValue<int>() == 5,
            "the pushed delete");
        using var gone = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Get, "/operator/tariffs/NL/CPO/PULLED0?scope=received"));
        Assert.Equal(404, (int)gone.StatusCode);
    }

    /// <summary>The spec partner registers with the eMSP as CPO BE/SPC; returns the token it calls with.</summary>
    private static async Task<string> RegisterAsCpoAsync(TestEndpoint emsp, SpecPartner cpo)
    {
        var invitation = await emsp.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var credentials = JsonNode.Parse(CredentialsHandshakeTests.Credentials(cpo.Issue("B"), cpo))!;
        credentials["roles"]![0]!["role"] = "CPO";
        return (await emsp.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), credentials.ToJsonString())).Body.Str("data.token");
    }

    private static string Without(JsonObject o, string field)
    {
        o.Remove(field);
        return o.ToJsonString();
    }
}

using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;

namespace Roaming.Integration.Tests;

/// <summary>Test objects written here, from the spec's field tables.</summary>
public static class Fixtures
{
    public static JsonObject Location(string id, int evses = 2, string country = "NL", string party = "CPO", string status = "AVAILABLE")
    {
        var list = new JsonArray();
        for (var i = 1; i <= evses; i++) list.Add(Evse($"{id}-E{i}", status));
        return new JsonObject
        {
            ["country_code"] = country,
            ["party_id"] = party,
            ["id"] = id,
            ["publish"] = true,
            ["name"] = "Station " + id,
            ["address"] = "Stationsplein 1",
            ["city"] = "Amsterdam",
            ["postal_code"] = "1012AB",
            ["country"] = "NLD",
            ["coordinates"] = new JsonObject { ["latitude"] = "52.378900", ["longitude"] = "4.900200" },
            ["parking_type"] = "ON_STREET",
            ["evses"] = list,
            ["facilities"] = new JsonArray("TRAIN_STATION", "FUTURE_FACILITY_NOT_IN_2_2_1"),
            ["time_zone"] = "Europe/Amsterdam",
            ["last_updated"] = "2026-01-01T10:00:00Z",
        };
    }

    public static JsonObject Evse(string uid, string status = "AVAILABLE") => new()
    {
        ["uid"] = uid,
        ["evse_id"] = "NL*CPO*E" + uid.Replace("-", ""),
        ["status"] = status,
        ["capabilities"] = new JsonArray("RFID_READER", "REMOTE_START_STOP_CAPABLE"),
        ["connectors"] = new JsonArray(Connector("1"), Connector("2", "SOME_NEW_STANDARD")),
        ["physical_reference"] = "P1",
        ["last_updated"] = "2026-01-01T10:00:00Z",
    };

    public static JsonObject Connector(string id, string standard = "IEC_62196_T2") => new()
    {
        ["id"] = id,
        ["standard"] = standard,
        ["format"] = "SOCKET",
        ["power_type"] = "AC_3_PHASE",
        ["max_voltage"] = 230,
        ["max_amperage"] = 32,
        ["tariff_ids"] = new JsonArray("T1"),
        ["last_updated"] = "2026-01-01T10:00:00Z",
    };

    public static JsonObject Tariff(string id, string country = "NL", string party = "CPO", decimal price = 0.25m) => new()
    {
        ["country_code"] = country,
        ["party_id"] = party,
        ["id"] = id,
        ["currency"] = "EUR",
        ["elements"] = new JsonArray(new JsonObject
        {
            ["price_components"] = new JsonArray(new JsonObject { ["type"] = "ENERGY", ["price"] = price, ["vat"] = 21.0, ["step_size"] = 1 }),
        }),
        ["last_updated"] = "2026-01-01T10:00:00Z",
    };

    /// <summary>The total an operator list answers.</summary>
    public static async Task<int> TotalAsync(TestEndpoint endpoint, string path) => (await endpoint.OperatorAsync(HttpMethod.Get, path))["total"]!.GetValue<int>();

    /// <summary>Every page of an operator list through its next links: the total the pages gave (they agree) and the ids in order.</summary>
    public static async Task<(int Total, List<string> Ids)> WalkAsync(TestEndpoint endpoint, string path)
    {
        var ids = new List<string>();
        var totals = new HashSet<int>();
        string? next = path;
        while (next is not null)
        {
            var page = await endpoint.OperatorAsync(HttpMethod.Get, next[next.IndexOf("/operator", StringComparison.Ordinal)..]);
            totals.Add(page["total"]!.GetValue<int>());
            ids.AddRange(page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
            next = page["next"]?.GetValue<string>();
        }
        return (totals.Single(), ids);
    }

    /// <summary>Whether the endpoint's table holds the row (an outbox slot, an object), read straight from storage.</summary>
    public static async Task<bool> RowExistsAsync(TestEndpoint endpoint, string table, string partition, string row) =>
        (await new global::Azure.Data.Tables.TableClient(Azurite.ConnectionString, endpoint.Prefix + table)
            .GetEntityIfExistsAsync<global::Azure.Data.Tables.TableEntity>(partition, row)).HasValue;

    public static async Task Eventually(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(100);
        }
        Assert.Fail($"Timed out after {seconds} s waiting for: {what}");
    }

    public static readonly Dictionary<string, string?> FastRetries = new()
    {
        ["Roaming:PushRetryDelay"] = "00:00:00.200",
        ["Roaming:PushMaxRetryDelay"] = "00:00:01",
    };

    /// <summary>A CPO endpoint and an eMSP endpoint; the CPO registers with the eMSP through the handshake.</summary>
    /// <param name="beforeRegistration">publishes at the CPO before the partners know each other</param>
    /// <param name="emspBeforeRegistration">the same at the eMSP</param>
    /// <param name="emspHost">adds to the eMSP's host (e.g. a middleware that holds some requests)</param>
    public static async Task<(TestEndpoint Cpo, TestEndpoint Emsp, string EmspAtCpo, string CpoAtEmsp)> ConnectAsync(
        Dictionary<string, string?>? cpoSettings = null, Func<TestEndpoint, Task>? beforeRegistration = null,
        Func<TestEndpoint, Task>? emspBeforeRegistration = null, Action<WebApplicationBuilder>? emspHost = null, Dictionary<string, string?>? emspSettings = null,
        Action<WebApplicationBuilder>? cpoHost = null)
    {
        var cpo = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], cpoHost, cpoSettings ?? FastRetries);
        var emsp = await TestEndpoint.StartAsync([("DE", "MSP", "EMSP")], emspHost, emspSettings);
        if (beforeRegistration is not null) await beforeRegistration(cpo);
        if (emspBeforeRegistration is not null) await emspBeforeRegistration(emsp);
        var invitation = await emsp.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var registered = await cpo.OperatorAsync(HttpMethod.Post, "/operator/registrations",
            new { versions_url = invitation.Str("versions_url"), token = invitation.Str("token") }, expect: 201);
        return (cpo, emsp, registered.Str("id"), invitation.Str("partner_id"));
    }
}

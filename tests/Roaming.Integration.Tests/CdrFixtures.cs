using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Azure.Queues;
using Roaming.Core.Queues;

namespace Roaming.Integration.Tests;

/// <summary>
/// Sessions and CDRs for the tests, written from the spec's field tables, with figures simple enough to price by hand.
/// Tariff T1: FLAT 0.50, ENERGY 0.30 per kWh, PARKING_TIME 2.00 per hour, 21% VAT each, step_size 1 (1 Wh, 1 s), no restrictions.
/// </summary>
public static class CdrFixtures
{
    public const string Emsp = "DE";
    public const string EmspParty = "MSP";

    public static JsonObject Tariff(string id = "T1") => new()
    {
        ["currency"] = "EUR",
        ["elements"] = new JsonArray(new JsonObject
        {
            ["price_components"] = new JsonArray(
                new JsonObject { ["type"] = "FLAT", ["price"] = 0.50, ["vat"] = 21.0, ["step_size"] = 1 },
                new JsonObject { ["type"] = "ENERGY", ["price"] = 0.30, ["vat"] = 21.0, ["step_size"] = 1 },
                new JsonObject { ["type"] = "PARKING_TIME", ["price"] = 2.00, ["vat"] = 21.0, ["step_size"] = 1 }),
        }),
    };

    public static JsonObject Token() => new()
    {
        ["country_code"] = Emsp, ["party_id"] = EmspParty, ["uid"] = "0102030405", ["type"] = "RFID", ["contract_id"] = "DE-MSP-C12345678-X",
    };

    /// <summary>One charging period: its start (minutes after 10:00Z on Monday 2 March 2026) and its dimensions.</summary>
    public static JsonObject Period(int minute, params (string Type, double Volume)[] dimensions) => new()
    {
        ["start_date_time"] = At(minute),
        ["dimensions"] = new JsonArray(dimensions.Select(d => (JsonNode)new JsonObject { ["type"] = d.Type, ["volume"] = d.Volume }).ToArray()),
    };

    public static string At(int minute) => new DateTime(2026, 3, 2, 10, 0, 0, DateTimeKind.Utc).AddMinutes(minute).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    /// <summary>The session of the tests: 5 kWh in the first half hour, 6 in the second, then 15 minutes parked.</summary>
    public static readonly JsonObject[] Periods =
    [
        Period(0, ("ENERGY", 5.0), ("TIME", 0.5)),
        Period(30, ("ENERGY", 6.0), ("TIME", 0.5)),
        Period(60, ("PARKING_TIME", 0.25)),
    ];

    public static JsonObject Session(string location = "LOC1") => new()
    {
        ["start_date_time"] = At(0),
        ["kwh"] = 0,
        ["cdr_token"] = Token(),
        ["auth_method"] = "WHITELIST",
        ["location_id"] = location,
        ["evse_uid"] = location + "-E1",
        ["connector_id"] = "1",
        ["currency"] = "EUR",
        ["status"] = "ACTIVE",
        ["last_updated"] = At(0),
    };

    /// <summary>A finished session's record as the back office reports it: no costs, no tariffs, no last_updated.</summary>
    public static JsonObject Record(string id, string location = "LOC1", string? sessionId = null, JsonObject[]? periods = null, int endMinute = 75)
    {
        var record = new JsonObject
        {
            ["country_code"] = "NL",
            ["party_id"] = "CPO",
            ["id"] = id,
            ["start_date_time"] = At(0),
            ["end_date_time"] = At(endMinute),
            ["cdr_token"] = Token(),
            ["auth_method"] = "WHITELIST",
            ["cdr_location"] = new JsonObject
            {
                ["id"] = location, ["name"] = "Station " + location, ["address"] = "Stationsplein 1", ["city"] = "Amsterdam", ["postal_code"] = "1012AB",
                ["country"] = "NLD", ["coordinates"] = new JsonObject { ["latitude"] = "52.378900", ["longitude"] = "4.900200" },
                ["evse_uid"] = location + "-E1", ["evse_id"] = "NL*CPO*E" + location + "E1", ["connector_id"] = "1",
                ["connector_standard"] = "IEC_62196_T2", ["connector_format"] = "SOCKET", ["connector_power_type"] = "AC_3_PHASE",
            },
            ["currency"] = "EUR",
            ["charging_periods"] = new JsonArray((periods ?? Periods).Select(p => p.DeepClone()).ToArray()),
        };
        if (sessionId is not null) record["session_id"] = sessionId;
        return record;
    }

    /// <summary>The CPO publishes tariff T1 and location LOC1 (its connectors name T1).</summary>
    public static async Task PublishAsync(TestEndpoint cpo, string location = "LOC1")
    {
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/tariffs/NL/CPO/T1", Tariff(), expect: 201);
        await cpo.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{location}", Fixtures.Location(location), expect: 201);
    }

    public static async Task<JsonNode?> FindAsync(TestEndpoint endpoint, string path)
    {
        using var response = await endpoint.Http.SendAsync(endpoint.Operator(HttpMethod.Get, path));
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
    }

    public static async Task<string> RawAsync(TestEndpoint endpoint, string path)
    {
        using var response = await endpoint.Http.SendAsync(endpoint.Operator(HttpMethod.Get, path));
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Starts a pull of a module from a partner and waits for it to end; returns the job.</summary>
    public static async Task<JsonNode> PullAsync(TestEndpoint endpoint, string partnerId, string module, string mode)
    {
        var job = await endpoint.OperatorAsync(HttpMethod.Post, $"/operator/partners/{partnerId}/sync", new { module, mode }, expect: 202);
        JsonNode done = job;
        await Fixtures.Eventually(async () =>
            (done = await endpoint.OperatorAsync(HttpMethod.Get, $"/operator/partners/{partnerId}/sync/{job.Str("job_id")}")).Str("state") != "Running", $"the pull of {module}");
        return done;
    }

    /// <summary>A message written straight onto a queue of the endpoint, as the CSMS does.</summary>
    public static Task SendAsync(TestEndpoint endpoint, string queue, string body) =>
        endpoint.Services.GetRequiredService<IWorkQueue>().SendAsync(queue, Encoding.UTF8.GetBytes(body));

    public static QueueClient Queue(TestEndpoint endpoint, string name) => endpoint.Services.GetRequiredService<StorageQueues>().Get(name);

    /// <summary>The messages waiting on a queue (up to 32), as JSON.</summary>
    public static async Task<List<JsonNode>> PeekAsync(TestEndpoint endpoint, string name) =>
        (await Queue(endpoint, name).PeekMessagesAsync(32)).Value.Select(m => JsonNode.Parse(m.Body.ToString())!).ToList();

    public static decimal Dec(this JsonNode node, string path) => decimal.Parse(node.Str(path), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The JSON text of a member exactly as it stands in a document (the bytes, not a re-encoding).</summary>
    public static string RawMember(string json, params string[] path)
    {
        using var document = JsonDocument.Parse(json);
        var element = document.RootElement;
        foreach (var name in path) element = element.GetProperty(name);
        return element.GetRawText();
    }
}

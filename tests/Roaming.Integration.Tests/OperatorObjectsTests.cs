using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Azure;
using Roaming.Azure.Tables;
using Roaming.Core.Locations;

namespace Roaming.Integration.Tests;

/// <summary>The back office's locations and tariffs API refuses bad input clearly and stores nothing for it.</summary>
public class OperatorObjectsTests
{
    [Fact]
    public async Task Bad_back_office_input_is_refused_with_the_field_named_and_nothing_stored()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        var location = Fixtures.Location("OP1");
        var tariff = new JsonObject
        {
            ["currency"] = "EUR",
            ["elements"] = new JsonArray(new JsonObject { ["price_components"] = new JsonArray(new JsonObject { ["type"] = "TIME", ["price"] = 2, ["step_size"] = 60 }) }),
        };
        foreach (var (method, path, body, http, named) in new (string, string, string?, int, string)[]
        {
            ("PUT", "/operator/locations/DE/XYZ/OP1", location.ToJsonString(), 400, "is not a CPO party"),
            ("PUT", "/operator/locations/NL/CPO/OP1", location.ToJsonString().Replace("\"AVAILABLE\"", "\"FREE\""), 400, "evses[0].status"),
            ("PUT", "/operator/locations/NL/CPO/OP1", "{\"publish\": true}", 400, "address"),
            ("PUT", "/operator/locations/NL/CPO/OP1", "[]", 400, "(body)"),
            ("PATCH", "/operator/locations/NL/CPO/NOPE/E1", "{\"status\":\"CHARGING\"}", 404, "Unknown location"),
            ("PATCH", "/operator/locations/NL/CPO/OP1", "{\"id\":\"OTHER\"}", 400, "id"),
            ("GET", "/operator/locations?scope=everything", null, 400, "scope"),
            ("GET", "/operator/locations?status=SLEEPING", null, 400, "status"),
            ("GET", "/operator/locations?country_code=NLD&party_id=CPO", null, 400, "country_code"),
            ("GET", "/operator/locations?limit=abc", null, 400, "limit"),
            ("PUT", "/operator/tariffs/NL/CPO/T1", tariff.ToJsonString().Replace("\"TIME\"", "\"MINUTES\""), 400, "elements[0].price_components[0].type"),
            ("PUT", "/operator/tariffs/NL/CPO/T1", "{\"currency\":\"EUR\"}", 400, "elements"),
            ("DELETE", "/operator/tariffs/NL/CPO/NOPE", null, 404, "Unknown tariff"),
            ("POST", "/operator/locations/evse-statuses", "{\"not\":\"a list\"}", 400, "(body)"),
            ("POST", "/operator/locations/evse-statuses", "[{\"country_code\":\"NL\"}]", 400, "party_id"),
        })
        {
            var request = cpo.Operator(new HttpMethod(method), path);
            if (body is not null) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = await cpo.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == http, $"{method} {path}: {(int)response.StatusCode} {text}");
            Assert.Contains(named, JsonNode.Parse(text)!["error"]!.GetValue<string>());
        }
        Assert.Equal(0, (await cpo.OperatorAsync(HttpMethod.Get, "/operator/locations"))["total"]!.GetValue<int>());
        Assert.Equal(0, (await cpo.OperatorAsync(HttpMethod.Get, "/operator/tariffs"))["total"]!.GetValue<int>());

        // And the good forms work, with last_updated filled in.
        var stored = await cpo.OperatorAsync(HttpMethod.Put, "/operator/tariffs/NL/CPO/T1", tariff, expect: 201);
        Assert.NotNull(stored["last_updated"]);
        Assert.Equal("T1", (await cpo.OperatorAsync(HttpMethod.Delete, "/operator/tariffs/NL/CPO/T1")).Str("deleted"));
    }

    [Fact]
    public async Task A_bulk_call_is_bounded_and_its_storage_work_batched()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/BND1", Fixtures.Location("BND1"), expect: 201);
        var unknown = Enumerable.Range(0, LocationLimits.MaxStatusUpdates)
            .Select(i => new { country_code = "NL", party_id = "CPO", location_id = "BND1", evse_uid = $"U{i:D4}", status = "CHARGING" }).ToList();
        // The PUT's push (to nobody) reads and clears its outbox slot: done before counting, or it would be counted.
        await Fixtures.Eventually(async () => !await Fixtures.RowExistsAsync(cpo, "locations", "O|NL|CPO|BND1", "A~push|BND1"), "the location's push done");
        var operations = cpo.Services.GetRequiredService<StorageOperations>();
        var before = operations[StorageTables.Locations];
        var result = await cpo.OperatorAsync(HttpMethod.Post, "/operator/locations/evse-statuses", unknown);
        // One read of the location answers all thousand items; nothing to write.
        Assert.InRange(operations[StorageTables.Locations] - before, 1, 2);
        Assert.Equal(0, result["updated"]!.GetValue<int>());
        Assert.All(result["failed"]!.AsArray(), f => Assert.Equal(2003, f!["status_code"]!.GetValue<int>()));
        Assert.Equal(LocationLimits.MaxStatusUpdates, result["failed"]!.AsArray().Count);

        unknown.Add(unknown[0]);
        var over = await cpo.OperatorAsync(HttpMethod.Post, "/operator/locations/evse-statuses", unknown, expect: 400);
        Assert.Equal(2001, over["status_code"]!.GetValue<int>());
        var big = await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/BND2", Fixtures.Location("BND2", evses: LocationLimits.MaxEvses + 1), expect: 400);
        Assert.Contains("evses", big.Str("error"));
    }
}

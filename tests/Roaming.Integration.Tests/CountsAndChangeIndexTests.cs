using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Azure;
using Roaming.Azure.Tables;

namespace Roaming.Integration.Tests;

/// <summary>
/// X-Total-Count is read from counts kept beside the objects, and a date_from page reads an index of objects by
/// last_updated: both stay exactly what the objects are while creates, replacements and deletions run concurrently,
/// checked against a walk through every page.
/// </summary>
public class CountsAndChangeIndexTests
{
    [Fact]
    public async Task A_partys_tariff_count_stays_exact_under_concurrent_creates_replacements_and_deletions()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        var ids = Enumerable.Range(0, 120).Select(i => $"T{i:D3}").ToList();
        // Every id PUT twice at once: each is created once, counted once.
        await Parallel.ForEachAsync(ids.Concat(ids), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (id, _) =>
            await cpo.OperatorAsync(HttpMethod.Put, $"/operator/tariffs/NL/CPO/{id}", Fixtures.Tariff(id), expect: EndpointClient.AnyOutcome));
        Assert.Equal(120, await Fixtures.TotalAsync(cpo, "/operator/tariffs?scope=own&limit=1"));

        // At once: 40 deleted (some twice), 15 of those created again, 40 others replaced, 25 new ones created.
        var deleted = ids.Take(40).ToList();
        var again = deleted.Take(15).ToList();
        var work = deleted.Select(id => (HttpMethod.Delete, id)).Concat(deleted.Take(10).Select(id => (HttpMethod.Delete, id)))
            .Concat(ids.Skip(40).Take(40).Select(id => (HttpMethod.Put, id)))
            .Concat(Enumerable.Range(120, 25).Select(i => (HttpMethod.Put, $"T{i:D3}")))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (w, _) =>
            await cpo.OperatorAsync(w.Item1, $"/operator/tariffs/NL/CPO/{w.Item2}", w.Item1 == HttpMethod.Put ? Fixtures.Tariff(w.Item2) : null, expect: EndpointClient.AnyOutcome));
        await Parallel.ForEachAsync(again, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
            await cpo.OperatorAsync(HttpMethod.Put, $"/operator/tariffs/NL/CPO/{id}", Fixtures.Tariff(id), expect: 201));

        var (total, walked) = await Fixtures.WalkAsync(cpo, "/operator/tariffs?scope=own&limit=17");
        Assert.Equal(120 - 40 + 15 + 25, walked.Count);
        Assert.Equal(walked.Count, walked.Distinct().Count());
        Assert.Equal(walked.Count, total);
    }

    [Fact]
    public async Task A_date_from_page_of_tariffs_returns_exactly_those_changed_since_across_concurrent_updates()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        var ids = Enumerable.Range(0, 80).Select(i => $"T{i:D3}").ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
            await cpo.OperatorAsync(HttpMethod.Put, $"/operator/tariffs/NL/CPO/{id}", Tariff(id, 0.10m), expect: 201));
        var since = await ServerTimeAfterAsync(cpo);

        // Changed since: 25 replaced several times at once (the last price of each kept), 10 deleted, 12 created.
        var changed = ids.Skip(10).Take(25).ToList();
        var deleted = ids.Skip(50).Take(10).ToList();
        var created = Enumerable.Range(80, 12).Select(i => $"T{i:D3}").ToList();
        var prices = new ConcurrentDictionary<string, decimal>();
        var work = changed.SelectMany(id => Enumerable.Range(1, 4).Select(n => (Id: id, Price: 0.20m + n / 100m)))
            .Concat(created.Select(id => (Id: id, Price: 0.50m)))
            .Concat(deleted.Select(id => (Id: id, Price: -1m)))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (w, _) =>
        {
            if (w.Price < 0)
            {
                await cpo.OperatorAsync(HttpMethod.Delete, $"/operator/tariffs/NL/CPO/{w.Id}");
                return;
            }
            await cpo.OperatorAsync(HttpMethod.Put, $"/operator/tariffs/NL/CPO/{w.Id}", Tariff(w.Id, w.Price), expect: EndpointClient.AnyOutcome);
        });

        var (total, walked) = await Fixtures.WalkAsync(cpo, $"/operator/tariffs?scope=own&date_from={since}&limit=6");
        Assert.Equal(changed.Concat(created).Order(), walked.Order());
        Assert.Equal(walked.Count, total);
        // Each appears with what is stored now.
        foreach (var id in changed.Concat(created))
        {
            var stored = await cpo.OperatorAsync(HttpMethod.Get, $"/operator/tariffs/NL/CPO/{id}");
            var listed = (await cpo.OperatorAsync(HttpMethod.Get, $"/operator/tariffs?scope=own&date_from={since}&limit=100"))["items"]!.AsArray()
                .Single(t => t!["id"]!.GetValue<string>() == id)!;
            Assert.Equal(stored.ToJsonString(), listed.ToJsonString());
        }
        // Before it: exactly the ones untouched since.
        var (before, untouched) = await Fixtures.WalkAsync(cpo, $"/operator/tariffs?scope=own&date_to={since}&limit=9");
        Assert.Equal(ids.Except(changed).Except(deleted).Order(), untouched.Order());
        Assert.Equal(untouched.Count, before);
        // The OCPI sender's X-Total-Count and pages agree with the operator's.
        Assert.Equal(ids.Count - deleted.Count + created.Count, await Fixtures.TotalAsync(cpo, "/operator/tariffs?scope=own&limit=1"));
    }

    [Fact]
    public async Task A_partys_location_count_stays_exact_when_two_instances_create_the_same_locations_at_once()
    {
        await using var one = await TestEndpoint.StartCpoAsync();
        await using var two = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: new Dictionary<string, string?>(one.HostSettings));
        var ids = Enumerable.Range(0, 50).Select(i => $"L{i:D3}").ToList();
        // Each location PUT at once by both instances, and by one of them twice: created once, counted once.
        var work = ids.SelectMany(id => new[] { (one, id), (two, id), (one, id) }).OrderBy(_ => Random.Shared.Next()).ToList();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (w, _) =>
            await w.Item1.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{w.id}", Fixtures.Location(w.id, evses: 1), expect: EndpointClient.AnyOutcome));
        foreach (var host in new[] { one, two })
        {
            var (total, walked) = await Fixtures.WalkAsync(host, "/operator/locations?scope=own&limit=7");
            Assert.Equal(ids, walked);
            Assert.Equal(ids.Count, total);
        }
    }

    [Fact]
    public async Task A_date_from_page_of_locations_returns_exactly_those_changed_since_across_concurrent_changes()
    {
        await using var one = await TestEndpoint.StartCpoAsync();
        await using var two = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: new Dictionary<string, string?>(one.HostSettings));
        var ids = Enumerable.Range(0, 60).Select(i => $"L{i:D3}").ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
            await one.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Fixtures.Location(id), expect: 201));
        var since = await ServerTimeAfterAsync(one);

        // Since then, from both instances at once: EVSE statuses (several per location, singly and in bulk calls),
        // own fields, replacements, new locations.
        var statuses = ids.Skip(5).Take(15).ToList();
        var fields = ids.Skip(25).Take(5).ToList();
        var replaced = ids.Skip(35).Take(5).ToList();
        var created = Enumerable.Range(60, 5).Select(i => $"L{i:D3}").ToList();
        var work = new List<Func<Task>>();
        foreach (var (id, n) in statuses.SelectMany(id => new[] { (id, 1), (id, 2), (id, 1) }))
            work.Add(() => (n % 2 == 0 ? one : two).OperatorAsync(HttpMethod.Patch, $"/operator/locations/NL/CPO/{id}/{id}-E{n}", new { status = n == 1 ? "CHARGING" : "BLOCKED" }));
        work.Add(() => two.OperatorAsync(HttpMethod.Post, "/operator/locations/evse-statuses",
            statuses.Take(8).Select(id => new { country_code = "NL", party_id = "CPO", location_id = id, evse_uid = id + "-E2", status = "OUTOFORDER" }).ToList()));
        foreach (var id in fields) work.Add(() => one.OperatorAsync(HttpMethod.Patch, $"/operator/locations/NL/CPO/{id}", new { name = "Renamed " + id }));
        foreach (var id in replaced) work.Add(() => two.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Unstamped(id, 1)));
        foreach (var id in created) work.Add(() => one.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Unstamped(id, 2), expect: 201));
        await Parallel.ForEachAsync(work.OrderBy(_ => Random.Shared.Next()), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (w, _) => await w());

        var changed = statuses.Concat(fields).Concat(replaced).Concat(created).Order().ToList();
        foreach (var host in new[] { one, two })
        {
            var (total, walked) = await Fixtures.WalkAsync(host, $"/operator/locations?scope=own&date_from={since}&limit=4");
            Assert.Equal(changed, walked.Order());
            Assert.Equal(walked.Count, total);
            var (before, untouched) = await Fixtures.WalkAsync(host, $"/operator/locations?scope=own&date_to={since}&limit=9");
            Assert.Equal(ids.Except(changed), untouched.Order());
            Assert.Equal(untouched.Count, before);
        }
        // Each listed as it is stored, with the last_updated of its latest change.
        var listed = (await one.OperatorAsync(HttpMethod.Get, $"/operator/locations?scope=own&date_from={since}&limit=100"))["items"]!.AsArray();
        foreach (var item in listed)
        {
            var stored = await one.OperatorAsync(HttpMethod.Get, $"/operator/locations/NL/CPO/{item!["id"]}");
            Assert.Equal(stored.ToJsonString(), item.ToJsonString());
        }
    }

    [Theory]
    [InlineData("date_from")]
    [InlineData("date_to")]
    public async Task A_deep_date_filtered_page_of_locations_reads_what_the_second_page_reads(string filter)
    {
        // The next link carries a key cursor into the index; were it lost, each page would skip through every location
        // before it, and a full pull (which always sends date_to) would cost the square of its size.
        await using var cpo = await TestEndpoint.StartCpoAsync();
        var ids = Enumerable.Range(0, 60).Select(i => $"L{i:D3}").ToList();
        var before = await ServerTimeAfterAsync(cpo);
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, _) =>
            await cpo.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Unstamped(id, 1), expect: 201));
        var after = await ServerTimeAfterAsync(cpo);
        var operations = cpo.Services.GetRequiredService<StorageOperations>();
        var costs = new List<long>();
        var walked = new List<string>();
        string? next = $"/operator/locations?scope=own&{filter}={(filter == "date_from" ? before : after)}&limit=6";
        while (next is not null)
        {
            var start = operations[StorageTables.Locations];
            var page = await cpo.OperatorAsync(HttpMethod.Get, next[next.IndexOf("/operator", StringComparison.Ordinal)..]);
            costs.Add(operations[StorageTables.Locations] - start);
            walked.AddRange(page["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
            next = page["next"]?.GetValue<string>();
        }
        Assert.Equal(ids, walked.Order());
        Assert.True(costs.Count >= 10, $"{costs.Count} pages");
        Assert.All(costs.Skip(2), cost => Assert.InRange(cost, 0, costs[1] + 2));
    }

    private static JsonObject Unstamped(string id, int evses)
    {
        var location = Fixtures.Location(id, evses);
        location.Remove("last_updated");
        foreach (var evse in location["evses"]!.AsArray()) ((JsonObject)evse!).Remove("last_updated");
        return location;
    }

    private static JsonObject Tariff(string id, decimal price)
    {
        var tariff = Fixtures.Tariff(id, price: price);
        // The endpoint stamps it: the time it applied the change.
        tariff.Remove("last_updated");
        return tariff;
    }

    /// <summary>A time after every change so far and before any later one (the endpoint stamps changes with its clock, this machine's).</summary>
    private static async Task<string> ServerTimeAfterAsync(TestEndpoint endpoint)
    {
        await Task.Delay(20);
        var now = DateTimeOffset.UtcNow;
        await Task.Delay(20);
        return Uri.EscapeDataString(now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
    }
}

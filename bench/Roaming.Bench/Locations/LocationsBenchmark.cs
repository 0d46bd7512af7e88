using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Roaming.Bench.Locations;

/// <summary>
/// End to end on this machine: two ASP.NET Core hosts (a CPO and an eMSP) as separate processes on 127.0.0.1,
/// on Azurite. Prints (1) the eMSP's full pull of N locations with M EVSEs each: time, pages, peak memory of each
/// host; (2) EVSE status updates per second from the CPO's operator API to the eMSP's table (through the
/// CPO's table, the push queue and a PATCH to the eMSP), one call per update and in bulk calls.
/// Stops both hosts and removes their tables and queues when done.
/// </summary>
public static class LocationsBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var locations = Bench.Option(args, "--locations", 10_000);
        var evses = Bench.Option(args, "--evses", 5);
        var updates = Bench.Option(args, "--updates", 5_000);
        var hostDir = Bench.PrepareHost();

        await using var cpo = await BenchHost.StartAsync(hostDir, "CPO", "CPO");
        await using var emsp = await BenchHost.StartAsync(hostDir, "MSP", "EMSP");
        Console.WriteLine($"hosts: CPO {cpo.Url} (pid {cpo.Pid}), eMSP {emsp.Url} (pid {emsp.Pid}); {locations:N0} locations x {evses} EVSEs");

        var seed = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, locations), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await cpo.SendAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/L{i:D6}", Location($"L{i:D6}", evses)));
        Console.WriteLine($"seeded the CPO in {seed.Elapsed.TotalSeconds:F1} s ({locations / seed.Elapsed.TotalSeconds:N0} locations/s through the operator API)");

        // Registration starts the eMSP's full pull.
        var pull = Stopwatch.StartNew();
        var cpoAtEmsp = await cpo.RegisterWithAsync(emsp);
        JsonNode? job = null;
        while (pull.Elapsed < TimeSpan.FromMinutes(30))
        {
            var jobs = (await emsp.SendAsync(HttpMethod.Get, $"/operator/partners/{cpoAtEmsp}/sync"))!.AsArray();
            job = jobs.FirstOrDefault(j => j!["module"]!.GetValue<string>() == "locations");
            if (job is not null && job["state"]!.GetValue<string>() != "Running") break;
            await Task.Delay(250);
        }
        pull.Stop();
        Console.WriteLine($"full pull: {job?["state"]} in {pull.Elapsed.TotalSeconds:F1} s, {job?["pages"]} pages, {job?["stored"]} locations ({(double)locations * evses / pull.Elapsed.TotalSeconds:N0} EVSEs/s)");
        Console.WriteLine($"peak memory (VmHWM): eMSP host {emsp.PeakMiB():N0} MiB, CPO host {cpo.PeakMiB():N0} MiB");

        // Deep pages: the next link carries a key cursor, so page 100 should cost what page 1 costs.
        var pageTimes = new List<double>();
        string? next = "/operator/locations?scope=own&limit=100";
        while (next is not null)
        {
            var t = Stopwatch.StartNew();
            var page = await cpo.SendAsync(HttpMethod.Get, next[next.IndexOf("/operator", StringComparison.Ordinal)..]);
            pageTimes.Add(t.Elapsed.TotalMilliseconds);
            next = page!["next"]?.GetValue<string>();
        }
        Console.WriteLine($"paging the CPO's {locations:N0} locations by 100: first page {pageTimes[0]:F0} ms (counts the total), second {pageTimes.ElementAtOrDefault(1):F0} ms, "
            + $"median {pageTimes.Order().ElementAt(pageTimes.Count / 2):F0} ms, last (page {pageTimes.Count}) {pageTimes[^1]:F0} ms");

        var n = Math.Min(updates, locations);
        foreach (var (label, bulk) in new[] { ("one operator call per update", 1), ("bulk calls of 100 updates", 100) })
        {
            var status = bulk == 1 ? "CHARGING" : "BLOCKED";
            var clock = Stopwatch.StartNew();
            if (bulk == 1)
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
                    await cpo.SendAsync(HttpMethod.Patch, $"/operator/locations/NL/CPO/L{i:D6}/L{i:D6}-E1", new JsonObject { ["status"] = status }));
            }
            else
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, n).Chunk(bulk), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, ct) =>
                    await cpo.SendAsync(HttpMethod.Post, "/operator/locations/evse-statuses", new JsonArray(chunk.Select(i => (JsonNode)new JsonObject
                    {
                        ["country_code"] = "NL", ["party_id"] = "CPO", ["location_id"] = $"L{i:D6}", ["evse_uid"] = $"L{i:D6}-E1", ["status"] = status,
                    }).ToArray())));
            }
            var accepted = clock.Elapsed;
            while (clock.Elapsed < TimeSpan.FromMinutes(10))
            {
                var seen = (await emsp.SendAsync(HttpMethod.Get, $"/operator/locations?scope=received&status={status}&limit=1"))!["total"]!.GetValue<int>();
                if (seen >= n) break;
                // The check itself scans the eMSP's table; polling slowly keeps it from slowing what it measures.
                await Task.Delay(2000);
            }
            Console.WriteLine($"EVSE status updates, {label}: {n:N0} accepted in {accepted.TotalSeconds:F1} s, all at the eMSP after {clock.Elapsed.TotalSeconds:F1} s: {n / clock.Elapsed.TotalSeconds:N0} updates/s end to end");
        }
        Console.WriteLine($"peak memory (VmHWM) at the end: eMSP host {emsp.PeakMiB():N0} MiB, CPO host {cpo.PeakMiB():N0} MiB");
        return 0;
    }

    internal static JsonObject Location(string id, int evses) => new()
    {
        ["publish"] = true,
        ["name"] = "Bench " + id,
        ["address"] = "Benchstraat 1",
        ["city"] = "Utrecht",
        ["postal_code"] = "3511AA",
        ["country"] = "NLD",
        ["coordinates"] = new JsonObject { ["latitude"] = "52.090700", ["longitude"] = "5.121400" },
        ["time_zone"] = "Europe/Amsterdam",
        ["evses"] = new JsonArray(Enumerable.Range(1, evses).Select(e => (JsonNode)new JsonObject
        {
            ["uid"] = $"{id}-E{e}",
            ["status"] = "AVAILABLE",
            ["connectors"] = new JsonArray(new JsonObject
            {
                ["id"] = "1", ["standard"] = "IEC_62196_T2", ["format"] = "SOCKET", ["power_type"] = "AC_3_PHASE", ["max_voltage"] = 230, ["max_amperage"] = 32,
            }),
        }).ToArray()),
    };

}

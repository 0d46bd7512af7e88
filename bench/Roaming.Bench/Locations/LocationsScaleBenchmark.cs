using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace Roaming.Bench.Locations;

/// <summary>
/// The locations channel at a CPO's real size (100,000 locations, one EVSE each, by default): a CPO and an eMSP host as
/// separate processes on 127.0.0.1, on Azurite. Prints the seed rate through the CPO's operator API, the eMSP's full
/// pull (time, storage operations and peak memory of each host), page 1 against page 1,000 of the CPO's list (by the
/// next links' cursor, and by a bare offset), and the eMSP's delta pull after 1% of the locations changed; each beside
/// the same storage calls made straight to Azurite in the same run, and their ratio. Run it at 2,000 and 20,000 too:
/// the hosts' peak memory should not grow with the number of locations.
/// </summary>
public static class LocationsScaleBenchmark
{
    private const int InFlight = LocationsBenchmark.SeedInFlight;

    public static async Task<int> RunAsync(string[] args)
    {
        var locations = Bench.Option(args, "--locations", 100_000);
        var hostDir = Bench.PrepareHost();
        await using var cpo = await BenchHost.StartAsync(hostDir, "CPO", "CPO");
        // One machine, one clock: the delta starts where the full pull did, not a skew allowance earlier (the seed).
        await using var emsp = await BenchHost.StartAsync(hostDir, "MSP", "EMSP", new Dictionary<string, string> { ["Roaming__SyncClockSkew"] = "00:00:00" });
        Console.WriteLine($"hosts: CPO {cpo.Url} (pid {cpo.Pid}), eMSP {emsp.Url} (pid {emsp.Pid}); {locations:N0} locations x 1 EVSE");

        // Seed: each location one PUT; the raw pair writes a location's two rows in one transaction, as many in flight.
        var seedBefore = await HostUsage.ReadAsync(cpo);
        var seed = await LocationsBenchmark.SeedAsync(cpo, locations, 1);
        // Settled: the pushes the seed queued are handled (no partner yet), so their operations count too.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var seedUsed = (await HostUsage.ReadAsync(cpo)).Since(seedBefore, locations);
        var seedRate = locations / seed.TotalSeconds;
        var sample = Math.Min(locations, 5_000);
        var rawSeed = await RawStorage.LocationWritesAsync(cpo.Prefix + "locations", sample, InFlight);
        var rawSeedRate = sample / rawSeed.TotalSeconds;
        Console.WriteLine($"seed: {locations:N0} locations in {seed.TotalSeconds:F0} s, {seedRate:N0}/s through the operator API ({InFlight} in flight); "
            + $"raw Azurite {rawSeedRate:N0}/s (one transaction of a location's rows each, {sample:N0}); ratio {seedRate / rawSeedRate:F2}");
        Console.WriteLine($"  CPO storage operations per location: {seedUsed.StoragePerRequest:F2} ({seedUsed.Breakdown()}), CPU {seedUsed.CpuMicrosPerRequest:N0} us");
        Console.WriteLine($"  peak memory (VmHWM) after the seed: CPO host {cpo.PeakMiB():N0} MiB");

        var pull = await LocationsBenchmark.FullPullAsync(cpo, emsp, locations);
        Console.WriteLine($"full pull: {pull.Job?["state"]} in {pull.Elapsed.TotalSeconds:F1} s, {pull.Job?["pages"]} pages, {pull.Job?["stored"]} locations, {locations / pull.Elapsed.TotalSeconds:N0} locations/s; "
            + $"raw Azurite scan and batch-write of the same {pull.RawEntities:N0} entities {pull.Raw.TotalSeconds:F1} s; ratio {pull.Elapsed / pull.Raw:F2}");
        if (pull.Job?["started"] is { } started && pull.Job["finished"] is { } finished)
            Console.WriteLine($"  (of which the job itself {(finished.GetValue<DateTimeOffset>() - started.GetValue<DateTimeOffset>()).TotalSeconds:F1} s, with the 3 s a registration's pulls wait for the partner)");
        Console.WriteLine($"  storage operations per location: CPO {pull.Cpo.StoragePerRequest:F2}, eMSP {pull.Emsp.StoragePerRequest:F2} ({pull.Emsp.Breakdown()})");
        Console.WriteLine($"  peak memory (VmHWM): eMSP host {emsp.PeakMiB():N0} MiB, CPO host {cpo.PeakMiB():N0} MiB");

        await DeepPagesAsync(cpo, locations);
        await DeltaAsync(cpo, emsp, pull.Partner, pull.Job?["job_id"]?.GetValue<string>(), locations);
        Console.WriteLine($"peak memory (VmHWM) at the end: eMSP host {emsp.PeakMiB():N0} MiB, CPO host {cpo.PeakMiB():N0} MiB");
        return 0;
    }

    /// <summary>Page 1 and page 1,000 (or the last) of 100 locations, by the next links and by a bare offset, beside raw reads of the same rows.</summary>
    private static async Task DeepPagesAsync(BenchHost cpo, int locations)
    {
        var deep = Math.Min(1_000, (locations + 99) / 100);
        var times = await LocationsBenchmark.PageTimesAsync(cpo, deep);
        var clock = Stopwatch.StartNew();
        await cpo.SendAsync(HttpMethod.Get, $"/operator/locations?scope=own&limit=100&offset={(deep - 1) * 100}");
        var byOffset = clock.Elapsed.TotalMilliseconds;
        // The raw pair: a query of a page's rows (two per location) at the start of the table and at the deep page.
        var table = new TableClient("UseDevelopmentStorage=true", cpo.Prefix + "locations");
        var rawFirst = await RawStorage.PageQueryAsync(table, "O|NL|CPO|L000000");
        var rawDeep = await RawStorage.PageQueryAsync(table, $"O|NL|CPO|L{(deep - 1) * 100:D6}");
        var middle = times.Skip(1).Order().ElementAtOrDefault(Math.Max(0, times.Count - 1) / 2);
        Console.WriteLine($"list by 100: page 1 {times[0]:F0} ms (reads the count), page 2 {times.ElementAtOrDefault(1):F0} ms, median {middle:F0} ms, "
            + $"page {times.Count} {times[^1]:F0} ms by the next links; page {deep} by offset alone {byOffset:F0} ms");
        Console.WriteLine($"  raw Azurite query of a page's rows: at the start {rawFirst:F0} ms, at page {deep} {rawDeep:F0} ms; "
            + $"page {times.Count} / raw {times[^1] / rawDeep:F1}, page {deep} by offset / raw {byOffset / rawDeep:F0}");
    }

    /// <summary>1% of the locations change (bulk status calls); once their pushes are in, the eMSP pulls what changed since its full pull.</summary>
    private static async Task DeltaAsync(BenchHost cpo, BenchHost emsp, string partner, string? fullJob, int locations)
    {
        var changed = Math.Max(1, locations / 100);
        var step = locations / changed;
        var ids = Enumerable.Range(0, changed).Select(i => i * step).ToList();
        await LocationsBenchmark.BulkStatusAsync(cpo, ids, "CHARGING", 100, 1);
        // The pushes first, so the delta pull is measured alone.
        await LocationsBenchmark.ReceivedStatusAsync(emsp, "CHARGING", changed, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(20));

        var before = await HostUsage.ReadAsync(emsp);
        var clock = Stopwatch.StartNew();
        await emsp.SendAsync(HttpMethod.Post, $"/operator/partners/{partner}/sync", new JsonObject { ["module"] = "locations", ["mode"] = "Delta" });
        var job = await LocationsBenchmark.FinishedAsync(emsp, partner, fullJob);
        clock.Stop();
        var used = (await HostUsage.ReadAsync(emsp)).Since(before, changed);
        // The raw pair: the same number of locations' rows scanned and batch-written.
        var (copied, raw) = await RawStorage.CopyAsync(cpo.Prefix + "locations", cpo.Prefix + "rawdelta",
            $"PartitionKey ge 'O|NL|CPO|L000000' and PartitionKey lt 'O|NL|CPO|L{changed:D6}'");
        // And the calls a delta makes, per changed location: a query of its partition at each end and a transaction.
        var calls = await RawStorage.DeltaCallsAsync(cpo.Prefix + "locations", emsp.Prefix + "locations", ids);
        Console.WriteLine($"delta pull after {changed:N0} locations (1%) changed: {job?["state"]} ({job?["mode"]}) in {clock.Elapsed.TotalSeconds:F1} s, "
            + $"{job?["fetched"]} fetched, {job?["pages"]} pages; raw Azurite scan and batch-write of {copied:N0} entities {raw.TotalSeconds:F1} s; ratio {clock.Elapsed / raw:F2}");
        Console.WriteLine($"  the same table calls raw (per changed location a query of its partition at the CPO and at the eMSP, a transaction of its rows): "
            + $"{calls.TotalSeconds:F1} s; ratio {clock.Elapsed / calls:F2}");
        Console.WriteLine($"  eMSP storage operations per changed location: {used.StoragePerRequest:F2} ({used.Breakdown()})");
    }
}

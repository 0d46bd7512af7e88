using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace Roaming.Bench.Locations;

/// <summary>
/// End to end on this machine: two ASP.NET Core hosts (a CPO and an eMSP) as separate processes on 127.0.0.1,
/// on Azurite. Prints (1) the eMSP's full pull of N locations with M EVSEs each: time, pages, peak memory of each
/// host; (2) EVSE status updates per second from the CPO's operator API to the eMSP's table (through the
/// CPO's table, the push queue and a PATCH to the eMSP), one call per update and in bulk calls, with the storage
/// operations each host made per update (its own counters). Each figure is printed beside its raw pair measured in
/// the same run on the same Azurite (a scan and batch write of the same rows; single upserts) and their ratio.
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
        // One PATCH per EVSE update (OCPI has no bulk status), all on one partner connection: the eMSP's default limit of
        // 100 requests/s per partner would be the figure. Off here to measure the channel; a deployment sets its own.
        await using var emsp = await BenchHost.StartAsync(hostDir, "MSP", "EMSP", new Dictionary<string, string> { ["Roaming__RateLimit__Enabled"] = "false" });
        Console.WriteLine($"hosts: CPO {cpo.Url} (pid {cpo.Pid}), eMSP {emsp.Url} (pid {emsp.Pid}, no rate limit per partner); {locations:N0} locations x {evses} EVSEs");

        var seed = await SeedAsync(cpo, locations, evses);
        Console.WriteLine($"seeded the CPO in {seed.TotalSeconds:F1} s ({locations / seed.TotalSeconds:N0} locations/s through the operator API)");

        var pull = await FullPullAsync(cpo, emsp, locations);
        Console.WriteLine($"full pull: {pull.Job?["state"]} in {pull.Elapsed.TotalSeconds:F1} s, {pull.Job?["pages"]} pages, {pull.Job?["stored"]} locations ({(double)locations * evses / pull.Elapsed.TotalSeconds:N0} EVSEs/s)");
        Console.WriteLine($"  storage operations per location pulled: CPO {pull.Cpo.StoragePerRequest:F2} ({pull.Cpo.Breakdown()}), CPU {pull.Cpo.CpuMicrosPerRequest:N0} us; "
            + $"eMSP {pull.Emsp.StoragePerRequest:F2} ({pull.Emsp.Breakdown()}), CPU {pull.Emsp.CpuMicrosPerRequest:N0} us");
        Console.WriteLine($"peak memory (VmHWM): eMSP host {emsp.PeakMiB():N0} MiB, CPO host {cpo.PeakMiB():N0} MiB");
        Console.WriteLine($"raw Azurite: scan and batch-write of the same {pull.RawEntities:N0} entities in {pull.Raw.TotalSeconds:F1} s; full pull / raw = {pull.Elapsed / pull.Raw:F2}");
        var cpoAtEmsp = pull.Partner;

        // Deep pages: the next link carries a key cursor, so page 100 should cost what page 1 costs.
        var pageTimes = await PageTimesAsync(cpo, int.MaxValue);
        Console.WriteLine($"paging the CPO's {locations:N0} locations by 100: first page {pageTimes[0]:F0} ms (counts the total), second {pageTimes.ElementAtOrDefault(1):F0} ms, "
            + $"median {pageTimes.Order().ElementAt(pageTimes.Count / 2):F0} ms, last (page {pageTimes.Count}) {pageTimes[^1]:F0} ms");

        var n = Math.Min(updates, locations);
        // The raw pair of an update: one upsert of one entity per location, as many in flight as the single calls.
        var upserts = await RawStorage.UpsertsAsync(cpo.Prefix + "rawupserts", n, 32);
        Console.WriteLine($"raw Azurite: {n:N0} single upserts (32 in flight) in {upserts.TotalSeconds:F1} s: {n / upserts.TotalSeconds:N0} upserts/s");
        var (calls, callsCpu) = await RawStorage.UpdateCallsAsync(cpo.Prefix + "locations", emsp.Prefix + "locations", n, 32);
        var callsRate = n / calls.TotalSeconds;
        Console.WriteLine($"raw Azurite: the table calls of {n:N0} updates (per update a read and two writes at the CPO, a read and a write at the eMSP; 32 in flight) "
            + $"in {calls.TotalSeconds:F1} s: {callsRate:N0} updates/s, Azurite CPU {callsCpu * 1e6 / n:N0} us per update");
        // What one poll of the eMSP's count costs, taken off its figures below.
        var idle = await HostUsage.ReadAsync(emsp);
        await emsp.SendAsync(HttpMethod.Get, "/operator/locations?scope=received&status=CHARGING&limit=1");
        var perPoll = (await HostUsage.ReadAsync(emsp)).Since(idle, 1).StorageTotal;
        foreach (var (label, bulk) in new[] { ("one operator call per update", 1), ("bulk calls of 100 updates", 100) })
        {
            var status = bulk == 1 ? "CHARGING" : "BLOCKED";
            var (cpoBefore, emspBefore) = (await HostUsage.ReadAsync(cpo), await HostUsage.ReadAsync(emsp));
            var azuriteBefore = AzuriteCpu.Seconds();
            var clock = Stopwatch.StartNew();
            if (bulk == 1)
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
                    await cpo.SendAsync(HttpMethod.Patch, $"/operator/locations/NL/CPO/L{i:D6}/L{i:D6}-E1", new JsonObject { ["status"] = status }));
            }
            else await BulkStatusAsync(cpo, Enumerable.Range(0, n), status, bulk, 8);
            var accepted = clock.Elapsed;
            var polls = await ReceivedStatusAsync(emsp, status, n, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(10));
            var rate = n / clock.Elapsed.TotalSeconds;
            var azuriteUsed = AzuriteCpu.Seconds() - azuriteBefore;
            Console.WriteLine($"EVSE status updates, {label}: {n:N0} accepted in {accepted.TotalSeconds:F1} s, all at the eMSP after {clock.Elapsed.TotalSeconds:F1} s: "
                + $"{rate:N0} updates/s end to end; raw upserts {n / upserts.TotalSeconds:N0}/s; ratio {rate / (n / upserts.TotalSeconds):F2}; "
                + $"the same table calls raw {callsRate:N0}/s; ratio {rate / callsRate:F2}");
            var (cpoUsed, emspUsed) = ((await HostUsage.ReadAsync(cpo)).Since(cpoBefore, n), (await HostUsage.ReadAsync(emsp)).Since(emspBefore, n));
            var emspOps = (emspUsed.StorageTotal - (polls + 1) * perPoll) / (double)n;
            Console.WriteLine($"  storage operations per update: CPO {cpoUsed.StoragePerRequest:F2} ({cpoUsed.Breakdown()}); "
                + $"eMSP {emspOps:F2} without its {polls} count polls ({emspUsed.Breakdown()} with them)");
            // Where the time goes on this 2-core machine: CPU per update in each process, and the rate it alone would allow.
            var cpuPerUpdate = (cpoUsed.CpuSeconds + emspUsed.CpuSeconds + azuriteUsed) / n;
            Console.WriteLine($"  CPU per update: CPO host {cpoUsed.CpuMicrosPerRequest:N0} us, eMSP host {emspUsed.CpuMicrosPerRequest:N0} us (with its polls), Azurite {azuriteUsed * 1e6 / n:N0} us; "
                + $"at {Environment.ProcessorCount} cores that alone allows {Environment.ProcessorCount / cpuPerUpdate:N0} updates/s (Azurite, one thread: {1 / (azuriteUsed / n):N0}/s)");
        }
        Console.WriteLine($"peak memory (VmHWM) at the end: eMSP host {emsp.PeakMiB():N0} MiB, CPO host {cpo.PeakMiB():N0} MiB");
        return 0;
    }

    /// <summary>EVSE statuses of locations L{i} (their EVSE E1) through the CPO's bulk call, <paramref name="bulk"/> a call.</summary>
    internal static Task BulkStatusAsync(BenchHost cpo, IEnumerable<int> locations, string status, int bulk, int inFlight) =>
        Parallel.ForEachAsync(locations.Chunk(bulk), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (chunk, ct) =>
            await cpo.SendAsync(HttpMethod.Post, "/operator/locations/evse-statuses", new JsonArray(chunk.Select(i => (JsonNode)new JsonObject
            {
                ["country_code"] = "NL", ["party_id"] = "CPO", ["location_id"] = $"L{i:D6}", ["evse_uid"] = $"L{i:D6}-E1", ["status"] = status,
            }).ToArray())));

    /// <summary>
    /// Waits until the eMSP holds <paramref name="count"/> received locations with an EVSE in the status (or the limit
    /// passed); returns how often it asked. The count scans the eMSP's table, so it is asked slowly, not to slow what
    /// is measured.
    /// </summary>
    internal static async Task<int> ReceivedStatusAsync(BenchHost emsp, string status, int count, TimeSpan every, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var polls = 0;
        while (clock.Elapsed < limit)
        {
            polls++;
            if ((await emsp.SendAsync(HttpMethod.Get, $"/operator/locations?scope=received&status={status}&limit=1"))!["total"]!.GetValue<int>() >= count) break;
            await Task.Delay(every);
        }
        return polls;
    }

    /// <summary>How many seed calls are in flight at once (the raw pair of a seed writes as many).</summary>
    internal const int SeedInFlight = 16;

    /// <summary>
    /// PUTs locations L000000… with their EVSEs through the CPO's operator API, <see cref="SeedInFlight"/> at a time, each
    /// answered 503 sent again as a back office would (printed: on this Azurite's large tables a storage call sometimes
    /// outlasts its timeout three times over).
    /// </summary>
    internal static async Task<TimeSpan> SeedAsync(BenchHost cpo, int locations, int evses)
    {
        var clock = Stopwatch.StartNew();
        var repeated = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, locations), new ParallelOptions { MaxDegreeOfParallelism = SeedInFlight }, async (i, ct) =>
            Interlocked.Add(ref repeated, (await cpo.SendAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/L{i:D6}", Location($"L{i:D6}", evses), patience: 10)).Repeated));
        if (repeated > 0) Console.WriteLine($"  (seed: {repeated} PUTs answered 503 and sent again)");
        return clock.Elapsed;
    }

    /// <summary>A full pull as the eMSP makes it after the CPO registers with it, and its raw pair measured right after.</summary>
    internal sealed record Pull(string Partner, JsonNode? Job, TimeSpan Elapsed, HostUsage Cpo, HostUsage Emsp, int RawEntities, TimeSpan Raw);

    /// <summary>
    /// Registers the CPO with the eMSP, which starts its full pull; waits for it; counts each host's work per location;
    /// then scans the CPO's own locations and batch-writes them to another table straight on Azurite (the raw pair).
    /// </summary>
    internal static async Task<Pull> FullPullAsync(BenchHost cpo, BenchHost emsp, int locations)
    {
        var (cpoBefore, emspBefore) = (await HostUsage.ReadAsync(cpo), await HostUsage.ReadAsync(emsp));
        var clock = Stopwatch.StartNew();
        var partner = await cpo.RegisterWithAsync(emsp);
        var job = await FinishedAsync(emsp, partner, null);
        clock.Stop();
        var (cpoUsed, emspUsed) = ((await HostUsage.ReadAsync(cpo)).Since(cpoBefore, locations), (await HostUsage.ReadAsync(emsp)).Since(emspBefore, locations));
        var (copied, raw) = await RawStorage.CopyAsync(cpo.Prefix + "locations", cpo.Prefix + "rawcopy", "PartitionKey ge 'O|' and PartitionKey lt 'O}'");
        return new Pull(partner, job, clock.Elapsed, cpoUsed, emspUsed, copied, raw);
    }

    /// <summary>The time of each page of the CPO's own locations by 100, following the next links, up to <paramref name="pages"/> pages.</summary>
    internal static async Task<List<double>> PageTimesAsync(BenchHost cpo, int pages)
    {
        var times = new List<double>();
        string? next = "/operator/locations?scope=own&limit=100";
        while (next is not null && times.Count < pages)
        {
            var clock = Stopwatch.StartNew();
            var page = await cpo.SendAsync(HttpMethod.Get, next[next.IndexOf("/operator", StringComparison.Ordinal)..]);
            times.Add(clock.Elapsed.TotalMilliseconds);
            next = page!["next"]?.GetValue<string>();
        }
        return times;
    }

    /// <summary>The eMSP's newest locations sync job of the partner once it has ended (other than <paramref name="after"/>, an earlier job's id).</summary>
    internal static async Task<JsonNode?> FinishedAsync(BenchHost emsp, string partner, string? after)
    {
        var clock = Stopwatch.StartNew();
        JsonNode? job = null;
        while (clock.Elapsed < TimeSpan.FromHours(2))
        {
            var jobs = (await emsp.SendAsync(HttpMethod.Get, $"/operator/partners/{partner}/sync"))!.AsArray();
            job = jobs.FirstOrDefault(j => j!["module"]!.GetValue<string>() == "locations" && j["job_id"]!.GetValue<string>() != after);
            if (job is not null && job["state"]!.GetValue<string>() != "Running") break;
            await Task.Delay(250);
        }
        return job;
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

/// <summary>The same work done on Azurite directly, in the same run, as the pair of an end-to-end figure.</summary>
internal static class RawStorage
{
    internal static TableClient Table(string name) => new global::Azure.Data.Tables.TableServiceClient("UseDevelopmentStorage=true").GetTableClient(name);

    /// <summary>Scans the rows of <paramref name="from"/> the filter selects and writes them to <paramref name="to"/> in transactions of 100 per partition, 32 in flight.</summary>
    public static async Task<(int Entities, TimeSpan Elapsed)> CopyAsync(string from, string to, string filter)
    {
        var target = Table(to);
        await target.CreateIfNotExistsAsync();
        var clock = Stopwatch.StartNew();
        var count = 0;
        var writes = new List<Task>();
        using var gate = new SemaphoreSlim(32);
        var batch = new List<TableTransactionAction>();
        async Task FlushAsync()
        {
            if (batch.Count == 0) return;
            var actions = batch;
            batch = [];
            await gate.WaitAsync();
            writes.Add(Task.Run(async () =>
            {
                try { await target.SubmitTransactionAsync(actions); }
                finally { gate.Release(); }
            }));
        }
        await foreach (var entity in Table(from).QueryAsync<TableEntity>(filter, maxPerPage: 1000))
        {
            if (batch.Count == 100 || (batch.Count > 0 && batch[0].Entity.PartitionKey != entity.PartitionKey)) await FlushAsync();
            batch.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entity));
            count++;
        }
        await FlushAsync();
        await Task.WhenAll(writes);
        return (count, clock.Elapsed);
    }

    /// <summary>
    /// Writes <paramref name="count"/> locations as a location's rows are written: a header and an EVSE, in one transaction
    /// each, <paramref name="inFlight"/> at a time, into partitions "Z|raw|…" of the given table (beside the real rows, so
    /// Azurite, which scans a whole table for a query, works on a table of the same size).
    /// </summary>
    public static async Task<TimeSpan> LocationWritesAsync(string name, int count, int inFlight)
    {
        var table = Table(name);
        await table.CreateIfNotExistsAsync();
        var body = LocationsBenchmark.Location("L000000", 1).ToJsonString();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, ct) =>
            await table.SubmitTransactionAsync(LocationRows(i, body, TableTransactionActionType.Add, 1, "AVAILABLE"), ct));
        return clock.Elapsed;
    }

    /// <summary>A location's two rows (its EVSE of the given generation, then its header) in partition "Z|raw|…", keyed as the store keys them.</summary>
    private static TableTransactionAction[] LocationRows(int i, string body, TableTransactionActionType type, int generation, string status) =>
    [
        new(type, new TableEntity($"Z|raw|L{i:D6}", $"E|L{i:D6}-E1|{generation:D6}") { ["Json"] = body, ["Status"] = status }),
        new(type, new TableEntity($"Z|raw|L{i:D6}", $"A|L{i:D6}") { ["Json"] = body, ["LastUpdated"] = DateTimeOffset.UtcNow }),
    ];

    /// <summary>
    /// The table calls of EVSE status updates, made straight to Azurite on the hosts' own tables (so on tables of the same
    /// size): the CPO's read of the location's header and EVSE (one query), the transaction of the EVSE and its slot, the
    /// slot's removal once pushed; the eMSP's read of the same, and the write of the EVSE. Writes go to partitions
    /// "Z|raw|…" beside the real rows. Returns the time and the Azurite CPU seconds used.
    /// </summary>
    public static async Task<(TimeSpan Elapsed, double AzuriteCpu)> UpdateCallsAsync(string cpoTable, string emspTable, int count, int inFlight)
    {
        var (cpo, emsp) = (Table(cpoTable), Table(emspTable));
        var cpuBefore = AzuriteCpu.Seconds();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, ct) =>
        {
            var id = $"L{i:D6}";
            string Read(string scope) => $"PartitionKey eq '{scope}|NL|CPO|{id}' and ((RowKey ge 'A' and RowKey lt 'B') or (RowKey ge 'E|{id}-E1|' and RowKey lt 'E|{id}-E1}}'))";
            await foreach (var _ in cpo.QueryAsync<TableEntity>(Read("O"), cancellationToken: ct)) { }
            // Row keys shaped as the store's (each EVSE's and slot's its own), in partitions of their own.
            var (raw, evse, slot) = ($"Z|raw|{id}", $"E|{id}-E1|000001", $"E|{id}-E1|~push");
            await cpo.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(raw, evse) { ["Status"] = "CHARGING", ["LastUpdated"] = DateTimeOffset.UtcNow }),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(raw, slot) { ["Changes"] = "status" }),
            ], ct);
            await cpo.DeleteEntityAsync(raw, slot, cancellationToken: ct);
            await foreach (var _ in emsp.QueryAsync<TableEntity>(Read("R"), cancellationToken: ct)) { }
            await emsp.UpsertEntityAsync(new TableEntity(raw, evse) { ["Status"] = "CHARGING", ["LastUpdated"] = DateTimeOffset.UtcNow }, TableUpdateMode.Replace, ct);
        });
        return (clock.Elapsed, AzuriteCpu.Seconds() - cpuBefore);
    }

    /// <summary>
    /// The table calls of a delta pull of the given locations, made straight to Azurite on the hosts' own tables, by pages
    /// of 100 as the pull goes: the CPO's read of each changed location (one query of its partition, 16 in flight), then
    /// the eMSP's read of its copy and the transaction of the location's two rows (50 in flight), written to partitions
    /// "Z|raw|…" beside the real rows. The date index's query per page is left out (one call per page).
    /// </summary>
    public static async Task<TimeSpan> DeltaCallsAsync(string cpoTable, string emspTable, IReadOnlyList<int> ids)
    {
        var (cpo, emsp) = (Table(cpoTable), Table(emspTable));
        var body = LocationsBenchmark.Location("L000000", 1).ToJsonString();
        var clock = Stopwatch.StartNew();
        foreach (var page in ids.Chunk(100))
        {
            await Parallel.ForEachAsync(page, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                await foreach (var _ in cpo.QueryAsync<TableEntity>($"PartitionKey eq 'O|NL|CPO|L{i:D6}'", cancellationToken: ct)) { }
            });
            await Parallel.ForEachAsync(page, new ParallelOptions { MaxDegreeOfParallelism = 50 }, async (i, ct) =>
            {
                await foreach (var _ in emsp.QueryAsync<TableEntity>($"PartitionKey eq 'R|NL|CPO|L{i:D6}'", cancellationToken: ct)) { }
                await emsp.SubmitTransactionAsync(LocationRows(i, body, TableTransactionActionType.UpsertReplace, 2, "CHARGING"), ct);
            });
        }
        return clock.Elapsed;
    }

    /// <summary>The time of one query of a page of rows (200) from a partition on, in milliseconds.</summary>
    public static async Task<double> PageQueryAsync(TableClient table, string fromPartition)
    {
        var clock = Stopwatch.StartNew();
        await foreach (var _ in table.QueryAsync<TableEntity>($"PartitionKey ge {Quote(fromPartition)} and PartitionKey lt 'O}}'", maxPerPage: 200).AsPages())
            break;
        return clock.Elapsed.TotalMilliseconds;
    }

    private static string Quote(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Upserts one small entity in each of <paramref name="count"/> partitions, <paramref name="inFlight"/> at a time.</summary>
    public static async Task<TimeSpan> UpsertsAsync(string name, int count, int inFlight)
    {
        var table = Table(name);
        await table.CreateIfNotExistsAsync();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, ct) =>
            await table.UpsertEntityAsync(new TableEntity($"L{i:D6}", "E1") { ["Status"] = "CHARGING", ["LastUpdated"] = DateTimeOffset.UtcNow }, TableUpdateMode.Replace, ct));
        return clock.Elapsed;
    }
}

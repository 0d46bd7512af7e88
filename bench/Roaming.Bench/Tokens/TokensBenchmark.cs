using System.Diagnostics;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace Roaming.Bench.Tokens;

/// <summary>
/// Token authorization end to end on this machine: a CPO host and an eMSP host as separate processes on 127.0.0.1,
/// on Azurite, registered with each other, the eMSP's tokens pushed to the CPO. Prints (1) authorizations per second
/// through the CPO's POST /operator/authorize on the local path (whitelist ALWAYS), beside the rate of the same
/// storage calls made straight to Azurite in the same run (the index query and the point read of each) and their
/// ratio; (2) the latency (p50/p99) of the real-time path (whitelist NEVER: CPO, then the eMSP's authorize
/// endpoint on loopback), beside a bare loopback HTTP round trip to the same eMSP host (GET /healthz).
/// </summary>
public static class TokensBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var tokens = Bench.Option(args, "--tokens", 2_000);
        var authorizations = Bench.Option(args, "--authorizations", 5_000);
        var realtime = Bench.Option(args, "--realtime", 500);
        const int inFlight = 16;
        var hostDir = Bench.PrepareHost();

        await using var cpo = await BenchHost.StartAsync(hostDir, "CPO", "CPO");
        await using var emsp = await BenchHost.StartAsync(hostDir, "MSP", "EMSP");
        await cpo.RegisterWithAsync(emsp);

        var local = Enumerable.Range(0, tokens).Select(i => $"L{i:D6}").ToList();
        var remote = Enumerable.Range(0, Math.Min(tokens, 200)).Select(i => $"R{i:D6}").ToList();
        var all = local.Select(uid => Token(uid, "ALWAYS")).Concat(remote.Select(uid => Token(uid, "NEVER"))).ToList();
        var seed = Stopwatch.StartNew();
        foreach (var chunk in all.Chunk(1000)) await emsp.SendAsync(HttpMethod.Post, "/operator/tokens", new JsonArray(chunk));
        while ((await cpo.SendAsync(HttpMethod.Get, "/operator/tokens?scope=received&limit=1"))!["total"]!.GetValue<int>() < all.Count)
            await Task.Delay(500);
        Console.WriteLine($"{all.Count:N0} tokens imported at the eMSP and pushed to the CPO in {seed.Elapsed.TotalSeconds:F1} s");

        // (1) The local path, then the same storage calls without the endpoint, in the same run.
        await AuthorizeAllAsync(cpo, local.Take(100), inFlight); // warm-up
        var clock = Stopwatch.StartNew();
        await AuthorizeAllAsync(cpo, Enumerable.Range(0, authorizations).Select(i => local[i % local.Count]), inFlight);
        var endpointRate = authorizations / clock.Elapsed.TotalSeconds;

        var table = new TableClient("UseDevelopmentStorage=true", cpo.Prefix + "tokens");
        await RawAsync(table, local.Take(100), inFlight);
        clock.Restart();
        await RawAsync(table, Enumerable.Range(0, authorizations).Select(i => local[i % local.Count]), inFlight);
        var rawRate = authorizations / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"local path (whitelist ALWAYS), {authorizations:N0} authorizations, {inFlight} in flight: {endpointRate:N0}/s through POST /operator/authorize");
        Console.WriteLine($"  the same storage calls straight to Azurite (index query + point read each): {rawRate:N0}/s; endpoint/raw = {endpointRate / rawRate:F2}");

        // (2) The real-time path, one at a time, and a bare HTTP round trip to the same eMSP host.
        for (var i = 0; i < 20; i++) await AuthorizeAsync(cpo, remote[i % remote.Count]);
        var paths = new List<double>(realtime);
        for (var i = 0; i < realtime; i++)
        {
            var t = Stopwatch.StartNew();
            var answer = await AuthorizeAsync(cpo, remote[i % remote.Count]);
            paths.Add(t.Elapsed.TotalMilliseconds);
            if (answer["decided_by"]!.GetValue<string>() != "REALTIME") throw new InvalidOperationException("not decided in real time: " + answer.ToJsonString());
        }
        using var bare = new HttpClient { BaseAddress = new Uri(emsp.Url) };
        for (var i = 0; i < 20; i++) (await bare.GetAsync("/healthz")).EnsureSuccessStatusCode();
        var trips = new List<double>(realtime);
        for (var i = 0; i < realtime; i++)
        {
            var t = Stopwatch.StartNew();
            using var response = await bare.GetAsync("/healthz");
            response.EnsureSuccessStatusCode();
            trips.Add(t.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"real-time path (whitelist NEVER, eMSP on loopback), {realtime} one at a time: p50 {Percentile(paths, 50):F1} ms, p99 {Percentile(paths, 99):F1} ms");
        Console.WriteLine($"  bare loopback HTTP round trip (GET /healthz, same eMSP host): p50 {Percentile(trips, 50):F2} ms, p99 {Percentile(trips, 99):F2} ms");
        return 0;
    }

    private static JsonObject Token(string uid, string whitelist) => new()
    {
        ["country_code"] = "NL", ["party_id"] = "MSP", ["uid"] = uid, ["type"] = "RFID", ["contract_id"] = "NL-MSP-C" + uid,
        ["issuer"] = "Bench eMSP", ["valid"] = true, ["whitelist"] = whitelist,
    };

    private static Task<JsonNode> AuthorizeAsync(BenchHost cpo, string uid) =>
        cpo.SendAsync(HttpMethod.Post, "/operator/authorize", new JsonObject { ["token_uid"] = uid, ["location_id"] = "LOC1" })!;

    private static Task AuthorizeAllAsync(BenchHost cpo, IEnumerable<string> uids, int inFlight) =>
        Parallel.ForEachAsync(uids, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (uid, _) =>
        {
            var answer = await AuthorizeAsync(cpo, uid);
            if (answer["authorized"]!.GetValue<bool>() != true) throw new InvalidOperationException("refused: " + answer.ToJsonString());
        });

    /// <summary>
    /// What the store does for one authorization on the local path, as TablePartyObjectStore lays the table out: the
    /// query of the token's index partition ("IR|{uid}|{type}", '|' escaped) for its parties, then the point read of
    /// the token ("R|{cc}|{pid}|", "{uid}|{type}").
    /// </summary>
    private static Task RawAsync(TableClient table, IEnumerable<string> uids, int inFlight) =>
        Parallel.ForEachAsync(uids, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (uid, ct) =>
        {
            var id = uid + "%7CRFID";
            await foreach (var entry in table.QueryAsync<TableEntity>($"PartitionKey eq 'IR|{id}'", select: ["CountryCode", "PartyId"], cancellationToken: ct))
            {
                var token = await table.GetEntityIfExistsAsync<TableEntity>($"R|{entry.GetString("CountryCode")}|{entry.GetString("PartyId")}|", id, cancellationToken: ct);
                if (!token.HasValue) throw new InvalidOperationException($"no token row for {uid}: the table layout changed");
                return;
            }
            throw new InvalidOperationException($"no index row for {uid}: the table layout changed");
        });

    private static double Percentile(List<double> values, int p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100.0 * sorted.Count) - 1)];
    }
}

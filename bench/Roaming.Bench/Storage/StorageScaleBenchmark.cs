using System.Diagnostics;
using Azure.Data.Tables;
using Roaming.Bench.Locations;

namespace Roaming.Bench.Storage;

/// <summary>
/// What the storage itself does as a table grows to a CPO's size, without the endpoint: the rows of N locations as the
/// location store lays them out (a header and an EVSE row, each row key its own) written in steps of 10,000, one
/// transaction per location, 16 in flight, and beside them, in a table of their own, a row in each partition under one
/// row key (as the headers' was, "A"; up to --shared-up-to locations, 30,000 by default, for writing them slows with
/// the square of their number); after each step, point reads of each kind at random, and one range query of a page.
/// This is the bound of the
/// `scale` benchmark on whatever storage it runs against: Azure Table Storage serves a point read from its partition;
/// Azurite's in-memory store looks a point up by row key first, so a row key that every partition shares costs a walk
/// of all its rows.
/// Removes its table when done.
/// </summary>
public static class StorageScaleBenchmark
{
    private const int Step = 10_000;
    private const int Reads = 200;

    public static async Task<int> RunAsync(string[] args)
    {
        var rows = Bench.Option(args, "--locations", 100_000);
        var sharedUpTo = Bench.Option(args, "--shared-up-to", 30_000);
        var table = RawStorage.Table("benchscale" + Guid.NewGuid().ToString("N")[..8]);
        var sharedKeys = RawStorage.Table(table.Name + "shared");
        await table.CreateIfNotExistsAsync();
        await sharedKeys.CreateIfNotExistsAsync();
        try
        {
            var body = LocationsBenchmark.Location("L000000", 1).ToJsonString();
            Console.WriteLine($"{rows:N0} locations' rows straight to storage, in steps of {Step:N0}; after each step {Reads} point reads of each kind and a page query");
            for (var written = 0; written < rows; written += Step)
            {
                var count = Math.Min(Step, rows - written);
                var clock = Stopwatch.StartNew();
                await Parallel.ForEachAsync(Enumerable.Range(written, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                    await table.SubmitTransactionAsync(
                    [
                        new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition(i), $"A|L{i:D6}") { ["Json"] = body }),
                        new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition(i), $"E|L{i:D6}-E1|1") { ["Json"] = body, ["Status"] = "AVAILABLE" }),
                    ], ct));
                var writes = count / clock.Elapsed.TotalSeconds;
                // The comparison, untimed: one row in each partition under the same row key, in a table of its own.
                var total = written + count;
                if (total <= sharedUpTo)
                    await Parallel.ForEachAsync(Enumerable.Range(written, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                        await sharedKeys.AddEntityAsync(new TableEntity(Partition(i), "A") { ["Json"] = body }, ct));
                var headers = await ReadsPerSecondAsync(table, total, i => $"A|L{i:D6}");
                var evses = await ReadsPerSecondAsync(table, total, i => $"E|L{i:D6}-E1|1");
                var shared = total <= sharedUpTo ? $"{await ReadsPerSecondAsync(sharedKeys, total, i => "A"),6:N0}/s" : "     -";
                var page = await RawStorage.PageQueryAsync(table, Partition(total / 2));
                Console.WriteLine($"{total,9:N0} locations: {writes,6:N0} location transactions/s; point reads: header {headers,6:N0}/s, "
                    + $"EVSE row {evses,6:N0}/s, a row key every partition shares {shared}; page of 200 rows {page,5:F0} ms");
            }
        }
        finally
        {
            await table.DeleteAsync();
            await sharedKeys.DeleteAsync();
        }
        return 0;
    }

    private static string Partition(int i) => $"O|NL|CPO|L{i:D6}";

    private static async Task<double> ReadsPerSecondAsync(TableClient table, int rows, Func<int, string> rowKey)
    {
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < Reads; k++)
        {
            var i = Random.Shared.Next(rows);
            await table.GetEntityAsync<TableEntity>(Partition(i), rowKey(i));
        }
        return Reads / clock.Elapsed.TotalSeconds;
    }
}

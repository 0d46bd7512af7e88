using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Roaming.Bench.Locations;

namespace Roaming.Bench.Cdrs;

/// <summary>
/// CDR ingest end to end on this machine: two hosts (a CPO and an eMSP) as separate processes on Azurite. N records go
/// straight onto the CPO's "sdrs-in" (as a CSMS writes them); each is priced, stored, POSTed to the eMSP, stored there,
/// verified, and put on the eMSP's "cdrs-verified"; the clock stops when all N are there. Beside it, in the same run
/// (before and after), the raw Azurite rate of the storage calls a CDR minimally needs: insert it into a table, enqueue
/// it, dequeue it (receive and delete), with as many in flight. Prints both and their ratio.
/// </summary>
public static class CdrsBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var n = Bench.Option(args, "--cdrs", 2_000);
        var inFlight = Bench.Option(args, "--concurrency", 16);
        var hostDir = Bench.PrepareHost();
        await using var cpo = await BenchHost.StartAsync(hostDir, "CPO", "CPO");
        await using var emsp = await BenchHost.StartAsync(hostDir, "MSP", "EMSP");
        await cpo.RegisterWithAsync(emsp);
        Console.WriteLine($"hosts: CPO {cpo.Url} (pid {cpo.Pid}), eMSP {emsp.Url} (pid {emsp.Pid}); {n:N0} CDRs, {inFlight} in flight");

        await cpo.SendAsync(HttpMethod.Put, "/operator/tariffs/NL/CPO/T1", Tariff());
        var location = LocationsBenchmark.Location("L1", 1);
        location["evses"]![0]!["connectors"]![0]!["tariff_ids"] = new JsonArray("T1");
        await cpo.SendAsync(HttpMethod.Put, "/operator/locations/NL/CPO/L1", location);
        var records = Enumerable.Range(0, n).Select(i => Encoding.UTF8.GetBytes(Record($"C{i:D7}").ToJsonString())).ToArray();

        var rawBefore = await RawAsync(records, inFlight);
        Console.WriteLine($"raw Azurite (insert + enqueue + dequeue per CDR, {inFlight} in flight), before: {rawBefore:N0} CDRs/s");

        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var sdrsIn = new QueueClient("UseDevelopmentStorage=true", cpo.Prefix + "sdrs-in", options);
        var parked = new QueueClient("UseDevelopmentStorage=true", cpo.Prefix + "sdrs-in-poison", options);
        var verified = new QueueClient("UseDevelopmentStorage=true", emsp.Prefix + "cdrs-verified", options);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(records, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (record, ct) =>
            await sdrsIn.SendMessageAsync(BinaryData.FromBytes(record), cancellationToken: ct));
        var queued = clock.Elapsed;
        // Where the CDRs wait, every 10 s: the stage that holds them is the one that bounds the rate.
        var stages = new (string Name, QueueClient Queue)[]
        {
            ("sdrs-in", sdrsIn), ("ocpi-push", new QueueClient("UseDevelopmentStorage=true", cpo.Prefix + "ocpi-push", options)),
            ("cdrs-verify", new QueueClient("UseDevelopmentStorage=true", emsp.Prefix + "cdrs-verify", options)), ("cdrs-verified", verified),
        };
        int done = 0, failed = 0;
        var report = TimeSpan.FromSeconds(10);
        while (clock.Elapsed < TimeSpan.FromMinutes(30))
        {
            done = (await verified.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            failed = (await parked.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            if (done + failed >= n) break;
            if (clock.Elapsed >= report)
            {
                report = clock.Elapsed + TimeSpan.FromSeconds(10);
                var counts = new List<string>();
                foreach (var (name, queue) in stages) counts.Add($"{name} {(await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount}");
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds,5:F0} s: messages waiting: {string.Join(", ", counts)}");
            }
            await Task.Delay(200);
        }
        clock.Stop();
        var rate = done / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"end to end (sdrs-in -> priced -> stored -> POSTed -> stored at the eMSP -> verified -> cdrs-verified): {done:N0} of {n:N0} in {clock.Elapsed.TotalSeconds:F1} s "
            + $"(all queued after {queued.TotalSeconds:F1} s), {failed} parked: {rate:N0} CDRs/s");
        Console.WriteLine($"peak memory (VmHWM): CPO host {cpo.PeakMiB():N0} MiB, eMSP host {emsp.PeakMiB():N0} MiB");

        var rawAfter = await RawAsync(records, inFlight);
        var raw = (rawBefore + rawAfter) / 2;
        Console.WriteLine($"raw Azurite (insert + enqueue + dequeue per CDR, {inFlight} in flight), after: {rawAfter:N0} CDRs/s");
        Console.WriteLine($"end to end {rate:N0} CDRs/s against raw {raw:N0} CDRs/s (mean of before and after): {rate / raw:P0} of the raw rate (target 50%)");
        return done == n ? 0 : 1;
    }

    /// <summary>Each record inserted into a table (one partition, as a party's CDRs are), enqueued, and dequeued by a consumer beside it.</summary>
    private static async Task<double> RawAsync(byte[][] records, int inFlight)
    {
        var prefix = "braw" + Guid.NewGuid().ToString("N")[..8];
        var table = new TableClient("UseDevelopmentStorage=true", prefix + "cdrs");
        var queue = new QueueClient("UseDevelopmentStorage=true", prefix + "work", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await table.CreateIfNotExistsAsync();
        await queue.CreateIfNotExistsAsync();
        try
        {
            var clock = Stopwatch.StartNew();
            var produce = Parallel.ForEachAsync(Enumerable.Range(0, records.Length), new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (i, ct) =>
            {
                await table.AddEntityAsync(new TableEntity("O|NL|CPO|", $"C{i:D7}") { ["J0"] = records[i] }, ct);
                await queue.SendMessageAsync(BinaryData.FromBytes(records[i]), cancellationToken: ct);
            });
            var consumed = 0;
            var consume = Task.Run(async () =>
            {
                while (consumed < records.Length)
                {
                    var messages = (await queue.ReceiveMessagesAsync(32)).Value;
                    if (messages.Length == 0) { await Task.Delay(10); continue; }
                    await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = inFlight }, async (m, ct) =>
                        await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct));
                    consumed += messages.Length;
                }
            });
            await Task.WhenAll(produce, consume);
            return records.Length / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await Bench.DeleteStorageAsync(prefix);
        }
    }

    /// <summary>FLAT 0.50, ENERGY 0.30/kWh, PARKING_TIME 2.00/h, 21% VAT.</summary>
    private static JsonObject Tariff() => new()
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

    /// <summary>A finished session's record as a CSMS reports it: no costs, for the eMSP NL/MSP.</summary>
    private static JsonObject Record(string id) => new()
    {
        ["country_code"] = "NL", ["party_id"] = "CPO", ["id"] = id,
        ["start_date_time"] = "2026-03-02T10:00:00Z", ["end_date_time"] = "2026-03-02T11:15:00Z",
        ["cdr_token"] = new JsonObject { ["country_code"] = "NL", ["party_id"] = "MSP", ["uid"] = "T" + id, ["type"] = "RFID", ["contract_id"] = "NL-MSP-" + id },
        ["auth_method"] = "WHITELIST",
        ["cdr_location"] = new JsonObject
        {
            ["id"] = "L1", ["address"] = "Benchstraat 1", ["city"] = "Utrecht", ["postal_code"] = "3511AA", ["country"] = "NLD",
            ["coordinates"] = new JsonObject { ["latitude"] = "52.090700", ["longitude"] = "5.121400" },
            ["evse_uid"] = "L1-E1", ["evse_id"] = "NL*CPO*EL1E1", ["connector_id"] = "1",
            ["connector_standard"] = "IEC_62196_T2", ["connector_format"] = "SOCKET", ["connector_power_type"] = "AC_3_PHASE",
        },
        ["currency"] = "EUR",
        ["charging_periods"] = new JsonArray(
            Period("2026-03-02T10:00:00Z", ("ENERGY", 5.0), ("TIME", 0.5)),
            Period("2026-03-02T10:30:00Z", ("ENERGY", 6.0), ("TIME", 0.5)),
            Period("2026-03-02T11:00:00Z", ("PARKING_TIME", 0.25))),
    };

    private static JsonObject Period(string start, params (string Type, double Volume)[] dimensions) => new()
    {
        ["start_date_time"] = start,
        ["dimensions"] = new JsonArray(dimensions.Select(d => (JsonNode)new JsonObject { ["type"] = d.Type, ["volume"] = d.Volume }).ToArray()),
    };
}

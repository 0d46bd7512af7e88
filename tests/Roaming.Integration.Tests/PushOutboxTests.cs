using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Azure;
using Roaming.Azure.Queues;
using Roaming.Azure.Tables;
using Roaming.Core.Push;

namespace Roaming.Integration.Tests;

/// <summary>
/// Nothing stored without its push: a change and its push are committed together, and a host killed between the
/// commit and the queueing of the push leaves it to the next host that starts, which sends it.
/// </summary>
public class PushOutboxTests
{
    [Fact]
    public async Task A_host_killed_between_storing_changes_and_queueing_their_pushes_leaves_them_to_the_next_start()
    {
        var settings = new Dictionary<string, string?>(Fixtures.FastRetries)
        {
            ["Roaming:OutboxSweepGrace"] = "00:00:02",
            ["Roaming:OutboxSweepInterval"] = "00:00:01",
        };
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync(settings);
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await cpo.StopAsync();

        // The same deployment in a process of its own, reaching the queues through a proxy that then stops answering.
        await using var proxy = new FreezableProxy(10001);
        var processSettings = cpo.HostSettings.Where(s => s.Key != "Urls").ToDictionary();
        processSettings["Storage"] = Azurite.ConnectionStringVia(queuePort: proxy.Port);
        await using var host = await HostProcess.StartAsync(processSettings);
        proxy.Freeze();

        var location = host.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/KILL1", Fixtures.Location("KILL1"));
        var tariff = host.OperatorAsync(HttpMethod.Put, "/operator/tariffs/NL/CPO/KILLT", Fixtures.Tariff("KILLT"));
        Task<bool> Exists(string table, string partition, string row) => Fixtures.RowExistsAsync(cpo, table, partition, row);
        await Fixtures.Eventually(async () =>
            await Exists("locations", "O|NL|CPO|KILL1", "A|KILL1") && await Exists("locations", "O|NL|CPO|KILL1", "A~push|KILL1")
            && await Exists("tariffs", "O|NL|CPO|", "KILLT") && await Exists("tariffs", "O|NL|CPO|", "~push|KILLT"),
            "both changes stored with their pushes");
        // Stored, and stuck on the way to the queue: the relay has not happened. Now the host dies.
        Assert.False(location.IsCompleted || tariff.IsCompleted, "the calls returned: " + host.Output);
        host.Kill();
        Assert.Null(await Received(emsp, "locations", "KILL1"));
        Assert.Null(await Received(emsp, "tariffs", "KILLT"));

        // The next start finds what was not sent and sends it.
        await cpo.StartAgainAsync();
        await Fixtures.Eventually(async () => await Received(emsp, "locations", "KILL1") is not null && await Received(emsp, "tariffs", "KILLT") is not null,
            "the location and the tariff at the eMSP", seconds: 60);
        await Fixtures.Eventually(async () => !await Exists("locations", "O|NL|CPO|KILL1", "A~push|KILL1") && !await Exists("tariffs", "O|NL|CPO|", "~push|KILLT"),
            "the outbox empty again");
    }

    [Fact]
    public async Task Many_marked_locations_are_swept_at_once_and_only_their_markers_without_slots_removed()
    {
        // A bulk load or a full pull marks thousands of partitions in one bucket; the sweep must not query each.
        await using var cpo = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: new Dictionary<string, string?>(Fixtures.FastRetries)
        {
            ["Roaming:ProcessQueues"] = "false",
            ["Roaming:OutboxSweepGrace"] = "00:00:01",
        });
        var outbox = cpo.Services.GetRequiredService<TableOutbox>();
        var locations = new TableClient(Azurite.ConnectionString, cpo.Prefix + "locations");
        // 100 marked partitions, 70 of them left with a slot by a relay that never happened, 30 with none. Marked at
        // once at the start of a second, so all in one bucket of the one-second grace (one sweep finds them all).
        await Task.Delay(1020 - DateTime.UtcNow.Millisecond);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => outbox.MarkAsync("locations", $"O|NL|CPO|SW{i:D3}", CancellationToken.None)));
        for (var i = 0; i < 70; i++)
            await locations.AddEntityAsync(new TableEntity($"O|NL|CPO|SW{i:D3}", $"A~push|SW{i:D3}")
            {
                [TableOutbox.SlotColumn] = true, ["Opened"] = DateTimeOffset.UtcNow.AddMinutes(-5), ["SlotId"] = $"s{i}",
            });
        // Beside them, a slot of a partition no marker names (a later bucket's): left alone.
        await locations.AddEntityAsync(new TableEntity("O|NL|CPO|SW050X", "A~push|SW050X") { [TableOutbox.SlotColumn] = true, ["Opened"] = DateTimeOffset.UtcNow.AddMinutes(-5) });

        var sweeper = cpo.Services.GetRequiredService<OutboxSweeper>();
        var operations = cpo.Services.GetRequiredService<StorageOperations>();
        var queued = 0;
        long used = 0;
        await Fixtures.Eventually(async () =>
        {
            var before = operations["locations"];
            queued = await sweeper.SweepAsync(CancellationToken.None);
            used = operations["locations"] - before;
            return queued > 0;
        }, "the markers' bucket due", seconds: 15);
        Assert.Equal(70, queued);
        // One query for the hundred partitions and a refresh of each slot queued (one query each: 100 more).
        Assert.Equal(1 + 70, used);
        var pushes = cpo.Services.GetRequiredService<StorageQueues>().Get(PushQueue.QueueName);
        var named = new List<PushSlotState>();
        while ((await pushes.ReceiveMessagesAsync(32)).Value is { Length: > 0 } messages)
            foreach (var message in messages)
            {
                named.AddRange(JsonSerializer.Deserialize(message.Body.ToMemory().Span, PushJson.Default.PushMessage)!.States ?? []);
                await pushes.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        Assert.Equal(Enumerable.Range(0, 70).Select(i => $"O|NL|CPO|SW{i:D3}"), named.Select(s => s.Slot.Partition).Order(StringComparer.Ordinal));
        var markers = new List<string>();
        await foreach (var marker in new TableClient(Azurite.ConnectionString, cpo.Prefix + "pushmarkers").QueryAsync<TableEntity>()) markers.Add(marker.RowKey);
        Assert.Equal(Enumerable.Range(0, 70).Select(i => $"locations|O|NL|CPO|SW{i:D3}"), markers.Order(StringComparer.Ordinal));
    }

    private static async Task<string?> Received(TestEndpoint emsp, string module, string id)
    {
        using var response = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Get, $"/operator/{module}/NL/CPO/{id}?scope=received"));
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
    }
}

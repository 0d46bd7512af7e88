using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;
using Roaming.Core.Push;

namespace Roaming.Azure.Tables;

/// <summary>
/// The transactional outbox of the push channel on Table Storage. The pushes pending for a target (a location, an
/// EVSE, a tariff) are a slot row beside it, in its partition, written in the same transaction as the change that
/// causes them, so a change and its push are stored together or not at all. A writer that finds the slot already
/// there adds its change to it (folded with <see cref="PushChanges"/>) and queues nothing: a push of that target is
/// under way and will send it. A writer that opens the slot queues a message naming it (the relay). The push
/// channel reads the slot, sends, and clears it unless changes joined meanwhile (ETag).
///
/// A host that stops between the commit and the relay leaves an open slot that no message names. The sweep finds
/// it: in a module's party partitions directly, and in partitions of their own (one per location) through a marker
/// written before the transaction: table "pushmarkers", partition = a time bucket of <see cref="RoamingOptions.OutboxSweepGrace"/>,
/// row = "{table}|{partition}", written once per partition and bucket by each instance, removed by the sweep once
/// the partition holds no slot.
/// </summary>
public sealed class TableOutbox(PushQueue queue, StorageTables tables, IOptions<RoamingOptions> options, TimeProvider clock, ILogger<TableOutbox> logger)
    : IPushOutbox
{
    /// <summary>A boolean column set on slot rows only.</summary>
    public const string SlotColumn = "PushSlot";
    /// <summary>When the slot was opened (kept while changes join it), or last handed to a new message.</summary>
    private const string OpenedColumn = "Opened";

    private Marked _marked = new(-1);

    private TimeSpan Grace => options.Value.OutboxSweepGrace;

    /// <summary>The write of a slot with <paramref name="changes"/> joined to what <paramref name="current"/> (null: no slot yet) holds.</summary>
    /// <remarks>The slot is rewritten even when the folded changes stay the same, so a push being sent sees that something changed.</remarks>
    public SlotWrite Join(string partitionKey, string rowKey, TableEntity? current, IEnumerable<PushChange> changes)
    {
        var pending = current is null ? [] : ReadChanges(current);
        foreach (var change in changes) PushChanges.Add(pending, change);
        var row = new TableEntity(partitionKey, rowKey)
        {
            [SlotColumn] = true,
            [OpenedColumn] = current?.GetDateTimeOffset(OpenedColumn) ?? clock.GetUtcNow(),
        };
        JsonChunks.Write(row, pending, PushJson.Default.ListPushChange);
        return current is null
            ? new SlotWrite(new TableTransactionAction(TableTransactionActionType.Add, row), row, Opened: true)
            : new SlotWrite(new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, current.ETag), row, Opened: false);
    }

    /// <summary>
    /// Before a transaction that may open a slot in a partition the sweep does not walk by itself: the marker it finds
    /// the partition by. Written once per partition and time bucket by this instance.
    /// </summary>
    public Task MarkAsync(string table, string partitionKey, CancellationToken ct)
    {
        var bucket = clock.GetUtcNow().UtcTicks / Grace.Ticks;
        var marked = _marked;
        if (marked.Bucket != bucket) _marked = marked = new Marked(bucket);
        // Callers of one partition share the write (and wait for it: no slot may be committed before its marker).
        return marked.Writes.GetOrAdd(table + "|" + partitionKey, row => WriteMarkerAsync(marked, row)).WaitAsync(ct);
    }

    private async Task WriteMarkerAsync(Marked marked, string row)
    {
        try
        {
            await tables.Get(StorageTables.PushMarkers).UpsertEntityAsync(new TableEntity(BucketKey(marked.Bucket), row), TableUpdateMode.Replace);
        }
        catch
        {
            marked.Writes.TryRemove(row, out _);
            throw;
        }
    }

    /// <summary>After the commit: queues a message naming the slots the commit opened. Never throws: the change is stored, and a slot whose relay failed is queued by the sweep.</summary>
    public async Task RelayAsync(string table, IEnumerable<TableEntity> openedSlots)
    {
        var refs = openedSlots.Select(e => new PushSlotRef(table, e.PartitionKey, e.RowKey)).ToList();
        if (refs.Count == 0) return;
        try
        {
            // Not the caller's token: a change that is stored should be pushed even when its caller has gone.
            await queue.EnqueueAsync(refs, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "{Count} pushes of table {Table} stored but not queued; the outbox sweep queues them", refs.Count, table);
        }
    }

    public async Task<PushSlot?> ReadAsync(PushSlotRef slot, CancellationToken ct)
    {
        var row = await tables.Get(slot.Table).GetEntityIfExistsAsync<TableEntity>(slot.Partition, slot.Row, cancellationToken: ct);
        return row.HasValue ? new PushSlot(slot, ReadChanges(row.Value!), row.Value!.ETag.ToString()) : null;
    }

    public async Task<bool> CompleteAsync(PushSlot slot, CancellationToken ct)
    {
        try
        {
            await tables.Get(slot.Ref.Table).DeleteEntityAsync(slot.Ref.Partition, slot.Ref.Row, new ETag(slot.Version), ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }

    public async Task HandOverAsync(PushSlot slot, CancellationToken ct)
    {
        await RefreshAsync(tables.Get(slot.Ref.Table), slot.Ref.Partition, slot.Ref.Row, ct);
        await queue.EnqueueAsync([slot.Ref], ct);
    }

    /// <summary>
    /// Queues the slots of a partition opened longer than the grace ago: their relay never happened, or their
    /// message was lost. Each gets a fresh opening time, so the next sweep waits a grace again before repeating it.
    /// </summary>
    /// <param name="rowFilter">the OData filter on row keys or columns that finds the slots</param>
    /// <returns>how many were queued, and how many slots the partition holds</returns>
    public async Task<(int Queued, int Open)> SweepPartitionAsync(string table, string partitionKey, string rowFilter, CancellationToken ct)
    {
        var client = tables.Get(table);
        var before = clock.GetUtcNow() - Grace;
        var stale = new List<TableEntity>();
        var open = 0;
        await foreach (var row in client.QueryAsync<TableEntity>($"PartitionKey eq {TableKey.Quote(partitionKey)} and {rowFilter}",
                           select: ["PartitionKey", "RowKey", OpenedColumn], cancellationToken: ct))
        {
            open++;
            if (row.GetDateTimeOffset(OpenedColumn) is not { } opened || opened < before) stale.Add(row);
        }
        if (stale.Count == 0) return (0, open);
        logger.LogWarning("Outbox of {Table}/{Partition}: {Count} pushes left by an interrupted relay; queueing them now", table, partitionKey, stale.Count);
        foreach (var row in stale) await RefreshAsync(client, row.PartitionKey, row.RowKey, ct);
        await queue.EnqueueAsync(stale.Select(r => new PushSlotRef(table, r.PartitionKey, r.RowKey)).ToList(), ct);
        return (stale.Count, open);
    }

    /// <summary>The partitions marked before a transaction in a bucket that has ended (plus a grace for a slow commit): their slots swept, their markers removed once they hold none.</summary>
    public async Task<int> SweepMarkedAsync(CancellationToken ct)
    {
        var markers = tables.Get(StorageTables.PushMarkers);
        var until = BucketKey((clock.GetUtcNow() - 2 * Grace).UtcTicks / Grace.Ticks);
        var rows = new List<TableEntity>();
        await foreach (var marker in markers.QueryAsync<TableEntity>($"PartitionKey lt {TableKey.Quote(until)}", select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            rows.Add(marker);
        var queued = 0;
        await Parallel.ForEachAsync(rows.GroupBy(r => r.RowKey), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (group, token) =>
        {
            var split = group.Key.IndexOf('|');
            var (sent, open) = await SweepPartitionAsync(group.Key[..split], group.Key[(split + 1)..], $"{SlotColumn} eq true", token);
            Interlocked.Add(ref queued, sent);
            if (open > 0) return; // looked at again at the next sweep, until its pushes are through
            foreach (var marker in group)
            {
                try { await markers.DeleteEntityAsync(marker.PartitionKey, marker.RowKey, ETag.All, token); }
                catch (RequestFailedException e) when (e.Status == 404) { }
            }
        });
        return queued;
    }

    private async Task RefreshAsync(TableClient table, string partitionKey, string rowKey, CancellationToken ct)
    {
        try
        {
            await table.UpdateEntityAsync(new TableEntity(partitionKey, rowKey) { [OpenedColumn] = clock.GetUtcNow() }, ETag.All, TableUpdateMode.Merge, ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Sent and cleared meanwhile.
        }
    }

    private static List<PushChange> ReadChanges(TableEntity slot) => JsonChunks.Read(slot, PushJson.Default.ListPushChange);

    private static string BucketKey(long bucket) => bucket.ToString("D19", CultureInfo.InvariantCulture);

    private sealed class Marked(long bucket)
    {
        public long Bucket { get; } = bucket;
        public ConcurrentDictionary<string, Task> Writes { get; } = new();
    }
}

/// <param name="Opened">the slot is new: the commit's relay queues a message naming it</param>
public sealed record SlotWrite(TableTransactionAction Action, TableEntity Row, bool Opened);

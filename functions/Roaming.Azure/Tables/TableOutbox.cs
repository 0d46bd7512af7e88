using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using System.Text.Json;
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
public sealed class TableOutbox(PushQueue queue, StorageTables tables, ModuleCatalog catalog, IOptions<RoamingOptions> options, TimeProvider clock,
    ILogger<TableOutbox> logger) : IPushOutbox
{
    // An object larger than this is read when its push is sent rather than carried in the queue message.
    private const int MaxCarriedBytes = 8 * 1024;
    private readonly ConcurrentDictionary<string, ISlotTargets> _targets = new(StringComparer.Ordinal);
    private readonly PartitionWork<MarkWork> _marks = new((bucket, batch) => WriteMarkersAsync(tables, bucket, batch));

    /// <summary>A store tells how the object of a slot in its table is found, so the slot and the object are read in one query.</summary>
    internal void Targets(string table, ISlotTargets targets) => _targets[table] = targets;

    /// <summary>A boolean column set on slot rows only.</summary>
    public const string SlotColumn = "PushSlot";
    /// <summary>Which opening of the slot it is (kept while changes join it): a message names the slot by it.</summary>
    private const string IdColumn = "SlotId";
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
        // A slot of an earlier version has no id and keeps none: messages that name it by place alone drain it.
        if ((current is null ? Guid.NewGuid().ToString("N") : current.GetString(IdColumn)) is { } id) row[IdColumn] = id;
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
            // Markers of one bucket written at the same moment share a transaction: a bulk call across many locations is one write.
            var work = new MarkWork(row);
            _marks.Add(BucketKey(marked.Bucket), work);
            await work.Done.Task;
        }
        catch
        {
            marked.Writes.TryRemove(row, out _);
            throw;
        }
    }

    private sealed class MarkWork(string row) : PartitionWork<MarkWork>.IWork
    {
        public string Row { get; } = row;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public void Fail(Exception error) => Done.TrySetException(error);
    }

    private static async Task WriteMarkersAsync(StorageTables tables, string bucket, IReadOnlyList<MarkWork> batch)
    {
        foreach (var chunk in batch.DistinctBy(m => m.Row).Chunk(100))
        {
            var rows = chunk.Select(m => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(bucket, m.Row))).ToList();
            await tables.Get(StorageTables.PushMarkers).SubmitTransactionAsync(rows);
        }
        foreach (var work in batch) work.Done.TrySetResult();
    }

    /// <summary>
    /// After the commit, with what it wrote: a message naming the slots it opened, each with its version, its changes
    /// and, where the module allows and it is small, the object as written, so the push reads nothing before sending.
    /// A slot of a module whose objects identify people (tokens, sessions, CDRs) is only named: neither its object nor
    /// its ids ride in a queue message, its push reads them. Never throws: the change is stored, and a slot whose relay
    /// failed is queued by the sweep.
    /// </summary>
    public async Task RelayAsync(string table, IEnumerable<OpenedSlot> opened)
    {
        var list = opened.ToList();
        if (list.Count == 0) return;
        try
        {
            var states = list.Select(slot =>
            {
                var named = Named(table, slot.Row);
                var changes = ReadChanges(slot.Row);
                return changes.Count > 0 && changes.All(c => catalog.FindModule(c.Module) is { PersonalIds: false, PersonalData: false })
                       && slot.Version is { } version && Carried(slot.Content) is { } content
                    ? named with { Version = version.ToString(), Changes = changes, Content = content }
                    : named;
            }).ToList();
            // Not the caller's token: a change that is stored should be pushed even when its caller has gone.
            await queue.EnqueueAsync(states, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "{Count} pushes of table {Table} stored but not queued; the outbox sweep queues them", list.Count, table);
        }
    }

    /// <summary>The object to carry in the queue message: when small (a large one is read at send time).</summary>
    private static JsonElement? Carried(ReadOnlyMemory<byte>? content)
    {
        if (content is not { Length: > 0 and <= MaxCarriedBytes } json) return null;
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>The slot and, where its table's store tells how, the object it is about, in one query.</summary>
    public async Task<PushSlot?> ReadAsync(PushSlotRef slot, CancellationToken ct)
    {
        var table = tables.Get(slot.Table);
        if (_targets.TryGetValue(slot.Table, out var targets) && targets.RowFilter(slot.Row) is { } filter)
        {
            var rows = new List<TableEntity>();
            await foreach (var row in table.QueryAsync<TableEntity>($"PartitionKey eq {TableKey.Quote(slot.Partition)} and ({filter})", cancellationToken: ct)) rows.Add(row);
            if (rows.FirstOrDefault(r => r.RowKey == slot.Row) is not { } found) return null;
            var content = targets.Content(slot.Row, rows);
            return new PushSlot(slot, ReadChanges(found), found.ETag.ToString())
            {
                Id = found.GetString(IdColumn),
                Content = new PushContent(content is { } bytes ? JsonDocument.Parse(bytes).RootElement : null),
            };
        }
        var point = await table.GetEntityIfExistsAsync<TableEntity>(slot.Partition, slot.Row, cancellationToken: ct);
        return point.HasValue ? new PushSlot(slot, ReadChanges(point.Value!), point.Value!.ETag.ToString()) { Id = point.Value!.GetString(IdColumn) } : null;
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
        await queue.EnqueueAsync([new PushSlotState(slot.Ref, slot.Id)], ct);
    }

    /// <summary>
    /// Queues the slots of a partition opened longer than the grace ago: their relay never happened, or their
    /// message was lost. Each gets a fresh opening time, so the next sweep waits a grace again before repeating it.
    /// </summary>
    /// <param name="rowFilter">the OData filter on row keys or columns that finds the slots</param>
    /// <returns>how many were queued, and how many slots the partition holds</returns>
    public async Task<(int Queued, int Open)> SweepPartitionAsync(string table, string partitionKey, string rowFilter, CancellationToken ct)
    {
        var slots = await SlotsAsync(table, $"PartitionKey eq {TableKey.Quote(partitionKey)} and {rowFilter}", ct);
        return (await QueueStaleAsync(table, slots, ct), slots.Count);
    }

    /// <summary>
    /// The partitions marked before a transaction in a bucket that has ended (plus a grace for a slow commit): their
    /// slots swept, their markers removed once they hold none. Many partitions of one table (a bulk load, a full pull)
    /// are looked at with one query over their key range rather than one each: on Azurite every query costs the whole
    /// table, so twenty thousand of them took its one thread for minutes and starved every request beside them; on
    /// Table Storage a range scan that returns only slots costs less than that many requests too.
    /// </summary>
    public async Task<int> SweepMarkedAsync(CancellationToken ct)
    {
        var markers = tables.Get(StorageTables.PushMarkers);
        var until = BucketKey((clock.GetUtcNow() - 2 * Grace).UtcTicks / Grace.Ticks);
        var rows = new List<TableEntity>();
        await foreach (var marker in markers.QueryAsync<TableEntity>($"PartitionKey lt {TableKey.Quote(until)}", select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            rows.Add(marker);
        var queued = 0;
        foreach (var byTable in rows.GroupBy(r => r.RowKey[..r.RowKey.IndexOf('|')]))
        {
            var table = byTable.Key;
            var marked = byTable.GroupBy(r => r.RowKey[(table.Length + 1)..]).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            var slots = new ConcurrentBag<TableEntity>();
            if (marked.Count > RangeSweep)
            {
                var keys = marked.Keys.Order(StringComparer.Ordinal).ToList();
                // Slots of partitions in the range that are not marked here belong to a later bucket's sweep.
                foreach (var slot in await SlotsAsync(table, $"PartitionKey ge {TableKey.Quote(keys[0])} and PartitionKey le {TableKey.Quote(keys[^1])} and {SlotColumn} eq true", ct))
                    if (marked.ContainsKey(slot.PartitionKey)) slots.Add(slot);
            }
            else
            {
                await Parallel.ForEachAsync(marked.Keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (partition, token) =>
                {
                    foreach (var slot in await SlotsAsync(table, $"PartitionKey eq {TableKey.Quote(partition)} and {SlotColumn} eq true", token)) slots.Add(slot);
                });
            }
            queued += await QueueStaleAsync(table, [.. slots], ct);
            // A partition with slots is looked at again at the next sweep, until its pushes are through.
            var open = slots.Select(s => s.PartitionKey).ToHashSet(StringComparer.Ordinal);
            await RemoveMarkersAsync(markers, marked.Where(m => !open.Contains(m.Key)).SelectMany(m => m.Value), ct);
        }
        return queued;
    }

    /// <summary>Marked partitions above this many in one table are swept with one range query.</summary>
    private const int RangeSweep = 64;

    private async Task<List<TableEntity>> SlotsAsync(string table, string filter, CancellationToken ct)
    {
        var slots = new List<TableEntity>();
        await foreach (var row in tables.Get(table).QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey", OpenedColumn, IdColumn], cancellationToken: ct))
            slots.Add(row);
        return slots;
    }

    /// <summary>Of the slots found, those opened longer than the grace ago get a fresh opening time and are queued.</summary>
    private async Task<int> QueueStaleAsync(string table, List<TableEntity> slots, CancellationToken ct)
    {
        var before = clock.GetUtcNow() - Grace;
        var stale = slots.Where(row => row.GetDateTimeOffset(OpenedColumn) is not { } opened || opened < before).ToList();
        if (stale.Count == 0) return 0;
        logger.LogWarning("Outbox of {Table}: {Count} pushes left by an interrupted relay in {Partitions} partitions; queueing them now",
            table, stale.Count, stale.Select(r => r.PartitionKey).Distinct().Count());
        var client = tables.Get(table);
        // One write per slot, side by side: after a bulk load the range sweep can hand over thousands at once.
        await Parallel.ForEachAsync(stale, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (row, token) => await RefreshAsync(client, row.PartitionKey, row.RowKey, token));
        await queue.EnqueueAsync(stale.Select(r => Named(table, r)).ToList(), ct);
        return stale.Count;
    }

    /// <summary>Markers share their bucket's partition: removed a hundred to a transaction, one by one where another sweep removed some first.</summary>
    private static async Task RemoveMarkersAsync(TableClient markers, IEnumerable<TableEntity> done, CancellationToken ct)
    {
        foreach (var chunk in done.GroupBy(m => m.PartitionKey).SelectMany(g => g.Chunk(100)))
        {
            try
            {
                await markers.SubmitTransactionAsync(chunk.Select(m => new TableTransactionAction(TableTransactionActionType.Delete, m, ETag.All)), ct);
            }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                foreach (var marker in chunk)
                {
                    try { await markers.DeleteEntityAsync(marker.PartitionKey, marker.RowKey, ETag.All, ct); }
                    catch (RequestFailedException gone) when (gone.Status == 404) { }
                }
            }
        }
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

    /// <summary>A slot named by its place and opening, without its state.</summary>
    private static PushSlotState Named(string table, TableEntity slot) => new(new PushSlotRef(table, slot.PartitionKey, slot.RowKey), slot.GetString(IdColumn));

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

/// <summary>A slot a commit opened: its row as written, its version (the commit's ETag; null: unknown, the slot is read), and the object it is about as written (its stored JSON), if any.</summary>
public sealed record OpenedSlot(TableEntity Row, ETag? Version, ReadOnlyMemory<byte>? Content);

/// <summary>How a store's table finds the object of an outbox slot, so the two are read in one query.</summary>
internal interface ISlotTargets
{
    /// <summary>An OData filter on the slot's partition that selects the slot and its object's rows; null: the slot alone.</summary>
    string? RowFilter(string slotRow);

    /// <summary>The object's stored JSON from the rows read, or null when it is gone.</summary>
    ReadOnlyMemory<byte>? Content(string slotRow, IReadOnlyList<TableEntity> rows);
}

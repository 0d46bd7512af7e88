using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Types;

namespace Roaming.Azure.Tables;

/// <summary>
/// Flat party-owned objects of one kind in their own table, one partition per party and scope, "{scope}|{CC}|{PID}|":
/// <list type="bullet">
/// <item>the object: row = its id (upper-case, escaped), the object as chunked JSON, LastUpdated (date filters) and
/// Stored (full-pull cleanup) as columns, Indexed once it has its index entry and is counted;</item>
/// <item>its index entry: "~lu|{last_updated ticks}|{id}", a copy of the object under the time it was last updated, so a
/// page of a date_from list is one range query that reads only what changed;</item>
/// <item>the party's count: shards "~count|{nn}" (<see cref="PartyCounts"/>), so X-Total-Count is read, not counted;</item>
/// <item>its outbox slot "~push|{id}": the pushes pending for it.</item>
/// </list>
/// The object, its index entry, its count and its slot change in one transaction, so the index and the count are
/// exactly what the objects are, whatever runs concurrently. Objects stored before the index existed are counted and
/// indexed by <see cref="ReindexAsync"/> (until then lists do not see them in date filters nor count them).
/// Lists walk the keys from a cursor, so a deep page costs what the first costs.
/// A kind looked up by id alone (tokens) also has index rows: partition "I{scope}|{id}" (outside every object range),
/// one row per party holding that id. The index row is written before the object and removed after it, so an
/// object always has its index row; an index row without its object (a crash between the two) is skipped when read.
/// </summary>
public sealed class TablePartyObjectStore<T>(PartyObjectKind<T> kind, TableClient table, TableOutbox outbox, TimeProvider clock, ILogger logger)
    : IPartyObjectStore<T>, IOutboxPartitions, IReindexable, ISlotTargets
    where T : class
{
    private const string SlotPrefix = "~push|";
    private const string IndexedColumn = "Indexed";
    // Writers of one object in this instance take turns; other instances are met by the ETag.
    private readonly KeyedLocks<(string, string)> _writers = new();
    /// <summary>Object rows sort below this; the system rows (slots, index entries, count shards) start with it (escaped in ids).</summary>
    private const string SystemRows = "~";

    public PartyObjectKind<T> Kind => kind;
    public string Module => kind.Module;
    public string Collection => kind.Collection;

    public async Task<T?> GetAsync(DataScope scope, PartyKey party, string id, CancellationToken ct)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(Partition(scope, party), TableKey.Encode(id), cancellationToken: ct);
        return response.HasValue ? JsonChunks.Read(response.Value!, kind.Stored) : null;
    }

    public async Task<PutOutcome> PutAsync(DataScope scope, T value, PushChange? push, bool onlyIfNewer, CancellationToken ct)
    {
        var party = kind.Party(value);
        var id = kind.Id(value);
        using var turn = await TurnAsync(scope, party, id, ct);
        return await WriteAsync(Partition(scope, party), TableKey.Encode(id), push is not null, async rows =>
        {
            if (onlyIfNewer && rows.Row is { } existing && existing.GetDateTimeOffset("LastUpdated") is { } stored && kind.LastUpdated(value) is { } incoming && stored > incoming)
            {
                // Kept, and marked as seen: a full pull that met an older copy must not remove the object afterwards.
                await table.UpdateEntityAsync(new TableEntity(existing.PartitionKey, existing.RowKey) { ["Stored"] = clock.GetUtcNow() }, existing.ETag, TableUpdateMode.Merge, ct);
                return PutOutcome.KeptNewer;
            }
            if (rows.Row is null)
            {
                await PartyCounts.ListAsync(table, scope, party);
                if (kind.IndexedById) await IndexByIdAsync(scope, party, id, ct);
            }
            await CommitAsync(rows, Entity(scope, value), push, ct);
            return rows.Row is null ? PutOutcome.Created : PutOutcome.Replaced;
        }, ct);
    }

    public async Task<bool> AddAsync(DataScope scope, T value, PushChange? push, CancellationToken ct)
    {
        var party = kind.Party(value);
        var id = kind.Id(value);
        using var turn = await TurnAsync(scope, party, id, ct);
        // The read that finds an object already there is the one that gives the count shard its version: a record
        // stored once for all is still counted exactly, in the transaction that adds it.
        return await WriteAsync(Partition(scope, party), TableKey.Encode(id), push is not null, async rows =>
        {
            if (rows.Row is not null) return false;
            await PartyCounts.ListAsync(table, scope, party);
            if (kind.IndexedById) await IndexByIdAsync(scope, party, id, ct);
            await CommitAsync(rows, Entity(scope, value), push, ct);
            return true;
        }, ct);
    }

    public async Task<T?> UpdateAsync(DataScope scope, PartyKey party, string id, Func<T, T?> change, Func<T, PushChange?>? push, CancellationToken ct)
    {
        using var turn = await TurnAsync(scope, party, id, ct);
        return await WriteAsync(Partition(scope, party), TableKey.Encode(id), push is not null, async rows =>
        {
            if (rows.Row is null) return null;
            var current = JsonChunks.Read(rows.Row, kind.Stored);
            var next = change(current);
            if (next is null) return current;
            await CommitAsync(rows, Entity(scope, next), push?.Invoke(next), ct);
            return next;
        }, ct);
    }

    public async Task<bool> DeleteAsync(DataScope scope, PartyKey party, string id, PushChange? push, CancellationToken ct)
    {
        using var turn = await TurnAsync(scope, party, id, ct);
        return await WriteAsync(Partition(scope, party), TableKey.Encode(id), push is not null, async rows =>
        {
            if (rows.Row is null) return false;
            await CommitAsync(rows, null, push, ct);
            await UnindexByIdAsync(scope, party, rows.RowKey, ct);
            return true;
        }, ct);
    }

    /// <summary>
    /// One write from a fresh read, again after a conflict (another writer changed the object or its count shard first)
    /// with backoff. An index entry found missing where the object says it has one (a row edited by hand) is not asked
    /// for again, so the write goes through and brings the entry back.
    /// </summary>
    private async Task<TResult> WriteAsync<TResult>(string pk, string rk, bool withSlot, Func<Rows, Task<TResult>> write, CancellationToken ct)
    {
        var entryMissing = false;
        for (var attempt = 1; ; attempt++)
        {
            var rows = await ReadRowsAsync(pk, rk, withSlot, ct) with { EntryMissing = entryMissing };
            try
            {
                return await write(rows);
            }
            catch (RequestFailedException e) when (StorageRetry.IsConflict(e))
            {
                if (e.Status == 404 && rows.Entry is { } entry && !entryMissing)
                    entryMissing = !(await table.GetEntityIfExistsAsync<TableEntity>(pk, entry, select: ["RowKey"], cancellationToken: ct)).HasValue;
                if (attempt >= StorageRetry.MaxAttempts) throw StorageRetry.GaveUp($"A {kind.Module} object of {pk}");
                await StorageRetry.BackoffAsync(attempt, ct);
            }
        }
    }

    public async Task<IReadOnlyList<T>> FindAsync(DataScope scope, string id, CancellationToken ct)
    {
        if (!kind.IndexedById) throw new InvalidOperationException($"{kind.Module} objects are not indexed by id.");
        var found = new List<T>(1);
        var filter = $"PartitionKey eq {TableKey.Quote(IdPartition(scope, TableKey.Encode(id)))}";
        await foreach (var entry in table.QueryAsync<TableEntity>(filter, select: ["CountryCode", "PartyId"], cancellationToken: ct))
        {
            if (await GetAsync(scope, new PartyKey(entry.GetString("CountryCode"), entry.GetString("PartyId")), id, ct) is { } value) found.Add(value);
        }
        return found;
    }

    /// <summary>
    /// Without a date filter: the objects in key order, the total from the count shards. With one: the index entries of
    /// the window, party by party, each a copy of its object; the total counts the window's entries (what changed).
    /// </summary>
    public async Task<ObjectPage<T>> ListAsync(DataScope scope, ObjectQuery query, CancellationToken ct)
    {
        var (start, end) = TableKey.Range(scope, query.Party);
        var cursor = PageCursor.Parse(query.Continuation, start, end);
        var page = new Page(query.Limit, cursor is null ? query.Offset : 0);
        int total;
        if (query.Where is { Count: > 0 } where)
        {
            // A column filter (a sender list per recipient) is not what the counts and the date index are kept for:
            // the objects are filtered and counted where they are.
            var filter = $"{TableKey.RangeFilter(start, end)} and RowKey lt '{SystemRows}'";
            if (query.DateFrom is { } f) filter += $" and LastUpdated ge {TableKey.DateTime(f)}";
            if (query.DateTo is { } t) filter += $" and LastUpdated lt {TableKey.DateTime(t)}";
            foreach (var (column, values) in where)
            {
                // No value allowed means nothing matches: an empty page, not an unfiltered one.
                if (values.Count == 0) return new ObjectPage<T>([], 0, null);
                filter += " and (" + string.Join(" or ", values.Select(v => $"{column} eq {TableKey.Quote(v)}")) + ")";
            }
            total = cursor?.Total ?? await table.CountAsync(filter, ct);
            if (page.Skip < total) await TakeAsync(From(filter, cursor), page, ct);
        }
        else if (query.DateFrom is null && query.DateTo is null)
        {
            total = cursor?.Total ?? (int)await PartyCounts.CountAsync(table, scope, query.Party, ct);
            // Past the end (offset=2147483647): nothing to walk the table for.
            if (page.Skip < total) await TakeAsync(From($"{TableKey.RangeFilter(start, end)} and RowKey lt '{SystemRows}'", cursor), page, ct);
        }
        else
        {
            var window = TimeKeys.Window(query.DateFrom, query.DateTo);
            var parties = await PartyCounts.CoveredAsync(table, scope, query.Party, ct);
            if (cursor is not null) total = cursor.Total;
            else if (query.DateFrom is null)
            {
                // date_to alone (a full pull bounded by its start) is nearly everything: the count less the few entries
                // from date_to on, each object having exactly one entry.
                var since = TimeKeys.Window(query.DateTo, null);
                total = 0;
                foreach (var party in parties.Select(p => Partition(scope, p)))
                    total += (int)await PartyCounts.SumAsync(table, party, ct) - await table.CountAsync($"PartitionKey eq {TableKey.Quote(party)} and {since}", ct);
            }
            else
            {
                total = 0;
                foreach (var party in parties) total += await table.CountAsync($"PartitionKey eq {TableKey.Quote(Partition(scope, party))} and {window}", ct);
            }
            foreach (var party in parties)
            {
                if (page.Skip >= total || page.Next is not null) break;
                var pk = Partition(scope, party);
                if (cursor is not null && string.CompareOrdinal(pk, cursor.PartitionKey) < 0) continue;
                var filter = $"PartitionKey eq {TableKey.Quote(pk)} and {window}";
                if (cursor is not null && pk == cursor.PartitionKey) filter += $" and RowKey ge {TableKey.Quote(cursor.RowKey)}";
                await TakeAsync(filter, page, ct);
            }
        }
        return new ObjectPage<T>(page.Items, total, page.Next is { } next ? new PageCursor(total, next.PartitionKey, next.RowKey).ToString() : null);
    }

    /// <summary>A page being filled: what is still to be skipped (offset), the items, and where the next page starts once it is full.</summary>
    private sealed class Page(int limit, int skip)
    {
        public int Limit { get; } = limit;
        public int Skip { get; set; } = skip;
        public List<T> Items { get; } = new(Math.Min(limit, 1000));
        public TableEntity? Next { get; set; }
    }

    /// <summary>Adds the objects a filter selects, after what is still to be skipped, until the page is full.</summary>
    private async Task TakeAsync(string filter, Page page, CancellationToken ct)
    {
        var wanted = (long)page.Limit - page.Items.Count + page.Skip + 1;
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: (int)Math.Min(1000L, wanted), cancellationToken: ct))
        {
            if (page.Skip > 0)
            {
                page.Skip--;
                continue;
            }
            if (page.Items.Count == page.Limit)
            {
                page.Next = entity;
                return;
            }
            page.Items.Add(JsonChunks.Read(entity, kind.Stored));
        }
    }

    private static string From(string filter, PageCursor? cursor) => cursor is null ? filter
        : $"{filter} and (PartitionKey gt {TableKey.Quote(cursor.PartitionKey)} or (PartitionKey eq {TableKey.Quote(cursor.PartitionKey)} and RowKey ge {TableKey.Quote(cursor.RowKey)}))";

    public Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct) => table.CountNotSeenAsync(ReceivedObjects(query.Parties), query, ct);

    public async Task<int> DeleteNotSeenAsync(NotSeenQuery query, CancellationToken ct)
    {
        var deleted = 0;
        foreach (var party in query.Parties)
        {
            var victims = new List<string>();
            await foreach (var e in table.QueryAsync<TableEntity>(ReceivedObjects([party]).Single() + TableKey.NotSeen(query), select: ["RowKey"], cancellationToken: ct))
                victims.Add(e.RowKey);
            foreach (var rowKey in victims)
            {
                // Each with its index entry and its count, as a DELETE would; the id as stored is its row key.
                if (await RemoveAsync(party, rowKey, query.Since, ct)) deleted++;
            }
        }
        return deleted;
    }

    /// <summary>A received object the pull did not see, unless it was stored again meanwhile.</summary>
    private Task<bool> RemoveAsync(PartyKey party, string rowKey, DateTimeOffset since, CancellationToken ct) =>
        WriteAsync(Partition(DataScope.Received, party), rowKey, withSlot: false, async rows =>
        {
            if (rows.Row is null || rows.Row.GetDateTimeOffset("Stored") >= since) return false;
            await CommitAsync(rows, null, null, ct);
            await UnindexByIdAsync(DataScope.Received, party, rowKey, ct);
            return true;
        }, ct);

    private static IEnumerable<string> ReceivedObjects(IEnumerable<PartyKey> parties) =>
        parties.Select(p => TableKey.Range(DataScope.Received, p)).Select(r => $"{TableKey.RangeFilter(r.Start, r.End)} and RowKey lt '{SystemRows}'");

    /// <summary>The own partitions holding outbox slots: one per own party of the module's owner role.</summary>
    public async Task<int> SweepOutboxAsync(PartyKey ownParty, CancellationToken ct) =>
        (await outbox.SweepPartitionAsync(kind.Collection, TableKey.Range(DataScope.Own, ownParty).Start,
            $"RowKey ge '{SlotPrefix}' and RowKey lt '~push}}'", ct)).Queued;

    /// <summary>
    /// Indexes and counts the objects stored before the index existed (rows without Indexed), each in one transaction
    /// with its row's ETag, so objects written meanwhile are neither missed nor counted twice. Safe to run again.
    /// </summary>
    public async Task<int> ReindexAsync(CancellationToken ct)
    {
        var legacy = new List<(string Partition, string Row)>();
        // A filter on a column a row lacks selects nothing, so the rows are sorted out here.
        await foreach (var e in table.QueryAsync<TableEntity>($"RowKey lt '{SystemRows}'", select: ["PartitionKey", "RowKey", IndexedColumn], cancellationToken: ct))
            if (e.GetBoolean(IndexedColumn) != true && (e.PartitionKey.StartsWith("O|", StringComparison.Ordinal) || e.PartitionKey.StartsWith("R|", StringComparison.Ordinal)))
                legacy.Add((e.PartitionKey, e.RowKey));
        var done = 0;
        foreach (var (pk, rk) in legacy)
        {
            var indexed = await WriteAsync(pk, rk, withSlot: false, async rows =>
            {
                if (rows.Row is null || rows.Row.GetBoolean(IndexedColumn) == true) return false;
                var value = JsonChunks.Read(rows.Row, kind.Stored);
                var scope = pk[0] == 'O' ? DataScope.Own : DataScope.Received;
                await PartyCounts.ListAsync(table, scope, kind.Party(value));
                var entity = Entity(scope, value);
                entity["Stored"] = rows.Row.GetDateTimeOffset("Stored");
                await CommitAsync(rows, entity, null, ct);
                return true;
            }, ct);
            if (indexed) done++;
        }
        if (done > 0) logger.LogInformation("Reindexed {Count} {Module} objects", done, kind.Module);
        return done;
    }

    /// <summary>The object's write, its index entry and count, and its push (joined to the object's slot) in one transaction; then the relay.</summary>
    private async Task CommitAsync(Rows rows, TableEntity? next, PushChange? push, CancellationToken ct)
    {
        var actions = Changes(rows, next);
        if (push is null)
        {
            await table.SubmitTransactionAsync(actions, ct);
            return;
        }
        var write = outbox.Join(rows.PartitionKey, SlotPrefix + rows.RowKey, rows.Slot, [push]);
        actions.Add(write.Action);
        var committed = await table.SubmitTransactionAsync(actions, ct);
        // The slot travels with the object as written (a removed object's push reads that it is gone).
        if (write.Opened)
            await outbox.RelayAsync(kind.Collection, [new OpenedSlot(write.Row, committed.Value[^1].Headers.ETag, next is null ? (ReadOnlyMemory<byte>?)null : JsonChunks.Bytes(next))]);
    }

    /// <summary>A slot is read with its object, in one query.</summary>
    string? ISlotTargets.RowFilter(string slotRow) =>
        slotRow.StartsWith(SlotPrefix, StringComparison.Ordinal) ? $"RowKey eq {TableKey.Quote(slotRow)} or RowKey eq {TableKey.Quote(slotRow[SlotPrefix.Length..])}" : null;

    ReadOnlyMemory<byte>? ISlotTargets.Content(string slotRow, IReadOnlyList<TableEntity> rows) =>
        rows.FirstOrDefault(r => r.RowKey == slotRow[SlotPrefix.Length..]) is { } row ? JsonChunks.Bytes(row) : (ReadOnlyMemory<byte>?)null;

    /// <summary>
    /// The object's rows as they must change from what was read to <paramref name="next"/> (null: removed): the object,
    /// its index entry moved to its new time, and its shard of the count when it comes or goes.
    /// </summary>
    private static List<TableTransactionAction> Changes(Rows rows, TableEntity? next)
    {
        var actions = new List<TableTransactionAction>(5);
        var existing = rows.Row;
        if (next is null) actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, existing!, existing!.ETag));
        else if (existing is null) actions.Add(new TableTransactionAction(TableTransactionActionType.Add, next));
        else actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, next, existing.ETag));

        var counted = existing?.GetBoolean(IndexedColumn) == true;
        var before = rows.EntryMissing ? null : rows.Entry;
        var after = next is null ? null : IndexRow(next.GetDateTimeOffset("LastUpdated"), rows.RowKey);
        if (before is not null && before != after)
            actions.Add(new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(rows.PartitionKey, before), ETag.All));
        if (after is not null)
        {
            var entry = new TableEntity(rows.PartitionKey, after);
            foreach (var (name, value) in next!) if (name is not ("PartitionKey" or "RowKey" or "odata.etag" or "Timestamp" or IndexedColumn)) entry[name] = value;
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, entry));
        }
        var delta = (next is null ? 0 : 1) - (counted ? 1 : 0);
        if (delta != 0) actions.Add(PartyCounts.Change(rows.PartitionKey, rows.ShardRow, rows.Shard, delta));
        return actions;
    }

    /// <param name="EntryMissing">the index entry the row names was found missing: not to be removed</param>
    private sealed record Rows(string PartitionKey, string RowKey, string ShardRow, TableEntity? Row, TableEntity? Slot, TableEntity? Shard, bool EntryMissing = false)
    {
        /// <summary>The object's index entry, when it has one.</summary>
        public string? Entry => Row?.GetBoolean(IndexedColumn) == true ? IndexRow(Row.GetDateTimeOffset("LastUpdated"), RowKey) : null;
    }

    /// <summary>What a write needs, in one query: the object's row, its count shard and, for a write that pushes, its outbox slot.</summary>
    private async Task<Rows> ReadRowsAsync(string pk, string rk, bool withSlot, CancellationToken ct)
    {
        var shardRow = PartyCounts.ShardRow(rk);
        TableEntity? row = null, slot = null, shard = null;
        var filter = $"PartitionKey eq {TableKey.Quote(pk)} and (RowKey eq {TableKey.Quote(rk)} or RowKey eq '{shardRow}'"
            + (withSlot ? $" or RowKey eq {TableKey.Quote(SlotPrefix + rk)})" : ")");
        await foreach (var e in table.QueryAsync<TableEntity>(filter, cancellationToken: ct))
        {
            if (e.RowKey == rk) row = e;
            else if (e.RowKey == shardRow) shard = e;
            else slot = e;
        }
        return new Rows(pk, rk, shardRow, row, slot, shard);
    }

    private Task<IDisposable> TurnAsync(DataScope scope, PartyKey party, string id, CancellationToken ct) =>
        _writers.LockAsync((Partition(scope, party).ToUpperInvariant(), TableKey.Encode(id)), ct);

    private TableEntity Entity(DataScope scope, T value)
    {
        var entity = new TableEntity(Partition(scope, kind.Party(value)), TableKey.Encode(kind.Id(value)))
        {
            ["LastUpdated"] = kind.LastUpdated(value),
            ["Stored"] = clock.GetUtcNow(),
            [IndexedColumn] = true,
        };
        if (kind.Columns is { } columns)
            foreach (var (name, column) in columns(value)) entity[name] = column;
        JsonChunks.Write(entity, value, kind.Stored);
        return entity;
    }

    private static string Partition(DataScope scope, PartyKey party) => TableKey.Range(scope, party).Start;

    /// <summary>An object's index entry: its time (ticks, so keys sort as times do), then its key.</summary>
    private static string IndexRow(DateTimeOffset? lastUpdated, string rowKey) => TimeKeys.Bound(lastUpdated) + rowKey;

    private static string IdPartition(DataScope scope, string encodedId) => $"I{TableKey.Prefix(scope)}|{encodedId}";

    private async Task IndexByIdAsync(DataScope scope, PartyKey party, string id, CancellationToken ct)
    {
        var entry = new TableEntity(IdPartition(scope, TableKey.Encode(id)), IdRow(party))
        {
            ["CountryCode"] = party.CountryCode,
            ["PartyId"] = party.PartyId,
        };
        await table.UpsertEntityAsync(entry, TableUpdateMode.Replace, ct);
    }

    private async Task UnindexByIdAsync(DataScope scope, PartyKey party, string encodedId, CancellationToken ct)
    {
        if (!kind.IndexedById) return;
        try { await table.DeleteEntityAsync(IdPartition(scope, encodedId), IdRow(party), ETag.All, ct); }
        catch (RequestFailedException e) when (e.Status == 404) { }
    }

    private static string IdRow(PartyKey party) => $"{TableKey.Encode(party.CountryCode)}|{TableKey.Encode(party.PartyId)}";
}

/// <summary>The one implementation of <see cref="IPartyObjectStores"/>: a table per kind.</summary>
public sealed class TablePartyObjectStores(StorageTables tables, TableOutbox outbox, TimeProvider clock, ILoggerFactory loggers) : IPartyObjectStores
{
    public IPartyObjectStore<T> For<T>(PartyObjectKind<T> kind) where T : class
    {
        var store = new TablePartyObjectStore<T>(kind, tables.Get(kind.Collection), outbox, clock, loggers.CreateLogger("Roaming.Azure.Tables.PartyObjects"));
        outbox.Targets(kind.Collection, store);
        return store;
    }
}

/// <summary>A store whose own party partitions may hold outbox slots left by an interrupted relay.</summary>
internal interface IOutboxPartitions
{
    Task<int> SweepOutboxAsync(PartyKey ownParty, CancellationToken ct);
}

/// <summary>A store that keeps indexes and counts beside its objects, and can bring objects stored without them up to date.</summary>
public interface IReindexable
{
    string Collection { get; }

    /// <returns>how many objects it indexed</returns>
    Task<int> ReindexAsync(CancellationToken ct);
}

using Azure;
using Azure.Data.Tables;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Types;

namespace Roaming.Azure.Tables;

/// <summary>
/// Flat party-owned objects of one kind in their own table: partition "{scope}|{CC}|{PID}|", row = the object's id
/// (upper-case, escaped), the object as chunked JSON, LastUpdated (date filters) and Stored (full-pull cleanup) as
/// columns. A write that causes a push joins the object's outbox slot ("~push|{id}", same partition) in the same
/// transaction. Lists walk the keys from a cursor, so a deep page costs what the first costs.
/// A kind looked up by id alone (tokens) also has index rows: partition "I{scope}|{id}" (outside every object range),
/// one row per party holding that id. The index row is written before the object and removed after it, so an
/// object always has its index row; an index row without its object (a crash between the two) is skipped when read.
/// </summary>
public sealed class TablePartyObjectStore<T>(PartyObjectKind<T> kind, TableClient table, TableOutbox outbox, TimeProvider clock) : IPartyObjectStore<T>, IOutboxPartitions
    where T : class
{
    private const string SlotPrefix = "~push|";
    // Writers of one object in this instance take turns; other instances are met by the ETag.
    private readonly KeyedLocks<(string, string)> _writers = new();
    /// <summary>Object rows sort below this; the outbox slots start with it (escaped in ids).</summary>
    private const string SystemRows = "~";

    public PartyObjectKind<T> Kind => kind;
    public string Module => kind.Module;
    public string Collection => kind.Collection;

    public async Task<T?> GetAsync(DataScope scope, PartyKey party, string id, CancellationToken ct)
    {
        var (row, _) = await ReadAsync(scope, party, id, withSlot: false, ct);
        return row is null ? null : JsonChunks.Read(row, kind.Stored);
    }

    public async Task<PutOutcome> PutAsync(DataScope scope, T value, PushChange? push, bool onlyIfNewer, CancellationToken ct)
    {
        var party = kind.Party(value);
        using var turn = await TurnAsync(scope, party, kind.Id(value), ct);
        for (var attempt = 1; ; attempt++)
        {
            var (existing, slot) = await ReadAsync(scope, party, kind.Id(value), push is not null, ct);
            try
            {
                if (onlyIfNewer && existing is not null && existing.GetDateTimeOffset("LastUpdated") is { } stored && kind.LastUpdated(value) is { } incoming && stored > incoming)
                {
                    // Kept, and marked as seen: a full pull that met an older copy must not remove the object afterwards.
                    await table.UpdateEntityAsync(new TableEntity(existing.PartitionKey, existing.RowKey) { ["Stored"] = clock.GetUtcNow() }, existing.ETag, TableUpdateMode.Merge, ct);
                    return PutOutcome.KeptNewer;
                }
                if (existing is null && kind.IndexedById) await IndexAsync(scope, party, kind.Id(value), ct);
                var entity = Entity(scope, value);
                var action = existing is null
                    ? new TableTransactionAction(TableTransactionActionType.Add, entity)
                    : new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, existing.ETag);
                await CommitAsync(action, push, slot, ct);
                return existing is null ? PutOutcome.Created : PutOutcome.Replaced;
            }
            catch (RequestFailedException e) when (StorageRetry.IsConflict(e))
            {
                await RetryAsync(attempt, party, kind.Id(value), ct);
            }
        }
    }

    public async Task<bool> AddAsync(DataScope scope, T value, PushChange? push, CancellationToken ct)
    {
        var party = kind.Party(value);
        var id = kind.Id(value);
        using var turn = await TurnAsync(scope, party, id, ct);
        if (kind.IndexedById) await IndexAsync(scope, party, id, ct);
        // A new object is the usual case: written without reading first, its outbox slot taken to be closed. A conflict
        // says otherwise; the read then tells an object already there (nothing written) from a slot to join.
        TableEntity? slot = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await CommitAsync(new TableTransactionAction(TableTransactionActionType.Add, Entity(scope, value)), push, slot, ct);
                return true;
            }
            catch (RequestFailedException e) when (StorageRetry.IsConflict(e))
            {
                (var existing, slot) = await ReadAsync(scope, party, id, push is not null, ct);
                if (existing is not null) return false;
                if (attempt > 1) await RetryAsync(attempt - 1, party, id, ct);
            }
        }
    }

    public async Task<T?> UpdateAsync(DataScope scope, PartyKey party, string id, Func<T, T?> change, Func<T, PushChange?>? push, CancellationToken ct)
    {
        using var turn = await TurnAsync(scope, party, id, ct);
        for (var attempt = 1; ; attempt++)
        {
            var (existing, slot) = await ReadAsync(scope, party, id, push is not null, ct);
            if (existing is null) return null;
            var current = JsonChunks.Read(existing, kind.Stored);
            var next = change(current);
            if (next is null) return current;
            try
            {
                await CommitAsync(new TableTransactionAction(TableTransactionActionType.UpdateReplace, Entity(scope, next), existing.ETag), push?.Invoke(next), slot, ct);
                return next;
            }
            catch (RequestFailedException e) when (StorageRetry.IsConflict(e))
            {
                await RetryAsync(attempt, party, id, ct);
            }
        }
    }

    public async Task<bool> DeleteAsync(DataScope scope, PartyKey party, string id, PushChange? push, CancellationToken ct)
    {
        using var turn = await TurnAsync(scope, party, id, ct);
        for (var attempt = 1; ; attempt++)
        {
            var (existing, slot) = await ReadAsync(scope, party, id, push is not null, ct);
            if (existing is null) return false;
            try
            {
                await CommitAsync(new TableTransactionAction(TableTransactionActionType.Delete, existing, existing.ETag), push, slot, ct);
                await UnindexAsync(scope, party, existing.RowKey, ct);
                return true;
            }
            catch (RequestFailedException e) when (StorageRetry.IsConflict(e))
            {
                await RetryAsync(attempt, party, id, ct);
            }
        }
    }

    public async Task<IReadOnlyList<T>> FindAsync(DataScope scope, string id, CancellationToken ct)
    {
        if (!kind.IndexedById) throw new InvalidOperationException($"{kind.Module} objects are not indexed by id.");
        var found = new List<T>(1);
        var filter = $"PartitionKey eq {TableKey.Quote(IndexPartition(scope, TableKey.Encode(id)))}";
        await foreach (var entry in table.QueryAsync<TableEntity>(filter, select: ["CountryCode", "PartyId"], cancellationToken: ct))
        {
            if (await GetAsync(scope, new PartyKey(entry.GetString("CountryCode"), entry.GetString("PartyId")), id, ct) is { } value) found.Add(value);
        }
        return found;
    }

    public async Task<ObjectPage<T>> ListAsync(DataScope scope, ObjectQuery query, CancellationToken ct)
    {
        var (start, end) = TableKey.Range(scope, query.Party);
        var filter = $"{TableKey.RangeFilter(start, end)} and RowKey lt '{SystemRows}'";
        if (query.DateFrom is { } f) filter += $" and LastUpdated ge {TableKey.DateTime(f)}";
        if (query.DateTo is { } t) filter += $" and LastUpdated lt {TableKey.DateTime(t)}";
        foreach (var (column, values) in query.Where ?? new Dictionary<string, IReadOnlyCollection<string>>())
        {
            // No value allowed means nothing matches: an empty page, not an unfiltered one.
            if (values.Count == 0) return new ObjectPage<T>([], 0, null);
            filter += " and (" + string.Join(" or ", values.Select(v => $"{column} eq {TableKey.Quote(v)}")) + ")";
        }

        var cursor = PageCursor.Parse(query.Continuation, start, end);
        var total = cursor?.Total ?? await table.CountAsync(filter, ct);
        var from = cursor is null ? filter
            : $"{filter} and (PartitionKey gt {TableKey.Quote(cursor.PartitionKey)} or (PartitionKey eq {TableKey.Quote(cursor.PartitionKey)} and RowKey ge {TableKey.Quote(cursor.RowKey)}))";
        var skip = cursor is null ? query.Offset : 0;
        var items = new List<T>(Math.Min(query.Limit, 1000));
        // Past the end (offset=2147483647): nothing to walk the table for.
        if (skip >= total) return new ObjectPage<T>(items, total, null);
        string? next = null;
        await foreach (var entity in table.QueryAsync<TableEntity>(from, maxPerPage: (int)Math.Min(1000L, (long)query.Limit + skip + 1), cancellationToken: ct))
        {
            if (skip > 0) { skip--; continue; }
            if (items.Count == query.Limit)
            {
                next = new PageCursor(total, entity.PartitionKey, entity.RowKey).ToString();
                break;
            }
            items.Add(JsonChunks.Read(entity, kind.Stored));
        }
        return new ObjectPage<T>(items, total, next);
    }

    public Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct) => table.CountNotSeenAsync(ReceivedObjects(query.Parties), query, ct);

    public async Task<int> DeleteNotSeenAsync(NotSeenQuery query, CancellationToken ct)
    {
        var deleted = 0;
        foreach (var party in query.Parties)
        {
            await foreach (var e in table.QueryAsync<TableEntity>(ReceivedObjects([party]).Single() + TableKey.NotSeen(query), select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            {
                await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, ct);
                await UnindexAsync(DataScope.Received, party, e.RowKey, ct);
                deleted++;
            }
        }
        return deleted;
    }

    private static IEnumerable<string> ReceivedObjects(IEnumerable<PartyKey> parties) =>
        parties.Select(p => TableKey.Range(DataScope.Received, p)).Select(r => $"{TableKey.RangeFilter(r.Start, r.End)} and RowKey lt '{SystemRows}'");

    /// <summary>The own partitions holding outbox slots: one per own party of the module's owner role.</summary>
    public async Task<int> SweepOutboxAsync(PartyKey ownParty, CancellationToken ct) =>
        (await outbox.SweepPartitionAsync(kind.Collection, TableKey.Range(DataScope.Own, ownParty).Start,
            $"RowKey ge '{SlotPrefix}' and RowKey lt '~push}}'", ct)).Queued;

    /// <summary>The object's write and its push (joined to the object's slot) in one transaction; then the relay.</summary>
    private async Task CommitAsync(TableTransactionAction action, PushChange? push, TableEntity? slot, CancellationToken ct)
    {
        if (push is null)
        {
            await table.SubmitTransactionAsync([action], ct);
            return;
        }
        var write = outbox.Join(action.Entity.PartitionKey, SlotPrefix + action.Entity.RowKey, slot, [push]);
        await table.SubmitTransactionAsync([action, write.Action], ct);
        if (write.Opened) await outbox.RelayAsync(kind.Collection, [write.Row]);
    }

    /// <summary>The object's row and, for a write that pushes, its outbox slot: one query.</summary>
    private async Task<(TableEntity? Row, TableEntity? Slot)> ReadAsync(DataScope scope, PartyKey party, string id, bool withSlot, CancellationToken ct)
    {
        var pk = TableKey.Range(scope, party).Start;
        var rk = TableKey.Encode(id);
        if (!withSlot)
        {
            var response = await table.GetEntityIfExistsAsync<TableEntity>(pk, rk, cancellationToken: ct);
            return (response.HasValue ? response.Value : null, null);
        }
        TableEntity? row = null, slot = null;
        await foreach (var e in table.QueryAsync<TableEntity>(
                           $"PartitionKey eq {TableKey.Quote(pk)} and (RowKey eq {TableKey.Quote(rk)} or RowKey eq {TableKey.Quote(SlotPrefix + rk)})", cancellationToken: ct))
        {
            if (e.RowKey == rk) row = e;
            else slot = e;
        }
        return (row, slot);
    }

    private Task<IDisposable> TurnAsync(DataScope scope, PartyKey party, string id, CancellationToken ct) =>
        _writers.LockAsync((TableKey.Range(scope, party).Start.ToUpperInvariant(), TableKey.Encode(id)), ct);

    private async Task RetryAsync(int attempt, PartyKey party, string id, CancellationToken ct)
    {
        if (attempt >= StorageRetry.MaxAttempts) throw StorageRetry.GaveUp($"{kind.Module} object {party}/{id}");
        await StorageRetry.BackoffAsync(attempt, ct);
    }

    private TableEntity Entity(DataScope scope, T value)
    {
        var entity = new TableEntity(TableKey.Range(scope, kind.Party(value)).Start, TableKey.Encode(kind.Id(value)))
        {
            ["LastUpdated"] = kind.LastUpdated(value),
            ["Stored"] = clock.GetUtcNow(),
        };
        if (kind.Columns is { } columns)
            foreach (var (name, column) in columns(value)) entity[name] = column;
        JsonChunks.Write(entity, value, kind.Stored);
        return entity;
    }

    private static string IndexPartition(DataScope scope, string encodedId) => $"I{TableKey.Prefix(scope)}|{encodedId}";

    private async Task IndexAsync(DataScope scope, PartyKey party, string id, CancellationToken ct)
    {
        var entry = new TableEntity(IndexPartition(scope, TableKey.Encode(id)), IndexRow(party))
        {
            ["CountryCode"] = party.CountryCode,
            ["PartyId"] = party.PartyId,
        };
        await table.UpsertEntityAsync(entry, TableUpdateMode.Replace, ct);
    }

    private async Task UnindexAsync(DataScope scope, PartyKey party, string encodedId, CancellationToken ct)
    {
        if (!kind.IndexedById) return;
        try { await table.DeleteEntityAsync(IndexPartition(scope, encodedId), IndexRow(party), ETag.All, ct); }
        catch (RequestFailedException e) when (e.Status == 404) { }
    }

    private static string IndexRow(PartyKey party) => $"{TableKey.Encode(party.CountryCode)}|{TableKey.Encode(party.PartyId)}";
}

/// <summary>The one implementation of <see cref="IPartyObjectStores"/>: a table per kind.</summary>
public sealed class TablePartyObjectStores(StorageTables tables, TableOutbox outbox, TimeProvider clock) : IPartyObjectStores
{
    public IPartyObjectStore<T> For<T>(PartyObjectKind<T> kind) where T : class =>
        new TablePartyObjectStore<T>(kind, tables.Get(kind.Collection), outbox, clock);
}

/// <summary>A store whose own party partitions may hold outbox slots left by an interrupted relay.</summary>
internal interface IOutboxPartitions
{
    Task<int> SweepOutboxAsync(PartyKey ownParty, CancellationToken ct);
}

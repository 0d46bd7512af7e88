using Azure;
using Azure.Data.Tables;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Types;

namespace Roaming.Azure.Tables;

/// <summary>
/// Flat party-owned objects of one kind in their own table: partition "{scope}|{CC}|{PID}|", row = the object's id
/// (upper-case, escaped), the object as chunked JSON, LastUpdated (date filters) and Stored (full-pull cleanup) as
/// columns. A write that causes a push carries its outbox row in the same transaction (same partition).
/// Lists walk the keys from a cursor, so a deep page costs what the first costs.
/// A kind looked up by id alone (tokens) also has index rows: partition "I{scope}|{id}" (outside every object range),
/// one row per party holding that id. The index row is written before the object and removed after it, so an
/// object always has its index row; an index row without its object (a crash between the two) is skipped when read.
/// </summary>
public sealed class TablePartyObjectStore<T>(PartyObjectKind<T> kind, TableClient table, TableOutbox outbox, TimeProvider clock) : IPartyObjectStore<T>, IOutboxPartitions
    where T : class
{
    private const int MaxAttempts = 10;

    public PartyObjectKind<T> Kind => kind;
    public string Module => kind.Module;
    public string Collection => kind.Collection;

    public async Task<T?> GetAsync(DataScope scope, PartyKey party, string id, CancellationToken ct)
    {
        var row = await ReadAsync(scope, party, id, ct);
        return row is null ? null : JsonChunks.Read(row, kind.Stored);
    }

    public async Task<PutOutcome> PutAsync(DataScope scope, T value, PushChange? push, bool onlyIfNewer, CancellationToken ct)
    {
        var party = kind.Party(value);
        for (var attempt = 1; ; attempt++)
        {
            var existing = await ReadAsync(scope, party, kind.Id(value), ct);
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
            try
            {
                await CommitAsync(action, push, ct);
                return existing is null ? PutOutcome.Created : PutOutcome.Replaced;
            }
            catch (RequestFailedException e) when (IsConflict(e) && attempt < MaxAttempts)
            {
                await Backoff(attempt, ct);
            }
        }
    }

    public async Task<T?> UpdateAsync(DataScope scope, PartyKey party, string id, Func<T, T?> change, Func<T, PushChange?>? push, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await ReadAsync(scope, party, id, ct);
            if (existing is null) return null;
            var current = JsonChunks.Read(existing, kind.Stored);
            var next = change(current);
            if (next is null) return current;
            try
            {
                await CommitAsync(new TableTransactionAction(TableTransactionActionType.UpdateReplace, Entity(scope, next), existing.ETag), push?.Invoke(next), ct);
                return next;
            }
            catch (RequestFailedException e) when (IsConflict(e) && attempt < MaxAttempts)
            {
                await Backoff(attempt, ct);
            }
        }
    }

    public async Task<bool> DeleteAsync(DataScope scope, PartyKey party, string id, PushChange? push, CancellationToken ct)
    {
        var existing = await ReadAsync(scope, party, id, ct);
        if (existing is null) return false;
        try
        {
            await CommitAsync(new TableTransactionAction(TableTransactionActionType.Delete, existing, ETag.All), push, ct);
            await UnindexAsync(scope, party, existing.RowKey, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false; // deleted meanwhile by a concurrent call
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
        var filter = $"{TableKey.RangeFilter(start, end)} and RowKey lt '{TableOutbox.SystemRows}'";
        if (query.DateFrom is { } f) filter += $" and LastUpdated ge {TableKey.DateTime(f)}";
        if (query.DateTo is { } t) filter += $" and LastUpdated lt {TableKey.DateTime(t)}";

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
        parties.Select(p => TableKey.Range(DataScope.Received, p)).Select(r => $"{TableKey.RangeFilter(r.Start, r.End)} and RowKey lt '{TableOutbox.SystemRows}'");

    /// <summary>The own partitions holding outbox rows: one per own party of the module's owner role.</summary>
    public Task<int> SweepOutboxAsync(PartyKey ownParty, TimeSpan olderThan, CancellationToken ct) =>
        outbox.SweepAsync(table, TableKey.Range(DataScope.Own, ownParty).Start, olderThan, ct);

    /// <summary>The object's write and its push row in one transaction; then the relay.</summary>
    private async Task CommitAsync(TableTransactionAction action, PushChange? push, CancellationToken ct)
    {
        if (push is null)
        {
            await table.SubmitTransactionAsync([action], ct);
            return;
        }
        var row = outbox.Row(action.Entity.PartitionKey, push);
        await table.SubmitTransactionAsync([action, new TableTransactionAction(TableTransactionActionType.Add, row)], ct);
        await outbox.RelayAsync(table, [row], ct);
    }

    private async Task<TableEntity?> ReadAsync(DataScope scope, PartyKey party, string id, CancellationToken ct)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(TableKey.Range(scope, party).Start, TableKey.Encode(id), cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }

    private TableEntity Entity(DataScope scope, T value)
    {
        var entity = new TableEntity(TableKey.Range(scope, kind.Party(value)).Start, TableKey.Encode(kind.Id(value)))
        {
            ["LastUpdated"] = kind.LastUpdated(value),
            ["Stored"] = clock.GetUtcNow(),
        };
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

    private static Task Backoff(int attempt, CancellationToken ct) => Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);

    private static bool IsConflict(RequestFailedException e) => e.Status is 409 or 412;
}

/// <summary>The one implementation of <see cref="IPartyObjectStores"/>: a table per kind.</summary>
public sealed class TablePartyObjectStores(StorageTables tables, TableOutbox outbox, TimeProvider clock) : IPartyObjectStores
{
    public IPartyObjectStore<T> For<T>(PartyObjectKind<T> kind) where T : class =>
        new TablePartyObjectStore<T>(kind, tables.Get(kind.Collection), outbox, clock);
}

/// <summary>A store whose own partitions may hold outbox rows left by an interrupted relay.</summary>
internal interface IOutboxPartitions
{
    Task<int> SweepOutboxAsync(PartyKey ownParty, TimeSpan olderThan, CancellationToken ct);
}

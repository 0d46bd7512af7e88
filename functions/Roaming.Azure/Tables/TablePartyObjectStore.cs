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

    public async Task<bool> AddAsync(DataScope scope, T value, PushChange? push, CancellationToken ct)
    {
        try
        {
            await CommitAsync(new TableTransactionAction(TableTransactionActionType.Add, Entity(scope, value)), push, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return false; // there already: the transaction wrote nothing, its push row neither
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
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false; // deleted meanwhile by a concurrent call
        }
    }

    public async Task<ObjectPage<T>> ListAsync(DataScope scope, ObjectQuery query, CancellationToken ct)
    {
        var (start, end) = TableKey.Range(scope, query.Party);
        var filter = $"{TableKey.RangeFilter(start, end)} and RowKey lt '{TableOutbox.SystemRows}'";
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

    public async Task<int> DeleteNotSeenSinceAsync(IReadOnlyCollection<PartyKey> parties, DateTimeOffset started, CancellationToken ct)
    {
        var deleted = 0;
        foreach (var party in parties)
        {
            var (start, end) = TableKey.Range(DataScope.Received, party);
            var filter = $"{TableKey.RangeFilter(start, end)} and RowKey lt '{TableOutbox.SystemRows}' and Stored lt {TableKey.DateTime(started)}";
            await foreach (var e in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            {
                await table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, ct);
                deleted++;
            }
        }
        return deleted;
    }

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
        if (kind.Columns is { } columns)
            foreach (var (name, column) in columns(value)) entity[name] = column;
        JsonChunks.Write(entity, value, kind.Stored);
        return entity;
    }

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

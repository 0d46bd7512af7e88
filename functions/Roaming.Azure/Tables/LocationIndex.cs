using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Roaming.Core.Storage;
using Roaming.Core.Types;

namespace Roaming.Azure.Tables;

/// <summary>
/// What a location's own partition cannot hold, because it holds one location: the party's count and an index of its
/// locations by last_updated. Table "locationindex", one partition per party and scope, "{scope}|{CC}|{PID}|" (the
/// prefix of its locations' partitions):
/// <list type="bullet">
/// <item>"M|{LID}": the location is counted; with the count shards "~count|{nn}" (<see cref="PartyCounts"/>) changed in
/// the same transaction, so a location is counted once however often its count is written;</item>
/// <item>"~lu|{ticks}|{LID}|{part}": the location was changed at that time: "*" by a PUT (at the latest time in the
/// location), "A" by a change of its own fields, "E|{UID}" by a change of that EVSE.</item>
/// </list>
/// These rows live apart from the location, so they are written idempotently and around its transaction: an entry
/// before it (a writer that stops between the two leaves an entry that names a time the location does not have,
/// which readers skip), the entry it replaces and the count after it (a writer that stops there leaves an old entry,
/// skipped too, or a location uncounted until <see cref="TableLocationStore.ReindexAsync"/>). The location's latest
/// time always has an entry, so a date_from page reads the entries of its window and the locations they name, and
/// keeps a location where its entry's time is the location's last_updated.
/// Writes of one party's partition made at the same moment in this instance are committed together
/// (<see cref="PartitionWork{TWork}"/>), a hundred rows a transaction.
/// </summary>
internal sealed class LocationIndex
{
    private const string MemberPrefix = "M|";
    /// <summary>The part of an entry written by a PUT: the whole location.</summary>
    public const string Whole = "*";
    /// <summary>The part of an entry written by a change of the location's own fields.</summary>
    public const string Fields = "A";
    private const int MaxTransaction = 100;

    private readonly StorageTables _tables;
    private readonly PartitionWork<Op> _work;
    // Each party's count shards as this instance last wrote them (value and ETag). Its writes of a party take turns
    // (PartitionWork), so the next count change need not read them first; another instance's change fails the ETag
    // and the shards are read again.
    private readonly ConcurrentDictionary<string, Dictionary<string, TableEntity>> _shards = new(StringComparer.Ordinal);

    public LocationIndex(StorageTables tables)
    {
        _tables = tables;
        _work = new PartitionWork<Op>(RunAsync);
    }

    public TableClient Table => _tables.Get(StorageTables.LocationIndex);

    /// <summary>The party partition of a location's partition key ("O|NL|CPO|L1" is in "O|NL|CPO|").</summary>
    public static (string Party, string Location) Split(string locationPartition)
    {
        var third = locationPartition.IndexOf('|', locationPartition.IndexOf('|', locationPartition.IndexOf('|') + 1) + 1);
        return (locationPartition[..(third + 1)], locationPartition[(third + 1)..]);
    }

    public static string EvsePart(string evseKey) => "E|" + evseKey;

    public static string Entry(string location, DateTimeOffset? time, string part) => TimeKeys.Bound(time) + location + "|" + part;

    /// <summary>Past every entry of a location at one time (its parts sort below '~').</summary>
    public static string After(string entry)
    {
        var (time, location, _) = Parse(entry);
        return TimeKeys.Bound(time) + location + "|~";
    }

    public static (long Ticks, string Location, string Part) Parse(string entry)
    {
        var rest = TimeKeys.Rest(entry);
        var bar = rest.IndexOf('|');
        return (TimeKeys.Ticks(entry), rest[..bar], rest[(bar + 1)..]);
    }

    /// <summary>An index change: an entry written or removed, or a location counted (+1) or no longer (-1).</summary>
    public sealed record Change(string LocationPartition, string? Entry, bool Remove = false, int Count = 0);

    public static Change Upsert(string pk, DateTimeOffset? time, string part) => new(pk, Entry(Split(pk).Location, time, part));

    public static Change Delete(string pk, string entry) => new(pk, entry, Remove: true);

    public static Change Counted(string pk, int delta) => new(pk, null, Count: delta);

    /// <summary>Writes the changes, each party's together with what other writers of it send meanwhile.</summary>
    public Task WriteAsync(IEnumerable<Change> changes)
    {
        var waits = new List<Task>();
        foreach (var change in changes)
        {
            var op = new Op(change);
            _work.Add(Split(change.LocationPartition).Party, op);
            waits.Add(op.Done.Task);
        }
        return waits.Count == 0 ? Task.CompletedTask : Task.WhenAll(waits);
    }

    private sealed class Op(Change change) : PartitionWork<Op>.IWork
    {
        public Change Change { get; } = change;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public void Fail(Exception error) => Done.TrySetException(error);
    }

    /// <summary>One party's pending changes: the last word on each row, memberships netted, in transactions of a hundred rows.</summary>
    private async Task RunAsync(string party, IReadOnlyList<Op> batch)
    {
        var rows = new Dictionary<string, (TableTransactionAction? Action, List<Op> Ops)>(StringComparer.Ordinal);
        foreach (var op in batch)
        {
            var change = op.Change;
            string row;
            TableTransactionAction? action;
            if (change.Entry is { } entry)
            {
                row = entry;
                action = change.Remove
                    ? new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(party, entry), ETag.All)
                    : new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(party, entry));
            }
            else
            {
                row = MemberPrefix + Split(change.LocationPartition).Location;
                var net = change.Count + (rows.TryGetValue(row, out var earlier) ? Delta(earlier.Action) : 0);
                action = net switch
                {
                    > 0 => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(party, row)),
                    < 0 => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(party, row), ETag.All),
                    _ => null,
                };
            }
            if (!rows.TryGetValue(row, out var slot)) rows[row] = slot = (null, []);
            slot.Ops.Add(op);
            rows[row] = (action, slot.Ops);
        }
        foreach (var chunk in rows.Values.Chunk(MaxTransaction - PartyCounts.Shards))
        {
            try
            {
                await CommitAsync(party, chunk.Where(r => r.Action is not null).Select(r => r.Action!).ToList());
                foreach (var op in chunk.SelectMany(r => r.Ops)) op.Done.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var op in chunk.SelectMany(r => r.Ops)) op.Fail(e);
            }
        }
    }

    private static int Delta(TableTransactionAction? action) =>
        action?.Entity.RowKey.StartsWith(MemberPrefix, StringComparison.Ordinal) != true ? 0
        : action.ActionType == TableTransactionActionType.Add ? 1 : -1;

    /// <summary>
    /// The rows and the count shards their memberships change, in one transaction. What another writer did first is
    /// taken as done: an entry or membership already gone, a location already counted; a shard another instance changed
    /// meanwhile is read again.
    /// </summary>
    private async Task CommitAsync(string party, List<TableTransactionAction> actions)
    {
        for (var attempt = 1; actions.Count > 0; attempt++)
        {
            var shardDeltas = actions.Where(a => Delta(a) != 0)
                .GroupBy(a => PartyCounts.ShardRow(a.Entity.RowKey[MemberPrefix.Length..]))
                .Select(g => (Row: g.Key, Delta: g.Sum(Delta))).Where(s => s.Delta != 0).ToList();
            var shards = shardDeltas.Count == 0 ? []
                : attempt == 1 && _shards.TryGetValue(party, out var known) ? known
                : await PartyCounts.ReadAsync(Table, party, CancellationToken.None);
            var all = actions.Concat(shardDeltas.Select(s => PartyCounts.Change(party, s.Row, shards.GetValueOrDefault(s.Row), s.Delta))).ToList();
            try
            {
                var committed = await Table.SubmitTransactionAsync(all);
                if (shardDeltas.Count > 0)
                {
                    var written = new Dictionary<string, TableEntity>(shards, StringComparer.Ordinal);
                    for (var i = actions.Count; i < all.Count; i++)
                    {
                        var shard = new TableEntity((TableEntity)all[i].Entity) { ETag = committed.Value[i].Headers.ETag ?? default };
                        written[shard.RowKey] = shard;
                    }
                    _shards[party] = written;
                }
                return;
            }
            catch (TableTransactionFailedException e) when (e.FailedTransactionActionIndex is { } index && index < actions.Count
                && (e.Status == 404 && actions[index].ActionType == TableTransactionActionType.Delete
                    || e.Status == 409 && actions[index].ActionType == TableTransactionActionType.Add))
            {
                // Gone already, or counted already: that row's work is done.
                actions.RemoveAt(index);
            }
            catch (RequestFailedException e) when (StorageRetry.IsConflict(e))
            {
                _shards.TryRemove(party, out _);
                if (attempt >= StorageRetry.MaxAttempts) throw StorageRetry.GaveUp("The location index of " + party);
                await StorageRetry.BackoffAsync(attempt, CancellationToken.None);
            }
        }
    }

    /// <summary>The locations of a scope (or of one party): the sum of the parties' count shards.</summary>
    public Task<long> CountAsync(DataScope scope, PartyKey? party, CancellationToken ct) => PartyCounts.CountAsync(Table, scope, party, ct);

    /// <summary>Lists the party in its scope (once per process) before its first location is counted.</summary>
    public Task ListAsync(string locationPartition) =>
        PartyCounts.ListAsync(Table, locationPartition[0] == 'O' ? DataScope.Own : DataScope.Received, PartyOf(locationPartition));

    public Task<List<PartyKey>> PartiesAsync(DataScope scope, PartyKey? party, CancellationToken ct) => PartyCounts.CoveredAsync(Table, scope, party, ct);

    private static PartyKey PartyOf(string locationPartition)
    {
        var parts = locationPartition.Split('|');
        return new PartyKey(parts[1], Uri.UnescapeDataString(parts[2]));
    }

    /// <summary>The locations a party partition counts (their ids as in their partition keys).</summary>
    public async IAsyncEnumerable<string> MembersAsync(string party, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var row in Table.QueryAsync<TableEntity>($"PartitionKey eq {TableKey.Quote(party)} and RowKey ge '{MemberPrefix}' and RowKey lt 'M}}'",
                           select: ["RowKey"], cancellationToken: ct))
            yield return row.RowKey[MemberPrefix.Length..];
    }

    /// <summary>The entries of a party partition from <paramref name="from"/> (a key) up to <paramref name="to"/> (a key), in key order.</summary>
    public IAsyncEnumerable<TableEntity> EntriesAsync(string party, string from, string to, CancellationToken ct) =>
        Table.QueryAsync<TableEntity>($"PartitionKey eq {TableKey.Quote(party)} and RowKey ge {TableKey.Quote(from)} and RowKey lt {TableKey.Quote(to)}",
            maxPerPage: 1000, select: ["RowKey"], cancellationToken: ct);

    /// <summary>
    /// How many locations of a party have their last_updated in [from, to): each location's latest entry from
    /// <paramref name="from"/> on is its last_updated, so this reads the entries of what changed since then, no more.
    /// </summary>
    public async Task<int> CountChangedAsync(string party, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        var latest = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var entry in EntriesAsync(party, TimeKeys.Bound(from), TimeKeys.End, ct))
        {
            var (ticks, location, _) = Parse(entry.RowKey);
            latest[location] = ticks;
        }
        var end = to?.UtcTicks ?? long.MaxValue;
        return latest.Values.Count(t => t < end);
    }
}

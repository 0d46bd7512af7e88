using System.Collections.Concurrent;
using System.Globalization;
using Azure.Data.Tables;
using Roaming.Core.Storage;
using Roaming.Core.Types;

namespace Roaming.Azure.Tables;

/// <summary>
/// How many objects a party holds, per scope, without counting them: a sharded counter beside the objects, rows
/// "~count|{shard}" (column Count) in the partition the count belongs to. A write that adds or removes an object
/// changes one shard, chosen by the object's key, in the transaction (or the group commit) that adds or removes it,
/// guarded by the shard's ETag; writers of different shards never wait for each other. The parties of a scope are
/// listed in a directory partition, "D|{scope}" / "{CC}|{PID}", so a count over a whole scope reads the parties' shards
/// one party at a time instead of scanning the scope.
/// </summary>
internal static class PartyCounts
{
    public const int Shards = 32;
    public const string Prefix = "~count|";
    private const string CountColumn = "Count";

    /// <summary>The shard row an object's key counts in (a stable hash: the same on every instance and run).</summary>
    public static string ShardRow(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key) hash = (hash ^ c) * 16777619u;
        return Prefix + (hash % Shards).ToString("D2", CultureInfo.InvariantCulture);
    }

    public static long ValueOf(TableEntity? shard) => shard?[CountColumn] switch
    {
        long l => l,
        int i => i,
        _ => 0,
    };

    /// <summary>The write of <paramref name="delta"/> into a shard as read (null: not there yet), guarded by its ETag.</summary>
    public static TableTransactionAction Change(string partitionKey, string shardRow, TableEntity? current, long delta)
    {
        var next = new TableEntity(partitionKey, shardRow) { [CountColumn] = ValueOf(current) + delta };
        return current is null
            ? new TableTransactionAction(TableTransactionActionType.Add, next)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, next, current.ETag);
    }

    /// <summary>The sum of a partition's shards: one query of at most <see cref="Shards"/> small rows.</summary>
    public static async Task<long> SumAsync(TableClient table, string partitionKey, CancellationToken ct)
    {
        long sum = 0;
        await foreach (var shard in table.QueryAsync<TableEntity>(ShardsOf(partitionKey), select: [CountColumn], cancellationToken: ct)) sum += ValueOf(shard);
        return sum;
    }

    /// <summary>
    /// What a scope (or one party of it) holds: the sum of each party's shards, where the party's partition in
    /// <paramref name="table"/> is the prefix of its objects' partitions.
    /// </summary>
    public static async Task<long> CountAsync(TableClient table, DataScope scope, PartyKey? party, CancellationToken ct)
    {
        long total = 0;
        foreach (var p in await CoveredAsync(table, scope, party, ct)) total += await SumAsync(table, TableKey.Range(scope, p).Start, ct);
        return total;
    }

    /// <summary>A partition's shards as read, by row key.</summary>
    public static async Task<Dictionary<string, TableEntity>> ReadAsync(TableClient table, string partitionKey, CancellationToken ct)
    {
        var shards = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var shard in table.QueryAsync<TableEntity>(ShardsOf(partitionKey), cancellationToken: ct)) shards[shard.RowKey] = shard;
        return shards;
    }

    private static string ShardsOf(string partitionKey) => $"PartitionKey eq {TableKey.Quote(partitionKey)} and RowKey ge '{Prefix}' and RowKey lt '~count}}'";

    private static string DirectoryPartition(DataScope scope) => "D|" + TableKey.Prefix(scope);

    private static string DirectoryRow(PartyKey party) => $"{party.CountryCode}|{TableKey.Encode(party.PartyId)}";

    private static readonly ConcurrentDictionary<(string Table, DataScope Scope, PartyKey Party), Task> Listed = new();

    /// <summary>Lists the party in its scope's directory (once per table, scope and party in this process) before its first object is written.</summary>
    public static Task ListAsync(TableClient table, DataScope scope, PartyKey party)
    {
        var key = (table.Name, scope, new PartyKey(party.CountryCode.ToUpperInvariant(), party.PartyId.ToUpperInvariant()));
        return Listed.GetOrAdd(key, k => WriteAsync(k)).ContinueWith(t =>
        {
            if (t.IsFaulted) Listed.TryRemove(key, out _);
            return t;
        }, TaskScheduler.Default).Unwrap();

        Task WriteAsync((string Table, DataScope Scope, PartyKey Party) k) =>
            table.UpsertEntityAsync(new TableEntity(DirectoryPartition(k.Scope), DirectoryRow(k.Party))
            {
                ["CountryCode"] = k.Party.CountryCode,
                ["PartyId"] = k.Party.PartyId,
            }, TableUpdateMode.Replace);
    }

    /// <summary>The parties a scope's directory lists, in key order (the order of their partitions).</summary>
    public static async Task<List<PartyKey>> PartiesAsync(TableClient table, DataScope scope, CancellationToken ct)
    {
        var parties = new List<PartyKey>();
        await foreach (var row in table.QueryAsync<TableEntity>($"PartitionKey eq {TableKey.Quote(DirectoryPartition(scope))}", select: ["CountryCode", "PartyId"], cancellationToken: ct))
            parties.Add(new PartyKey(row.GetString("CountryCode"), row.GetString("PartyId")));
        return parties;
    }

    /// <summary>The parties a query covers: the one it names, or every party listed in the scope.</summary>
    public static async Task<List<PartyKey>> CoveredAsync(TableClient table, DataScope scope, PartyKey? party, CancellationToken ct) =>
        party is { } p ? [p] : await PartiesAsync(table, scope, ct);
}

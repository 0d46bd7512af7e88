using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Roaming.Core.Push;

namespace Roaming.Azure.Tables;

/// <summary>
/// The transactional outbox of the push channel on Table Storage. A change to push is written as a row beside the
/// object it is about, in the same partition and the same transaction as the object ("~push|{ticks}|{guid}"), so
/// the change and its push are stored together or not at all. After the commit the relay queues it and removes the
/// row; a host that stops between the two leaves the row, and the sweep queues it later. A push sent twice is
/// harmless: it names the object and its content is read at send time.
/// </summary>
public sealed class TableOutbox(PushQueue queue, TimeProvider clock, ILogger<TableOutbox> logger)
{
    public const string RowPrefix = "~push|";
    /// <summary>Row keys of object rows sort below this; outbox and other system rows start with '~' (escaped in ids).</summary>
    public const string SystemRows = "~";

    public TableEntity Row(string partitionKey, PushChange change) =>
        new(partitionKey, RowPrefix + clock.GetUtcNow().UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "|" + Guid.NewGuid().ToString("N"))
        {
            ["Change"] = JsonSerializer.Serialize(change, PushJson.Default.PushChange),
        };

    /// <summary>After the commit: queues the changes, then clears their rows.</summary>
    public async Task RelayAsync(TableClient table, IReadOnlyList<TableEntity> rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        await queue.EnqueueAsync(rows.Select(Read).ToList());
        await ClearAsync(table, rows, ct);
    }

    /// <summary>Queues the push rows of a partition older than <paramref name="olderThan"/> (their relay never finished).</summary>
    public async Task<int> SweepAsync(TableClient table, string partitionKey, TimeSpan olderThan, CancellationToken ct)
    {
        var before = clock.GetUtcNow() - olderThan;
        var filter = $"PartitionKey eq {TableKey.Quote(partitionKey)} and RowKey ge '{RowPrefix}' and RowKey lt '~push}}' and Timestamp lt {TableKey.DateTime(before)}";
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: ct)) rows.Add(row);
        if (rows.Count == 0) return 0;
        logger.LogWarning("Outbox of {Table}/{Partition}: {Count} pushes left by an interrupted relay; queueing them now", table.Name, partitionKey, rows.Count);
        await RelayAsync(table, rows, ct);
        return rows.Count;
    }

    private static PushChange Read(TableEntity row) =>
        JsonSerializer.Deserialize(row.GetString("Change"), PushJson.Default.PushChange) ?? throw new InvalidDataException($"Outbox row {row.RowKey} is empty.");

    private async Task ClearAsync(TableClient table, IReadOnlyList<TableEntity> rows, CancellationToken ct)
    {
        foreach (var group in rows.GroupBy(r => r.PartitionKey))
        {
            foreach (var chunk in group.Chunk(100))
            {
                try
                {
                    await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)), ct);
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    // Another relay (a sweep racing this one) cleared a row first; clear the rest one by one.
                    foreach (var row in chunk)
                    {
                        try { await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, ct); }
                        catch (RequestFailedException inner) when (inner.Status == 404) { }
                    }
                }
            }
        }
    }
}

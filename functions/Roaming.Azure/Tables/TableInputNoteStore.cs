using Azure;
using Azure.Data.Tables;
using Roaming.Core.Storage;
using Roaming.Core.Transport.Tolerance;

namespace Roaming.Azure.Tables;

/// <summary>
/// Input notes in table "inputnotes": partition = partner id, row = yyyyMMdd|FIELD|action|kind, one row per
/// day and kind of note. A flush reads the partner's rows of the day (one range query) and writes the sums in
/// one transaction per 100 rows, guarded by the rows' ETags; a concurrent flush from another instance makes it
/// read and add again. The operator's view is one range query from the first day of its window.
/// </summary>
public sealed class TableInputNoteStore(StorageTables tables) : IInputNoteStore
{
    private const int Attempts = 5;
    private TableClient Table => tables.Get(StorageTables.InputNotes);

    public async Task AddAsync(string partnerId, DateOnly day, IReadOnlyCollection<InputNoteCount> counts, CancellationToken ct)
    {
        foreach (var chunk in counts.Chunk(100))
        {
            for (var attempt = 1; ; attempt++)
            {
                var stored = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
                var prefix = DayKey(day) + "|";
                await foreach (var e in Table.QueryAsync<TableEntity>(
                    $"PartitionKey eq {TableKey.Quote(partnerId)} and RowKey ge {TableKey.Quote(prefix)} and RowKey lt {TableKey.Quote(DayKey(day) + "}")}", cancellationToken: ct))
                    stored[e.RowKey] = e;

                var actions = new List<TableTransactionAction>(chunk.Length);
                foreach (var c in chunk)
                {
                    var rowKey = $"{prefix}{TableKey.Encode(c.Field)}|{c.Action}|{c.Kind}";
                    var entity = new TableEntity(partnerId, rowKey)
                    {
                        ["Field"] = c.Field,
                        ["Action"] = c.Action.ToString(),
                        ["Kind"] = c.Kind,
                        ["Example"] = c.Example,
                        ["LastSeen"] = c.LastSeen,
                    };
                    if (stored.TryGetValue(rowKey, out var was))
                    {
                        entity["Count"] = (was.GetInt64("Count") ?? 0) + c.Count;
                        actions.Add(new TableTransactionAction(TableTransactionActionType.UpdateReplace, entity, was.ETag));
                    }
                    else
                    {
                        entity["Count"] = c.Count;
                        actions.Add(new TableTransactionAction(TableTransactionActionType.Add, entity));
                    }
                }
                try
                {
                    await Table.SubmitTransactionAsync(actions, ct);
                    break;
                }
                catch (TableTransactionFailedException e) when (e.Status is 409 or 412 && attempt < Attempts)
                {
                    await Task.Delay(Random.Shared.Next(10, 50 * attempt), ct);
                }
            }
        }
    }

    public async Task<int> PruneAsync(string partnerId, DateOnly before, CancellationToken ct)
    {
        // At most a thousand rows a run (it runs in a partner's request): a long history goes over the next days' flushes.
        var old = new List<TableEntity>();
        await foreach (var e in Table.QueryAsync<TableEntity>(
            $"PartitionKey eq {TableKey.Quote(partnerId)} and RowKey lt {TableKey.Quote(DayKey(before))}", maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: ct))
        {
            old.Add(e);
            if (old.Count == 1000) break;
        }
        // One partition: transactions of 100; a row another instance removed meanwhile is no reason to stop.
        foreach (var chunk in old.Chunk(100))
        {
            try { await Table.SubmitTransactionAsync(chunk.Select(e => new TableTransactionAction(TableTransactionActionType.Delete, e, ETag.All)), ct); }
            catch (TableTransactionFailedException e) when (e.Status == 404)
            {
                foreach (var row in chunk)
                {
                    try { await Table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, ct); }
                    catch (RequestFailedException gone) when (gone.Status == 404) { }
                }
            }
        }
        return old.Count;
    }

    public async Task<IReadOnlyList<InputNoteCount>> ListAsync(string partnerId, DateOnly since, CancellationToken ct)
    {
        var sums = new Dictionary<(string, string, string), InputNoteCount>();
        await foreach (var e in Table.QueryAsync<TableEntity>(
            $"PartitionKey eq {TableKey.Quote(partnerId)} and RowKey ge {TableKey.Quote(DayKey(since))}", cancellationToken: ct))
        {
            var field = e.GetString("Field") ?? "";
            var action = e.GetString("Action") ?? "";
            var kind = e.GetString("Kind") ?? "";
            var row = new InputNoteCount(field, Enum.TryParse<InputAction>(action, out var a) ? a : InputAction.Normalised, kind,
                e.GetInt64("Count") ?? 0, e.GetString("Example"), e.GetDateTimeOffset("LastSeen") ?? default);
            sums[(field, action, kind)] = sums.TryGetValue((field, action, kind), out var sum)
                ? (row.LastSeen >= sum.LastSeen ? row : sum) with { Count = sum.Count + row.Count }
                : row;
        }
        return [.. sums.Values.OrderByDescending(s => s.Count).ThenBy(s => s.Field, StringComparer.Ordinal)];
    }

    private static string DayKey(DateOnly day) => day.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
}

using Azure;
using Azure.Data.Tables;
using Roaming.Core.Storage;
using Roaming.Core.Tariffs;
using Roaming.Core.Types;

namespace Roaming.Azure.Tables;

/// <summary>
/// Tariffs in table "tariffs": partition "{scope}|{CC}|{PID}|", row = tariff id (upper-case, escaped), the
/// tariff as chunked JSON, LastUpdated and Stored as columns for date filters and full-sync cleanup.
/// </summary>
public sealed class TableTariffStore(StorageTables tables, TimeProvider clock) : ITariffStore
{
    private TableClient Table => tables.Get(StorageTables.Tariffs);

    public async Task<Tariff?> GetAsync(DataScope scope, PartyKey party, string tariffId, CancellationToken ct)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(TableKey.Range(scope, party).Start, TableKey.Encode(tariffId), cancellationToken: ct);
        return response.HasValue ? JsonChunks.Read(response.Value!, TariffsJson.Default.Tariff) : null;
    }

    public async Task<bool> PutAsync(DataScope scope, Tariff tariff, CancellationToken ct)
    {
        var party = new PartyKey(tariff.CountryCode!, tariff.PartyId!);
        var entity = new TableEntity(TableKey.Range(scope, party).Start, TableKey.Encode(tariff.Id!))
        {
            ["LastUpdated"] = tariff.LastUpdated,
            ["Stored"] = clock.GetUtcNow(),
        };
        JsonChunks.Write(entity, tariff, TariffsJson.Default.Tariff);
        try
        {
            await Table.AddEntityAsync(entity, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            await Table.UpsertEntityAsync(entity, TableUpdateMode.Replace, ct);
            return false;
        }
    }

    public async Task<bool> DeleteAsync(DataScope scope, PartyKey party, string tariffId, CancellationToken ct)
    {
        // The SDK's delete succeeds whether or not the entity existed; the answer (200 or 404) needs to know.
        var (pk, rk) = (TableKey.Range(scope, party).Start, TableKey.Encode(tariffId));
        var existing = await Table.GetEntityIfExistsAsync<TableEntity>(pk, rk, ["PartitionKey"], ct);
        if (!existing.HasValue) return false;
        await Table.DeleteEntityAsync(pk, rk, ETag.All, ct);
        return true;
    }

    public async Task<TariffPage> ListAsync(DataScope scope, TariffQuery query, CancellationToken ct)
    {
        var (start, end) = TableKey.Range(scope, query.Party);
        var filter = TableKey.RangeFilter(start, end);
        if (query.DateFrom is { } f) filter += $" and LastUpdated ge {TableKey.DateTime(f)}";
        if (query.DateTo is { } t) filter += $" and LastUpdated lt {TableKey.DateTime(t)}";

        var cursor = PageCursor.Parse(query.Continuation, start, end);
        var total = cursor?.Total ?? await Table.CountAsync(filter, ct);
        var from = cursor is null ? filter
            : $"{filter} and (PartitionKey gt {TableKey.Quote(cursor.PartitionKey)} or (PartitionKey eq {TableKey.Quote(cursor.PartitionKey)} and RowKey ge {TableKey.Quote(cursor.RowKey)}))";
        var skip = cursor is null ? query.Offset : 0;
        var items = new List<Tariff>(query.Limit);
        if (skip >= total) return new TariffPage(items, total, null);
        string? next = null;
        // In long: offset + limit near int.MaxValue must not wrap into a negative page size.
        await foreach (var entity in Table.QueryAsync<TableEntity>(from, maxPerPage: (int)Math.Min(1000L, (long)query.Limit + skip + 1), cancellationToken: ct))
        {
            if (skip > 0) { skip--; continue; }
            if (items.Count == query.Limit)
            {
                next = new PageCursor(total, entity.PartitionKey, entity.RowKey).ToString();
                break;
            }
            items.Add(JsonChunks.Read(entity, TariffsJson.Default.Tariff));
        }
        return new TariffPage(items, total, next);
    }

    public async Task<int> DeleteNotSeenSinceAsync(IReadOnlyCollection<PartyKey> parties, DateTimeOffset syncStarted, CancellationToken ct)
    {
        var deleted = 0;
        foreach (var party in parties)
        {
            var (start, end) = TableKey.Range(DataScope.Received, party);
            await foreach (var e in Table.QueryAsync<TableEntity>($"{TableKey.RangeFilter(start, end)} and Stored lt {TableKey.DateTime(syncStarted)}",
                select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            {
                try { await Table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, ct); deleted++; }
                catch (RequestFailedException ex) when (ex.Status == 404) { }
            }
        }
        return deleted;
    }

}

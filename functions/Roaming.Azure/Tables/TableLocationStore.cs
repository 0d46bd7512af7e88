using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Roaming.Core.Locations;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Azure.Tables;

/// <summary>
/// Locations in table "locations". One partition per location: "{scope}|{CC}|{PID}|{ID}" (upper-case, escaped).
/// Row "A" is the header (the location without EVSEs, its last_updated, a count of EVSEs per status); rows
/// "E|{generation}|{UID}" are its EVSEs with their connectors. A whole-location PUT writes a new generation
/// and switches the header to it last, so readers never see half a replacement, however many EVSEs there are;
/// an EVSE change is one transaction over the EVSE row and the header (same partition), ETag-guarded. A change that
/// causes a push carries its outbox row in the transaction that commits it (see <see cref="TableOutbox"/>).
/// Listing walks partitions in key order; the next page's cursor is the partition key it starts at.
/// </summary>
public sealed class TableLocationStore(StorageTables tables, TableOutbox outbox, TimeProvider clock) : ILocationStore
{
    private const string HeaderRow = "A";
    private const int MaxAttempts = 10;
    private static readonly EvseStatus[] Statuses = Enum.GetValues<EvseStatus>();

    private TableClient Table => tables.Get(StorageTables.Locations);

    public async Task<Location?> GetAsync(DataScope scope, PartyKey party, string locationId, CancellationToken ct)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in Table.QueryAsync<TableEntity>($"PartitionKey eq {TableKey.Quote(Partition(scope, party, locationId))}", cancellationToken: ct))
            rows.Add(e);
        return Assemble(rows);
    }

    public async Task<Location?> GetHeaderAsync(DataScope scope, PartyKey party, string locationId, CancellationToken ct)
    {
        var header = await ReadHeaderAsync(Partition(scope, party, locationId), ct);
        return header is null ? null : JsonChunks.Read(header, LocationsJson.Default.Location);
    }

    public async Task<Evse?> GetEvseAsync(DataScope scope, PartyKey party, string locationId, string evseUid, CancellationToken ct)
    {
        var pk = Partition(scope, party, locationId);
        var header = await ReadHeaderAsync(pk, ct);
        if (header is null) return null;
        var row = await Table.GetEntityIfExistsAsync<TableEntity>(pk, EvseRow(Generation(header), evseUid), cancellationToken: ct);
        return row.HasValue ? JsonChunks.Read(row.Value!, LocationsJson.Default.Evse) : null;
    }

    public async Task<bool> PutAsync(DataScope scope, Location location, PushChange? push, CancellationToken ct)
    {
        var pk = Partition(scope, location.Party, location.Id!);
        for (var attempt = 1; ; attempt++)
        {
            var old = await ReadHeaderAsync(pk, ct);
            var generation = old is null ? 1 : Generation(old) + 1;
            var evses = location.Evses ?? [];
            var header = Header(pk, location with { Evses = null }, generation, evses.Count, location.Evses is not null);
            foreach (var status in Statuses) header[StatusCount(status)] = evses.Count(e => e.Status == status);

            var evseRows = evses.Select((evse, i) => EvseEntity(pk, generation, i, evse)).ToList();
            var actions = evseRows.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)).ToList();
            var pushRow = push is null ? null : outbox.Row(pk, push);
            try
            {
                // Up to 98 EVSEs: one transaction (with the header and the push row). More: the new generation's rows
                // first (invisible until the header points at them), then the header and the push row, guarded by
                // the ETag the header was read with.
                if (actions.Count < 99)
                {
                    actions.Add(HeaderAction(header, old));
                    if (pushRow is not null) actions.Add(new TableTransactionAction(TableTransactionActionType.Add, pushRow));
                    await Table.SubmitTransactionAsync(actions, ct);
                }
                else
                {
                    foreach (var chunk in actions.Chunk(100)) await Table.SubmitTransactionAsync(chunk, ct);
                    List<TableTransactionAction> last = [HeaderAction(header, old)];
                    if (pushRow is not null) last.Add(new TableTransactionAction(TableTransactionActionType.Add, pushRow));
                    await Table.SubmitTransactionAsync(last, ct);
                }
            }
            catch (RequestFailedException e) when (IsConflict(e) && attempt < MaxAttempts)
            {
                continue;
            }
            if (pushRow is not null) await outbox.RelayAsync(Table, [pushRow], ct);
            if (old is not null) await DeleteOtherGenerationsAsync(pk, generation, ct);
            return old is null;
        }
    }

    public async Task<Evse> UpdateEvseAsync(DataScope scope, PartyKey party, string locationId, string evseUid, Func<Evse?, Evse> change,
        DateTimeOffset locationLastUpdated, PushChange? push, CancellationToken ct)
    {
        var pk = Partition(scope, party, locationId);
        for (var attempt = 1; ; attempt++)
        {
            var header = await ReadHeaderAsync(pk, ct) ?? throw UnknownLocation(party, locationId);
            var generation = Generation(header);
            var rowKey = EvseRow(generation, evseUid);
            var existing = await Table.GetEntityIfExistsAsync<TableEntity>(pk, rowKey, cancellationToken: ct);
            var before = existing.HasValue ? JsonChunks.Read(existing.Value!, LocationsJson.Default.Evse) : null;
            var after = change(before);

            var seq = existing.HasValue ? existing.Value!.GetInt32("Seq") ?? 0 : header.GetInt32("NextSeq") ?? 0;
            var row = EvseEntity(pk, generation, seq, after);
            if (before?.Status is { } oldStatus) header[StatusCount(oldStatus)] = (header.GetInt32(StatusCount(oldStatus)) ?? 1) - 1;
            if (after.Status is { } newStatus) header[StatusCount(newStatus)] = (header.GetInt32(StatusCount(newStatus)) ?? 0) + 1;
            if (!existing.HasValue)
            {
                header["HasEvseList"] = true;
                header["NextSeq"] = seq + 1;
                header["EvseCount"] = (header.GetInt32("EvseCount") ?? 0) + 1;
            }
            var location = JsonChunks.Read(header, LocationsJson.Default.Location) with { LastUpdated = locationLastUpdated };
            JsonChunks.Write(header, location, LocationsJson.Default.Location);
            header["LastUpdated"] = locationLastUpdated;
            header["Stored"] = clock.GetUtcNow();

            List<TableTransactionAction> actions =
            [
                existing.HasValue
                    ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, existing.Value!.ETag)
                    : new TableTransactionAction(TableTransactionActionType.Add, row),
                new TableTransactionAction(TableTransactionActionType.UpdateReplace, header, header.ETag),
            ];
            var pushRow = push is null ? null : outbox.Row(pk, push);
            if (pushRow is not null) actions.Add(new TableTransactionAction(TableTransactionActionType.Add, pushRow));
            try
            {
                await Table.SubmitTransactionAsync(actions, ct);
                if (pushRow is not null) await outbox.RelayAsync(Table, [pushRow], ct);
                return after;
            }
            catch (RequestFailedException e) when (IsConflict(e) && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);
            }
        }
    }

    public async Task<Location> UpdateHeaderAsync(DataScope scope, PartyKey party, string locationId, Func<Location, Location> change, PushChange? push, CancellationToken ct)
    {
        var pk = Partition(scope, party, locationId);
        for (var attempt = 1; ; attempt++)
        {
            var header = await ReadHeaderAsync(pk, ct) ?? throw UnknownLocation(party, locationId);
            var location = change(JsonChunks.Read(header, LocationsJson.Default.Location)) with { Evses = null };
            JsonChunks.Write(header, location, LocationsJson.Default.Location);
            header["LastUpdated"] = location.LastUpdated;
            header["Stored"] = clock.GetUtcNow();
            var pushRow = push is null ? null : outbox.Row(pk, push);
            try
            {
                if (pushRow is null) await Table.UpdateEntityAsync(header, header.ETag, TableUpdateMode.Replace, ct);
                else
                {
                    await Table.SubmitTransactionAsync([new TableTransactionAction(TableTransactionActionType.UpdateReplace, header, header.ETag),
                        new TableTransactionAction(TableTransactionActionType.Add, pushRow)], ct);
                    await outbox.RelayAsync(Table, [pushRow], ct);
                }
                return location;
            }
            catch (RequestFailedException e) when (IsConflict(e) && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct);
            }
        }
    }

    public async Task<LocationPage> ListAsync(DataScope scope, LocationQuery query, CancellationToken ct)
    {
        var (start, end) = TableKey.Range(scope, query.Party);
        var cursor = PageCursor.Parse(query.Continuation, start, end);
        var headersOnly = query.DateFrom is not null || query.DateTo is not null || query.Status is not null;
        var headerFilter = HeaderFilter(start, end, query);
        // X-Total-Count costs a key-only scan; it is taken on the first page and carried in the cursor after.
        var total = cursor?.Total ?? await Table.CountAsync(headerFilter, ct);
        var from = cursor?.PartitionKey ?? start;
        var skip = cursor is null ? query.Offset : 0;

        var items = new List<Location>(query.Limit);
        // Past the end (offset=2147483647): nothing to walk the table for.
        if (skip >= total) return new LocationPage(items, total, null);
        string? next = null;
        if (headersOnly)
        {
            var headers = new List<TableEntity>(query.Limit);
            await foreach (var h in Table.QueryAsync<TableEntity>(HeaderFilter(from, end, query), maxPerPage: 1000, cancellationToken: ct))
            {
                if (skip > 0) { skip--; continue; }
                if (headers.Count == query.Limit) { next = h.PartitionKey; break; }
                headers.Add(h);
            }
            var assembled = new Location?[headers.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, headers.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
                async (i, token) => assembled[i] = await WithEvsesAsync(headers[i], token));
            items.AddRange(assembled.Where(l => l is not null)!);
        }
        else
        {
            var filter = TableKey.RangeFilter(from, end);
            var rows = new List<TableEntity>();
            string? current = null;
            await foreach (var row in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, cancellationToken: ct))
            {
                if (row.PartitionKey != current)
                {
                    if (current is not null && Assemble(rows) is { } done)
                    {
                        if (skip > 0) skip--;
                        else items.Add(done);
                    }
                    rows.Clear();
                    current = row.PartitionKey;
                    if (items.Count == query.Limit) { next = current; break; }
                }
                rows.Add(row);
            }
            if (next is null && current is not null && Assemble(rows) is { } last)
            {
                if (skip > 0) skip--;
                else items.Add(last);
            }
        }
        return new LocationPage(items, total, next is null ? null : new PageCursor(total, next, HeaderRow).ToString());
    }

    public Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct) => Table.CountNotSeenAsync(ReceivedHeaders(query.Parties), query, ct);

    public async Task<int> DeleteNotSeenAsync(NotSeenQuery query, CancellationToken ct)
    {
        var deleted = 0;
        foreach (var headers in ReceivedHeaders(query.Parties))
        {
            await foreach (var header in Table.QueryAsync<TableEntity>(headers + TableKey.NotSeen(query), select: ["PartitionKey"], cancellationToken: ct))
            {
                await DeletePartitionAsync(header.PartitionKey, _ => true, ct);
                deleted++;
            }
        }
        return deleted;
    }

    private static IEnumerable<string> ReceivedHeaders(IEnumerable<PartyKey> parties) =>
        parties.Select(p => TableKey.Range(DataScope.Received, p)).Select(r => $"{TableKey.RangeFilter(r.Start, r.End)} and RowKey eq '{HeaderRow}'");

    private async Task<Location?> WithEvsesAsync(TableEntity header, CancellationToken ct)
    {
        var rows = new List<TableEntity> { header };
        var filter = $"PartitionKey eq {TableKey.Quote(header.PartitionKey)} and RowKey gt 'E|' and RowKey lt 'E}}'";
        await foreach (var e in Table.QueryAsync<TableEntity>(filter, cancellationToken: ct)) rows.Add(e);
        return Assemble(rows);
    }


    private static string HeaderFilter(string from, string end, LocationQuery query)
    {
        var filter = $"{TableKey.RangeFilter(from, end)} and RowKey eq '{HeaderRow}'";
        if (query.DateFrom is { } f) filter += $" and LastUpdated ge {TableKey.DateTime(f)}";
        if (query.DateTo is { } t) filter += $" and LastUpdated lt {TableKey.DateTime(t)}";
        if (query.Status is { } s) filter += $" and {StatusCount(s)} gt 0";
        return filter;
    }

    private static Location? Assemble(List<TableEntity> rows)
    {
        var header = rows.FirstOrDefault(r => r.RowKey == HeaderRow);
        if (header is null) return null;
        var prefix = $"E|{Generation(header).ToString("D6", CultureInfo.InvariantCulture)}|";
        var evses = rows.Where(r => r.RowKey.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(r => r.GetInt32("Seq") ?? 0)
            .Select(r => JsonChunks.Read(r, LocationsJson.Default.Evse))
            .ToList();
        var location = JsonChunks.Read(header, LocationsJson.Default.Location);
        // A location stored without an evses list reads back without one, so what was sent is what is served.
        return location with { Evses = evses.Count > 0 || header.GetBoolean("HasEvseList") == true ? evses : null };
    }

    private TableEntity Header(string pk, Location location, int generation, int evseCount, bool hasEvseList)
    {
        var header = new TableEntity(pk, HeaderRow)
        {
            ["Generation"] = generation,
            ["NextSeq"] = evseCount,
            ["EvseCount"] = evseCount,
            ["HasEvseList"] = hasEvseList,
            ["LastUpdated"] = location.LastUpdated,
            ["Stored"] = clock.GetUtcNow(),
        };
        JsonChunks.Write(header, location, LocationsJson.Default.Location);
        return header;
    }

    private static TableEntity EvseEntity(string pk, int generation, int seq, Evse evse)
    {
        var row = new TableEntity(pk, EvseRow(generation, evse.Uid!)) { ["Seq"] = seq, ["Status"] = evse.Status?.ToString() };
        JsonChunks.Write(row, evse, LocationsJson.Default.Evse);
        return row;
    }

    private static TableTransactionAction HeaderAction(TableEntity header, TableEntity? old) =>
        old is null
            ? new TableTransactionAction(TableTransactionActionType.Add, header)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, header, old.ETag);

    private async Task DeleteOtherGenerationsAsync(string pk, int generation, CancellationToken ct)
    {
        var keep = $"E|{generation.ToString("D6", CultureInfo.InvariantCulture)}|";
        // Outbox rows ('~...') belong to a relay still under way; they are not an old generation.
        await DeletePartitionAsync(pk, row => row.RowKey != HeaderRow && !row.RowKey.StartsWith(keep, StringComparison.Ordinal)
            && !row.RowKey.StartsWith(TableOutbox.SystemRows, StringComparison.Ordinal), ct);
    }

    private async Task DeletePartitionAsync(string pk, Func<TableEntity, bool> which, CancellationToken ct)
    {
        var doomed = new List<TableTransactionAction>();
        await foreach (var row in Table.QueryAsync<TableEntity>($"PartitionKey eq {TableKey.Quote(pk)}", select: ["PartitionKey", "RowKey"], cancellationToken: ct))
            if (which(row)) doomed.Add(new TableTransactionAction(TableTransactionActionType.Delete, row, ETag.All));
        foreach (var chunk in doomed.Chunk(100))
        {
            try { await Table.SubmitTransactionAsync(chunk, ct); }
            catch (TableTransactionFailedException) { /* a row went meanwhile; what is left goes at the next cleanup */ }
        }
    }

    private async Task<TableEntity?> ReadHeaderAsync(string pk, CancellationToken ct)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(pk, HeaderRow, cancellationToken: ct);
        return response.HasValue ? response.Value : null;
    }

    private static bool IsConflict(RequestFailedException e) =>
        e.Status is 409 or 412 || (e is TableTransactionFailedException t && t.Status is 409 or 412);

    private static int Generation(TableEntity header) => header.GetInt32("Generation") ?? 1;

    private static string StatusCount(EvseStatus status) => "N" + status;

    private static string EvseRow(int generation, string uid) => $"E|{generation.ToString("D6", CultureInfo.InvariantCulture)}|{TableKey.Encode(uid)}";

    internal static string Partition(DataScope scope, PartyKey party, string locationId) =>
        TableKey.Range(scope, party).Start + TableKey.Encode(locationId);

    private static NotFoundException UnknownLocation(PartyKey party, string id) =>
        new($"Unknown location {party}/{id}.", OcpiStatus.UnknownLocation);
}

using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Roaming.Core.Locations;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Azure.Tables;

/// <summary>
/// Locations in table "locations", one partition per location: "{scope}|{CC}|{PID}|{ID}" (upper-case, escaped).
/// <list type="bullet">
/// <item>"A|{ID}": the location's own fields (no EVSEs) with their last_updated, the generation of its EVSE rows.</item>
/// <item>"E|{UID}|{generation}": an EVSE with its connectors; Status and LastUpdated as columns for the list filters.</item>
/// <item>"A~push|{ID}", "E|{UID}|~push": the outbox slots of the location's own fields and of each EVSE (see <see cref="TableOutbox"/>).</item>
/// </list>
/// An EVSE change writes its EVSE row (and its slot) only, guarded by that row's ETag, so changes of different EVSEs
/// never contend; the location's last_updated as read is the latest of its own and its EVSEs'. A whole-location PUT
/// writes a new generation of EVSE rows and switches the header to it last, so readers never see half a replacement,
/// however many EVSEs there are (an EVSE change racing a PUT is overtaken by it, as if it came first).
/// Changes of one location made in this instance are applied in batches, one after the other (<see cref="PartitionWork{TWork}"/>):
/// one read and one transaction for everything that arrived meanwhile. Conflicts with other instances are retried
/// with backoff (<see cref="StorageRetry"/>). Lists walk partitions in key order; the next page's cursor is the
/// partition key it starts at.
/// </summary>
public sealed class TableLocationStore : ILocationStore, IReindexable, ISlotTargets
{
    // A header's row key and its slot's end with the location's id (escaped, as in the partition key): Azurite finds
    // an entity by row key first and then walks every entity sharing that key, so one key for every header made each
    // point operation on a header cost the whole table. Table Storage serves a point read from its partition either way.
    private const string HeaderPrefix = "A|";
    private const string HeaderSlotPrefix = "A~push|";
    // Every header, never a slot ("A~push|" sorts after "A}").
    private const string HeadersFilter = "RowKey ge 'A|' and RowKey lt 'A}'";
    private const string SlotSuffix = "|~push";
    // An update of at most this many EVSEs reads just their rows (a filter holds 15 comparisons); more read the partition.
    private const int TargetedRead = 6;
    // Actions in one entity group transaction: the service's limit.
    private const int MaxTransaction = 100;
    // Entities in one page of a query: the service's limit.
    private const int PageSize = 1000;

    // Columns naming a location's index entries (see LocationIndex): the header's "*" entry (ticks), whether its own
    // fields and an EVSE have an entry of their own (at their LastUpdated).
    private const string PutIndexedColumn = "PutIndexed";
    private const string FieldsIndexedColumn = "FieldsIndexed";
    private const string IndexedColumn = "Indexed";

    private readonly StorageTables _tables;
    private readonly TableOutbox _outbox;
    private readonly TimeProvider _clock;
    private readonly PartitionWork<Work> _work;
    private readonly LocationIndex _index;
    private readonly CreateHints _creates = new();
    private readonly ILogger<TableLocationStore> _logger;

    public TableLocationStore(StorageTables tables, TableOutbox outbox, TimeProvider clock, ILogger<TableLocationStore> logger)
    {
        _logger = logger;
        _tables = tables;
        _outbox = outbox;
        _clock = clock;
        _work = new PartitionWork<Work>(RunAsync);
        _index = new LocationIndex(tables);
        outbox.Targets(StorageTables.Locations, this);
    }

    /// <summary>An EVSE's slot is read with its EVSE (and the header naming the generation); the location's own slot alone (its push reads the location).</summary>
    string? ISlotTargets.RowFilter(string slotRow) =>
        slotRow.StartsWith("E|", StringComparison.Ordinal) && slotRow.EndsWith(SlotSuffix, StringComparison.Ordinal) ? TargetedFilter([slotRow[2..^SlotSuffix.Length]]) : null;

    ReadOnlyMemory<byte>? ISlotTargets.Content(string slotRow, IReadOnlyList<TableEntity> rows) =>
        new Rows([.. rows]) is { Header: not null } read && read.Evses.TryGetValue(slotRow[2..^SlotSuffix.Length], out var evse) ? JsonChunks.Bytes(evse) : (ReadOnlyMemory<byte>?)null;

    private TableClient Table => _tables.Get(StorageTables.Locations);

    public string Collection => StorageTables.Locations;

    public async Task<Location?> GetAsync(DataScope scope, PartyKey party, string locationId, CancellationToken ct) =>
        Assemble(await ReadAsync(Partition(scope, party, locationId), null, ct));

    public async Task<Location?> GetHeaderAsync(DataScope scope, PartyKey party, string locationId, CancellationToken ct)
    {
        var pk = Partition(scope, party, locationId);
        var header = await Table.GetEntityIfExistsAsync<TableEntity>(pk, HeaderRow(pk), cancellationToken: ct);
        return header.HasValue ? FieldsOf(header.Value!) : null;
    }

    public async Task<Evse?> GetEvseAsync(DataScope scope, PartyKey party, string locationId, string evseUid, CancellationToken ct)
    {
        var key = TableKey.Encode(evseUid);
        var rows = await ReadAsync(Partition(scope, party, locationId), [key], ct);
        return rows.Header is not null && rows.Evses.TryGetValue(key, out var row) ? JsonChunks.Read(row, LocationsJson.Default.Evse) : null;
    }

    public Task<PutOutcome> PutAsync(DataScope scope, Location location, bool onlyIfNewer, PushChange? push, CancellationToken ct)
    {
        var work = new PutWork(scope, location, onlyIfNewer, push);
        _work.Add(Partition(scope, location.Party, location.Id!), work);
        return work.Done.Task.WaitAsync(ct);
    }

    public Task<LocationUpdateResult> UpdateAsync(DataScope scope, PartyKey party, string locationId, LocationUpdate update, CancellationToken ct)
    {
        var work = new UpdateWork(scope, party, locationId, update);
        _work.Add(Partition(scope, party, locationId), work);
        return work.Done.Task.WaitAsync(ct);
    }

    /// <summary>A batch of one partition: runs of updates together, a PUT on its own, in the order they arrived.</summary>
    private async Task RunAsync(string pk, IReadOnlyList<Work> batch)
    {
        var updates = new List<UpdateWork>();
        foreach (var work in batch)
        {
            if (work is UpdateWork update)
            {
                updates.Add(update);
                continue;
            }
            if (updates.Count > 0) await IsolatedAsync(updates, () => UpdateAllAsync(pk, updates));
            updates = [];
            await IsolatedAsync([work], () => PutAsync(pk, (PutWork)work));
        }
        if (updates.Count > 0) await IsolatedAsync(updates, () => UpdateAllAsync(pk, updates));
    }

    /// <summary>What fails a step (storage gone) fails the works of that step, not the rest of the batch.</summary>
    private static async Task IsolatedAsync(IEnumerable<Work> works, Func<Task> step)
    {
        try { await step(); }
        catch (Exception e)
        {
            foreach (var work in works) work.Fail(e);
        }
    }

    private async Task PutAsync(string pk, PutWork work)
    {
        var location = work.Location;
        var latest = LatestOf(location);
        var entry = LocationIndex.Upsert(pk, latest, LocationIndex.Whole);
        // Before the location: its latest time has an entry whatever happens next.
        await _index.WriteAsync([entry]);
        // A location seldom met here before is written as new, without reading first: its rows are all Adds in one
        // transaction, which fails whole (409) when any of them exists; then it is read and replaced. That try is not
        // one of the attempts.
        var blind = _creates.Worth(pk) && (location.Evses?.Count ?? 0) + 2 <= MaxTransaction;
        for (var attempt = blind ? 0 : 1; ; attempt++)
        {
            var rows = blind ? NoRows : await ReadAsync(pk, null, CancellationToken.None);
            try
            {
                if (rows.Header is not null && work.OnlyIfNewer && Assemble(rows)!.LastUpdated > location.LastUpdated)
                {
                    // Kept, and marked as seen: a full pull that met an older copy must not remove the location afterwards.
                    await Table.UpdateEntityAsync(new TableEntity(pk, HeaderRow(pk)) { ["Stored"] = _clock.GetUtcNow() }, rows.Header.ETag, TableUpdateMode.Merge);
                    work.Done.TrySetResult(PutOutcome.KeptNewer);
                    if (!OldEntries(pk, rows).Contains(entry.Entry!)) await _index.WriteAsync([LocationIndex.Delete(pk, entry.Entry!)]);
                    return;
                }
                // A generation no row has had yet: rows a failed attempt left behind can never show.
                var generation = rows.MaxGeneration + 1;
                var evses = location.Evses ?? [];
                var header = Header(pk, location with { Evses = null }, generation, location.Evses is not null, PutTicks(latest), fieldsIndexed: false);
                var last = new List<TableTransactionAction>
                {
                    rows.Header is null
                        ? new TableTransactionAction(TableTransactionActionType.Add, header)
                        : new TableTransactionAction(TableTransactionActionType.UpdateReplace, header, rows.Header.ETag),
                };
                SlotWrite? slot = null;
                if (work.Push is not null)
                {
                    slot = _outbox.Join(pk, HeaderSlot(pk), rows.HeaderSlot, [work.Push]);
                    last.Add(slot.Action);
                    await _outbox.MarkAsync(StorageTables.Locations, pk, CancellationToken.None);
                }
                var evseRows = evses.Select((evse, i) => new TableTransactionAction(TableTransactionActionType.Add,
                    EvseEntity(pk, TableKey.Encode(evse.Uid!), generation, i, evse, indexed: false))).ToList();
                // The new generation's rows first (invisible until the header points at them), then the header with its push.
                Response<IReadOnlyList<Response>> committed;
                if (evseRows.Count + last.Count <= MaxTransaction) committed = await Table.SubmitTransactionAsync([.. evseRows, .. last]);
                else
                {
                    foreach (var chunk in evseRows.Chunk(MaxTransaction)) await Table.SubmitTransactionAsync(chunk);
                    committed = await Table.SubmitTransactionAsync(last);
                }
                // The slot is the last row written; the location is read when its push is sent.
                if (slot is { Opened: true }) await _outbox.RelayAsync(StorageTables.Locations, [new OpenedSlot(slot.Row, committed.Value[^1].Headers.ETag, null)]);
                _creates.Saw(pk, created: rows.Header is null);
                // After it: the entries of what it replaced go, a new location is counted.
                var after = OldEntries(pk, rows).Where(e => e != entry.Entry).Select(e => LocationIndex.Delete(pk, e)).ToList();
                await AfterCommitAsync(pk, async () =>
                {
                    if (rows.Header is null)
                    {
                        await _index.ListAsync(pk);
                        after.Add(LocationIndex.Counted(pk, 1));
                    }
                    await _index.WriteAsync(after);
                });
                work.Done.TrySetResult(rows.Header is null ? PutOutcome.Created : PutOutcome.Replaced);
                await DeleteAsync(rows.Stale(generation));
                return;
            }
            catch (TableTransactionFailedException e) when (blind && e.Status == 409)
            {
                // Only the transaction of the new rows answers this way: the location exists.
                _creates.Saw(pk, created: false);
                blind = false;
            }
            catch (RequestFailedException e) when (StorageRetry.IsConflict(e))
            {
                // Any other conflict is met by reading, never by another blind write.
                blind = false;
                if (attempt >= StorageRetry.MaxAttempts)
                {
                    work.Fail(StorageRetry.GaveUp($"Location {location.Party}/{location.Id}"));
                    return;
                }
                await StorageRetry.BackoffAsync(Math.Max(attempt, 1), CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// The index's share of a change once the change is committed: what the commit did stands whatever happens here (a
    /// stale entry is skipped by readers, a missing count is restored by a reindex), so a failure here is logged, not
    /// passed on. Passed on, it answered a caller whose location was stored with 503 and, sent again, the location was
    /// "replaced" and never counted; and a conflict it raised was taken for the commit's and the PUT tried again whole.
    /// </summary>
    private async Task AfterCommitAsync(string pk, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is RequestFailedException or TryAgainLaterException)
        {
            _logger.LogWarning(e, "Location {Partition} stored, but its index not brought up to date: POST /operator/storage/reindex restores its count", pk);
        }
    }

    /// <summary>The index entries a location's rows as read say it has.</summary>
    private static List<string> OldEntries(string pk, Rows rows)
    {
        var entries = new List<string>();
        if (rows.Header is null) return entries;
        var location = LocationIndex.Split(pk).Location;
        if (rows.Header[PutIndexedColumn] is long ticks) entries.Add(LocationIndex.Entry(location, new DateTimeOffset(ticks, TimeSpan.Zero), LocationIndex.Whole));
        if (rows.Header.GetBoolean(FieldsIndexedColumn) == true) entries.Add(LocationIndex.Entry(location, rows.Header.GetDateTimeOffset("LastUpdated"), LocationIndex.Fields));
        foreach (var (key, row) in rows.Evses)
            if (row.GetBoolean(IndexedColumn) == true) entries.Add(LocationIndex.Entry(location, row.GetDateTimeOffset("LastUpdated"), LocationIndex.EvsePart(key)));
        return entries;
    }

    /// <summary>A location's last_updated as read: the latest of its own and its EVSEs' (an EVSE change updates its location).</summary>
    private static DateTimeOffset? LatestOf(Location location) =>
        (location.Evses ?? []).Select(e => e.LastUpdated).Append(location.LastUpdated).Max();

    /// <summary>
    /// Whether a PUT should try to create the location before reading it: yes while the party's recent PUTs in this
    /// instance mostly created (a first full pull), no while they mostly replaced (the attempt would cost a refused
    /// transaction each). Reads that find no location count as creates, so it learns back.
    /// </summary>
    private sealed class CreateHints
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _score = new(StringComparer.Ordinal);

        public bool Worth(string pk) => _score.GetValueOrDefault(LocationIndex.Split(pk).Party) >= 0;

        public void Saw(string pk, bool created) =>
            _score.AddOrUpdate(LocationIndex.Split(pk).Party, created ? 1 : -1, (_, score) => Math.Clamp(score + (created ? 1 : -1), -8, 8));
    }

    /// <summary>
    /// Updates of one location that arrived together: applied in order to one read of the rows they touch, written in
    /// as few transactions as fit (each EVSE with its slot in one, the location's own fields with theirs last). What a
    /// conflict stopped is applied again to a fresh read; what was written stays written.
    /// </summary>
    private async Task UpdateAllAsync(string pk, List<UpdateWork> works)
    {
        // Index entries written ahead of a transaction that did not go through (a conflict): removed at the end unless
        // a later attempt wrote them again.
        var ahead = new HashSet<string>(StringComparer.Ordinal);
        try { await UpdateAllAsync(pk, works, ahead); }
        finally
        {
            if (ahead.Count > 0) await _index.WriteAsync(ahead.Select(e => LocationIndex.Delete(pk, e)));
        }
    }

    private async Task UpdateAllAsync(string pk, List<UpdateWork> works, HashSet<string> ahead)
    {
        var location = LocationIndex.Split(pk).Location;
        for (var attempt = 1; ; attempt++)
        {
            var open = works.Where(w => !w.Finished).ToList();
            if (open.Count == 0) return;
            var keys = open.SelectMany(w => w.OpenKeys).Distinct().ToList();
            var rows = await ReadAsync(pk, keys, CancellationToken.None);
            if (rows.Header is null)
            {
                foreach (var work in open) work.Fail(UnknownLocation(work.Party, work.LocationId));
                return;
            }

            // Apply every open change, in order of arrival, to what was read.
            var fields = FieldsOf(rows.Header);
            var fieldsChanged = false;
            var fieldsPushes = new List<PushChange>();
            var fieldsChangers = new List<UpdateWork>();
            var drafts = new Dictionary<string, EvseDraft>();
            foreach (var work in open)
            {
                if (!work.FieldsDone && work.Update.Fields is { } change)
                {
                    Location? next;
                    try { next = change(fields); }
                    catch (OcpiException e)
                    {
                        work.Fail(e);
                        continue;
                    }
                    if (next is not null)
                    {
                        fields = next with { Evses = null };
                        fieldsChanged = true;
                        fieldsChangers.Add(work);
                        if (work.Update.FieldsPush?.Invoke(fields) is { } push) fieldsPushes.Add(push);
                    }
                }
                var items = work.Update.Evses ?? [];
                for (var i = 0; i < items.Count; i++)
                {
                    if (work.ItemDone[i]) continue;
                    var key = TableKey.Encode(items[i].Uid);
                    if (!drafts.TryGetValue(key, out var draft))
                        drafts[key] = draft = new EvseDraft(rows.Evses.GetValueOrDefault(key), rows.Slots.GetValueOrDefault(key));
                    draft.Apply(work, i, items[i]);
                }
            }

            // Write: each changed EVSE with its slot, then the own fields with theirs.
            var groups = new List<WriteGroup>();
            foreach (var (key, draft) in drafts)
            {
                if (!draft.Changed)
                {
                    draft.Finish();
                    continue;
                }
                TableEntity row;
                try { row = EvseEntity(pk, key, rows.Generation, draft.Seq ?? NewSeq(), draft.Value!, indexed: true); }
                catch (OcpiException e)
                {
                    // Too large to store: this EVSE's changes fail, the others go on.
                    draft.Refuse(e);
                    continue;
                }
                var actions = new List<TableTransactionAction>
                {
                    draft.Row is null
                        ? new TableTransactionAction(TableTransactionActionType.Add, row)
                        : new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, draft.Row.ETag),
                };
                var slot = draft.Pushes.Count > 0 ? _outbox.Join(pk, EvseSlot(key), draft.Slot, draft.Pushes) : null;
                if (slot is not null) actions.Add(slot.Action);
                var oldEntry = draft.Row?.GetBoolean(IndexedColumn) == true
                    ? LocationIndex.Entry(location, draft.Row.GetDateTimeOffset("LastUpdated"), LocationIndex.EvsePart(key)) : null;
                groups.Add(new WriteGroup(actions, slot, draft.Finish, null, LocationIndex.Entry(location, draft.Value!.LastUpdated, LocationIndex.EvsePart(key)), oldEntry));
            }
            if (fieldsChanged)
            {
                TableEntity header;
                try { header = Header(pk, fields, rows.Generation, rows.Header.GetBoolean("HasEvseList") == true, rows.Header[PutIndexedColumn] as long?, fieldsIndexed: true); }
                catch (OcpiException e)
                {
                    // Fields too large to store: those updates fail, and the others start over without them.
                    foreach (var work in fieldsChangers) work.Fail(e);
                    continue;
                }
                var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, header, rows.Header.ETag) };
                var slot = fieldsPushes.Count > 0 ? _outbox.Join(pk, HeaderSlot(pk), rows.HeaderSlot, fieldsPushes) : null;
                if (slot is not null) actions.Add(slot.Action);
                var oldEntry = rows.Header.GetBoolean(FieldsIndexedColumn) == true
                    ? LocationIndex.Entry(location, rows.Header.GetDateTimeOffset("LastUpdated"), LocationIndex.Fields) : null;
                groups.Add(new WriteGroup(actions, slot, null, fields, LocationIndex.Entry(location, fields.LastUpdated, LocationIndex.Fields), oldEntry));
            }
            if (groups.Any(g => g.Slot is not null)) await _outbox.MarkAsync(StorageTables.Locations, pk, CancellationToken.None);
            // The new times' entries before the rows that have those times (see LocationIndex).
            var entries = groups.Select(g => g.Entry).Where(e => !ahead.Contains(e)).ToList();
            await _index.WriteAsync(entries.Select(e => new LocationIndex.Change(pk, e)));
            ahead.UnionWith(entries);

            var conflict = false;
            var opened = new List<OpenedSlot>();
            var replaced = new List<string>();
            foreach (var chunk in Chunks(groups))
            {
                IReadOnlyList<ETag?> versions;
                try
                {
                    versions = await SubmitAsync(chunk.SelectMany(g => g.Actions).ToList());
                }
                catch (RequestFailedException e) when (StorageRetry.IsConflict(e))
                {
                    conflict = true;
                    break;
                }
                var at = 0;
                foreach (var group in chunk)
                {
                    ahead.Remove(group.Entry);
                    if (group.OldEntry is { } old && old != group.Entry) replaced.Add(old);
                    group.Written?.Invoke();
                    // An EVSE's slot travels with the EVSE as written; the location's own fields are read when sent.
                    if (group.Slot is { Opened: true } slot)
                        opened.Add(new OpenedSlot(slot.Row, versions[at + group.Actions.IndexOf(slot.Action)], group.Fields is null ? JsonChunks.Bytes((TableEntity)group.Actions[0].Entity) : (ReadOnlyMemory<byte>?)null));
                    at += group.Actions.Count;
                    if (group.Fields is not null) foreach (var work in open) work.FieldsWritten(group.Fields);
                }
            }
            if (!fieldsChanged && !conflict) foreach (var work in open) work.FieldsWritten(fields);
            await _outbox.RelayAsync(StorageTables.Locations, opened);
            // What the written rows had before is no longer any row's time.
            await AfterCommitAsync(pk, () => _index.WriteAsync(replaced.Where(e => !ahead.Contains(e)).Select(e => LocationIndex.Delete(pk, e))));
            foreach (var work in open) work.CompleteIfFinished(fields);
            if (!conflict) return;

            if (attempt >= StorageRetry.MaxAttempts)
            {
                foreach (var work in works.Where(w => !w.Finished))
                    work.GiveUp(StorageRetry.GaveUp($"Location {work.Party}/{work.LocationId}"), fields);
                return;
            }
            await StorageRetry.BackoffAsync(attempt, CancellationToken.None);
        }
    }

    /// <summary>Write groups packed into transactions of at most <see cref="MaxTransaction"/> actions, in order.</summary>
    private static IEnumerable<List<WriteGroup>> Chunks(List<WriteGroup> groups)
    {
        var chunk = new List<WriteGroup>();
        var size = 0;
        foreach (var group in groups)
        {
            if (size + group.Actions.Count > MaxTransaction)
            {
                yield return chunk;
                chunk = [];
                size = 0;
            }
            chunk.Add(group);
            size += group.Actions.Count;
        }
        if (chunk.Count > 0) yield return chunk;
    }

    public async Task<LocationPage> ListAsync(DataScope scope, LocationQuery query, CancellationToken ct)
    {
        var (start, end) = TableKey.Range(scope, query.Party);
        var cursor = PageCursor.Parse(query.Continuation, start, end);
        // date_from: what changed since, through the index. date_to alone (a full pull bounded by its start) is nearly
        // everything: walked in key order like a plain list, which reads a page's locations in one query.
        if (query.Status is null && query.DateFrom is not null) return await ChangedAsync(scope, query, cursor, ct);
        var total = cursor?.Total ?? (query.Status is { } status ? await CountByStatusAsync(start, end, query, status, ct) : await CountBeforeAsync(scope, query, ct));
        var from = cursor?.PartitionKey ?? start;
        var skip = cursor is null ? query.Offset : 0;
        var items = new List<Location>(Math.Min(query.Limit, 1000));
        // Past the end (offset=2147483647): nothing to walk the table for.
        if (skip >= total) return new LocationPage(items, total, null);

        string? next = null;
        if (query.Status is null)
        {
            var rows = new List<TableEntity>();
            string? current = null;
            // A location whose rows came in two pages is read again on its own (see ReadAsync).
            var split = false;
            async Task TakeAsync()
            {
                if (Assemble(split ? await ReadAsync(current!, null, ct) : new Rows(rows)) is not { } location || !Matches(location, query)) return;
                if (skip > 0) skip--;
                else items.Add(location);
            }
            await foreach (var page in Table.QueryAsync<TableEntity>(TableKey.RangeFilter(from, end), maxPerPage: PageSize, cancellationToken: ct).AsPages())
            {
                foreach (var row in page.Values)
                {
                    if (row.PartitionKey != current)
                    {
                        if (current is not null) await TakeAsync();
                        rows.Clear();
                        split = false;
                        current = row.PartitionKey;
                        if (items.Count == query.Limit) { next = current; break; }
                    }
                    rows.Add(row);
                }
                if (next is not null) break;
                split = true;
            }
            if (next is null && current is not null) await TakeAsync();
        }
        else
        {
            // Candidates from the Status column, each read whole and checked against every filter: a location's
            // last_updated is its EVSEs' too, and a candidate may be a replaced generation's row.
            var page = new FilteredPage(query, items, skip);
            var candidates = new List<string>(page.Window);
            await foreach (var pk in PartitionsAsync(StatusFilter(from, end, query.Status!.Value), ct))
            {
                candidates.Add(pk);
                if (candidates.Count < page.Window) continue;
                if ((next = await TakeAsync(page, candidates, ct)) is not null) break;
                candidates.Clear();
            }
            if (next is null && candidates.Count > 0) next = await TakeAsync(page, candidates, ct);
        }
        return new LocationPage(items, total, next is null ? null : new PageCursor(total, next, string.Empty).ToString());
    }

    /// <summary>
    /// A date-filtered list through the index: the entries of the window, party by party, in time order; each names a
    /// location, read whole, and kept where the entry's time is its last_updated (its latest entry), once. The next
    /// page starts past the last location kept. The total counts the locations whose latest entry is in the window.
    /// </summary>
    private async Task<LocationPage> ChangedAsync(DataScope scope, LocationQuery query, PageCursor? cursor, CancellationToken ct)
    {
        var parties = await _index.PartiesAsync(scope, query.Party, ct);
        var total = 0;
        if (cursor is null)
            foreach (var party in parties) total += await _index.CountChangedAsync(TableKey.Range(scope, party).Start, query.DateFrom, query.DateTo, ct);
        else total = cursor.Total;
        var page = new FilteredPage(query, new List<Location>(Math.Min(query.Limit, 1000)), cursor is null ? query.Offset : 0);
        if (page.Skip >= total) return new LocationPage(page.Items, total, null);
        var to = query.DateTo is { } t ? TimeKeys.Bound(t) : TimeKeys.End;
        string? next = null;
        foreach (var party in parties.Select(p => TableKey.Range(scope, p).Start))
        {
            if (cursor is not null && string.CompareOrdinal(party, cursor.PartitionKey) < 0) continue;
            var from = cursor is not null && party == cursor.PartitionKey ? cursor.RowKey : TimeKeys.Bound(query.DateFrom);
            var candidates = new List<string>(page.Window);
            await foreach (var entry in _index.EntriesAsync(party, from, to, ct))
            {
                candidates.Add(entry.RowKey);
                if (candidates.Count < page.Window) continue;
                if ((next = await TakeChangedAsync(party, page, candidates, ct)) is not null) break;
                candidates.Clear();
            }
            if (next is null && candidates.Count > 0) next = await TakeChangedAsync(party, page, candidates, ct);
            if (next is not null) return new LocationPage(page.Items, total, new PageCursor(total, party, next).ToString());
        }
        return new LocationPage(page.Items, total, null);
    }

    /// <summary>
    /// X-Total-Count without a date_from: the maintained count, less, with a date_to, the locations whose last change is
    /// at or after it (read from the index entries since then: few, for a pull bounded by its own start).
    /// </summary>
    private async Task<int> CountBeforeAsync(DataScope scope, LocationQuery query, CancellationToken ct)
    {
        if (query.DateTo is not { } to) return (int)await _index.CountAsync(scope, query.Party, ct);
        var total = 0;
        foreach (var party in await _index.PartiesAsync(scope, query.Party, ct))
            total += (int)await _index.CountAsync(scope, party, ct) - await _index.CountChangedAsync(TableKey.Range(scope, party).Start, to, null, ct);
        return Math.Max(total, 0);
    }

    /// <summary>Reads the locations the entries name (in parallel, each once) and keeps those at their latest entry; returns where the next page starts once this one is full.</summary>
    private async Task<string?> TakeChangedAsync(string party, FilteredPage page, List<string> entries, CancellationToken ct)
    {
        var parsed = entries.Select(LocationIndex.Parse).ToList();
        var names = parsed.Select(p => p.Location).Distinct().ToList();
        var read = new Location?[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (i, token) => read[i] = Assemble(await ReadAsync(party + names[i], null, token)));
        var locations = names.Select((name, i) => (name, read[i])).ToDictionary(x => x.name, x => x.Item2, StringComparer.Ordinal);
        for (var i = 0; i < parsed.Count; i++)
        {
            var (ticks, name, _) = parsed[i];
            // One location at one time may have several entries side by side: the first decides.
            var group = (ticks, name);
            if (page.LastGroup == group) continue;
            page.LastGroup = group;
            if (locations[name] is not { } location || (location.LastUpdated ?? DateTimeOffset.MinValue).UtcTicks != ticks || !Matches(location, page.Query)) continue;
            if (page.Items.Count == page.Query.Limit) return LocationIndex.After(page.LastKept!);
            if (page.Skip > 0) page.Skip--;
            else page.Items.Add(location);
            page.LastKept = entries[i];
        }
        return null;
    }

    public Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct) => Table.CountNotSeenAsync(ReceivedHeaders(query.Parties), query, ct);

    public async Task<int> DeleteNotSeenAsync(NotSeenQuery query, CancellationToken ct)
    {
        var deleted = 0;
        foreach (var headers in ReceivedHeaders(query.Parties))
        {
            await foreach (var header in Table.QueryAsync<TableEntity>(headers + TableKey.NotSeen(query), select: ["PartitionKey"], cancellationToken: ct))
            {
                var all = new List<TableEntity>();
                await foreach (var row in Table.QueryAsync<TableEntity>($"PartitionKey eq {TableKey.Quote(header.PartitionKey)}",
                                   select: ["PartitionKey", "RowKey", "Generation", "LastUpdated", IndexedColumn, PutIndexedColumn, FieldsIndexedColumn], cancellationToken: ct))
                    all.Add(row);
                await DeleteAsync(all);
                // Its index entries and its count go with it.
                await _index.WriteAsync(OldEntries(header.PartitionKey, new Rows(all)).Select(e => LocationIndex.Delete(header.PartitionKey, e))
                    .Append(LocationIndex.Counted(header.PartitionKey, -1)));
                deleted++;
            }
        }
        return deleted;
    }

    /// <summary>
    /// Brings the index and the counts in line with the locations: every location counted (a writer that stopped after
    /// storing a new location left it uncounted), one stored before the index existed given its entry, and a count
    /// of a location that is gone (a writer that stopped before removing it) removed. Safe to run again, and beside writers.
    /// </summary>
    public async Task<int> ReindexAsync(CancellationToken ct)
    {
        var fixes = 0;
        var locations = new HashSet<string>(StringComparer.Ordinal);
        var unindexed = new List<string>();
        await foreach (var header in Table.QueryAsync<TableEntity>(HeadersFilter, select: ["PartitionKey", PutIndexedColumn], cancellationToken: ct))
        {
            locations.Add(header.PartitionKey);
            if (header[PutIndexedColumn] is not long) unindexed.Add(header.PartitionKey);
        }
        foreach (var pk in locations) await _index.ListAsync(pk);
        await _index.WriteAsync(locations.Select(pk => LocationIndex.Counted(pk, 1)));
        foreach (var pk in unindexed)
        {
            var rows = await ReadAsync(pk, null, ct);
            if (Assemble(rows) is not { } location || rows.Header![PutIndexedColumn] is long) continue;
            await _index.WriteAsync([LocationIndex.Upsert(pk, location.LastUpdated, LocationIndex.Whole)]);
            try
            {
                await Table.UpdateEntityAsync(new TableEntity(pk, HeaderRow(pk)) { [PutIndexedColumn] = PutTicks(location.LastUpdated) }, rows.Header.ETag, TableUpdateMode.Merge, ct);
                fixes++;
            }
            catch (RequestFailedException e) when (StorageRetry.IsConflict(e))
            {
                // Replaced meanwhile: the replacement wrote its own entry.
            }
        }
        foreach (var scope in new[] { DataScope.Own, DataScope.Received })
        {
            foreach (var party in await _index.PartiesAsync(scope, null, ct))
            {
                var partition = TableKey.Range(scope, party).Start;
                await foreach (var member in _index.MembersAsync(partition, ct))
                {
                    var pk = partition + member;
                    if (locations.Contains(pk) || (await Table.GetEntityIfExistsAsync<TableEntity>(pk, HeaderRow(pk), select: ["PartitionKey"], cancellationToken: ct)).HasValue) continue;
                    await _index.WriteAsync([LocationIndex.Counted(pk, -1)]);
                    fixes++;
                }
            }
        }
        return fixes;
    }

    private static IEnumerable<string> ReceivedHeaders(IEnumerable<PartyKey> parties) =>
        parties.Select(p => TableKey.Range(DataScope.Received, p)).Select(r => $"{TableKey.RangeFilter(r.Start, r.End)} and {HeadersFilter}");

    private sealed class FilteredPage(LocationQuery query, List<Location> items, int skip)
    {
        public LocationQuery Query { get; } = query;
        public List<Location> Items { get; } = items;
        public int Skip { get; set; } = skip;
        public int Window => Math.Max(Query.Limit, 16);
        /// <summary>Index walks: the last (time, location) looked at, and the entry of the last location kept or skipped.</summary>
        public (long, string)? LastGroup { get; set; }
        public string? LastKept { get; set; }
    }

    /// <summary>Reads the candidates (in parallel, kept in order) and adds those that pass every filter; returns where the next page starts once this one is full.</summary>
    private async Task<string?> TakeAsync(FilteredPage page, List<string> candidates, CancellationToken ct)
    {
        var read = new Location?[candidates.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, candidates.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (i, token) => read[i] = Assemble(await ReadAsync(candidates[i], null, token)));
        for (var i = 0; i < candidates.Count; i++)
        {
            if (page.Items.Count == page.Query.Limit) return candidates[i];
            if (read[i] is not { } location || !Matches(location, page.Query)) continue;
            if (page.Skip > 0) page.Skip--;
            else page.Items.Add(location);
        }
        return null;
    }

    private static bool Matches(Location location, LocationQuery query) =>
        (query.Status is not { } status || location.Evses?.Any(e => e.Status == status) == true)
        && (query.DateFrom is not { } from || location.LastUpdated >= from)
        && (query.DateTo is not { } to || location.LastUpdated < to);

    /// <summary>The rows of EVSEs in the status, whose partitions are the candidates of a status-filtered list.</summary>
    private static string StatusFilter(string from, string end, EvseStatus status) =>
        $"{TableKey.RangeFilter(from, end)} and RowKey ge 'E|' and RowKey lt 'E}}' and Status eq '{status}'";

    /// <summary>
    /// X-Total-Count of a status-filtered list (status lists are not counted ahead): key-only scans of the index
    /// columns, combined per partition (a location passes a date filter by its own last_updated or any EVSE's).
    /// Counted once, on the first page.
    /// </summary>
    private async Task<int> CountByStatusAsync(string start, string end, LocationQuery query, EvseStatus status, CancellationToken ct)
    {
        var range = TableKey.RangeFilter(start, end);
        var set = await PartitionSetAsync(StatusFilter(start, end, status), ct);
        if (query.DateFrom is { } f) set.IntersectWith(await PartitionSetAsync($"{range} and LastUpdated ge {TableKey.DateTime(f)}", ct));
        if (query.DateTo is { } t) set.ExceptWith(await PartitionSetAsync($"{range} and LastUpdated ge {TableKey.DateTime(t)}", ct));
        return set.Count;
    }

    private async Task<HashSet<string>> PartitionSetAsync(string filter, CancellationToken ct)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var pk in PartitionsAsync(filter, ct)) set.Add(pk);
        return set;
    }

    /// <summary>The partitions holding rows that match, in key order, each once.</summary>
    private async IAsyncEnumerable<string> PartitionsAsync(string filter, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? last = null;
        await foreach (var row in Table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey"], cancellationToken: ct))
        {
            if (row.PartitionKey == last) continue;
            last = row.PartitionKey;
            yield return last;
        }
    }

    /// <summary>
    /// The rows of a location: all of them (<paramref name="evseKeys"/> null or many), or the header, its slot and the
    /// rows and slots of a few EVSEs in one query.
    /// </summary>
    private async Task<Rows> ReadAsync(string pk, IReadOnlyCollection<string>? evseKeys, CancellationToken ct)
    {
        var filter = $"PartitionKey eq {TableKey.Quote(pk)}";
        if (evseKeys is { Count: <= TargetedRead }) filter += $" and ({TargetedFilter(evseKeys)})";
        for (var attempt = 1; ; attempt++)
        {
            var rows = new List<TableEntity>();
            var pages = 0;
            await foreach (var page in Table.QueryAsync<TableEntity>(filter, maxPerPage: PageSize, cancellationToken: ct).AsPages())
            {
                rows.AddRange(page.Values);
                pages++;
            }
            var read = new Rows(rows);
            // A query of several pages is no snapshot: a replacement that switched generations between the pages may
            // have removed rows of the generation the header read on the first page names. Read again then.
            if (pages <= 1 || read.Header is null) return read;
            var header = await Table.GetEntityIfExistsAsync<TableEntity>(pk, HeaderRow(pk), select: ["Generation"], cancellationToken: ct);
            if (header.HasValue && header.Value!.GetInt32("Generation") == read.Generation) return read;
            if (attempt == StorageRetry.MaxAttempts) throw StorageRetry.GaveUp($"Location {pk}");
            await StorageRetry.BackoffAsync(attempt, ct);
        }
    }

    /// <summary>The header, its slot (every row key from "A" up to "B"), and the rows and slots of some EVSEs.</summary>
    private static string TargetedFilter(IEnumerable<string> evseKeys) => string.Join(" or ",
        evseKeys.Select(k => $"(RowKey ge {TableKey.Quote($"E|{k}|")} and RowKey lt {TableKey.Quote($"E|{k}}}")})").Prepend("(RowKey ge 'A' and RowKey lt 'B')"));

    private static readonly Rows NoRows = new([]);

    /// <summary>The rows of one location, sorted out.</summary>
    private sealed class Rows
    {
        public TableEntity? Header { get; }
        public TableEntity? HeaderSlot { get; }
        public int Generation { get; }
        public int MaxGeneration { get; }
        /// <summary>The EVSE rows of the header's generation, by escaped uid.</summary>
        public Dictionary<string, TableEntity> Evses { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, TableEntity> Slots { get; } = new(StringComparer.Ordinal);
        private readonly List<(int Generation, TableEntity Row)> _evseRows = [];

        public Rows(List<TableEntity> rows)
        {
            foreach (var row in rows)
            {
                if (row.RowKey.StartsWith(HeaderPrefix, StringComparison.Ordinal)) Header = row;
                else if (row.RowKey.StartsWith(HeaderSlotPrefix, StringComparison.Ordinal)) HeaderSlot = row;
                else if (row.RowKey.StartsWith("E|", StringComparison.Ordinal))
                {
                    var bar = row.RowKey.LastIndexOf('|');
                    var key = row.RowKey[2..bar];
                    var suffix = row.RowKey.AsSpan(bar);
                    if (suffix.SequenceEqual(SlotSuffix)) Slots[key] = row;
                    else if (int.TryParse(suffix[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
                    {
                        _evseRows.Add((generation, row));
                        MaxGeneration = Math.Max(MaxGeneration, generation);
                    }
                }
            }
            Generation = Header?.GetInt32("Generation") ?? 0;
            MaxGeneration = Math.Max(MaxGeneration, Generation);
            foreach (var (generation, row) in _evseRows)
                if (generation == Generation) Evses[row.RowKey[2..row.RowKey.LastIndexOf('|')]] = row;
        }

        /// <summary>EVSE rows of other generations than the one given: left by a replacement, to be removed.</summary>
        public IEnumerable<TableEntity> Stale(int generation) => _evseRows.Where(r => r.Generation != generation).Select(r => r.Row);
    }

    /// <summary>An EVSE's state while a batch of updates is applied to it.</summary>
    private sealed class EvseDraft(TableEntity? row, TableEntity? slot)
    {
        private readonly List<(UpdateWork Work, int Item, EvseOutcome Outcome)> _outcomes = [];

        public TableEntity? Row { get; } = row;
        public TableEntity? Slot { get; } = slot;
        public Evse? Value { get; private set; } = row is null ? null : JsonChunks.Read(row, LocationsJson.Default.Evse);
        public long? Seq => Row is null ? null : SeqOf(Row);
        public bool Changed { get; private set; }
        public List<PushChange> Pushes { get; } = [];

        public void Apply(UpdateWork work, int item, EvseUpdate update)
        {
            try
            {
                var next = update.Change(Value);
                if (next is null)
                {
                    _outcomes.Add((work, item, new EvseOutcome(Value, EvseChange.Unchanged)));
                    return;
                }
                _outcomes.Add((work, item, new EvseOutcome(next, Value is null ? EvseChange.Created : EvseChange.Replaced)));
                Value = next;
                Changed = true;
                if (update.Push?.Invoke(next) is { } push) Pushes.Add(push);
            }
            catch (OcpiException e)
            {
                _outcomes.Add((work, item, new EvseOutcome(Value, EvseChange.Failed, e)));
            }
        }

        /// <summary>Its changes cannot be stored: each of them fails with <paramref name="error"/>.</summary>
        public void Refuse(OcpiException error)
        {
            foreach (var (work, item, _) in _outcomes) work.ItemWritten(item, new EvseOutcome(Row is null ? null : JsonChunks.Read(Row, LocationsJson.Default.Evse), EvseChange.Failed, error));
        }

        /// <summary>Its changes are written (or there was nothing to write): the outcomes hold.</summary>
        public void Finish()
        {
            foreach (var (work, item, outcome) in _outcomes) work.ItemWritten(item, outcome);
        }
    }

    /// <param name="Written">what holds once the group is written</param>
    /// <param name="Fields">the location's own fields the group writes</param>
    /// <param name="Entry">the index entry of the time the group writes</param>
    /// <param name="OldEntry">the index entry of the row it replaces, if that row had one</param>
    private sealed record WriteGroup(List<TableTransactionAction> Actions, SlotWrite? Slot, Action? Written, Location? Fields, string Entry, string? OldEntry);

    /// <summary>One transaction; a single row is written on its own (the same guard, and a lighter call than a batch).</summary>
    /// <returns>the version (ETag) of each row written, in order</returns>
    private async Task<IReadOnlyList<ETag?>> SubmitAsync(List<TableTransactionAction> actions)
    {
        Response single;
        switch (actions)
        {
            case [{ ActionType: TableTransactionActionType.Add } only]: single = await Table.AddEntityAsync(only.Entity); break;
            case [{ ActionType: TableTransactionActionType.UpdateReplace } only]: single = await Table.UpdateEntityAsync(only.Entity, only.ETag, TableUpdateMode.Replace); break;
            default: return (await Table.SubmitTransactionAsync(actions)).Value.Select(r => r.Headers.ETag).ToList();
        }
        return [single.Headers.ETag];
    }

    private abstract class Work : PartitionWork<Work>.IWork
    {
        public abstract void Fail(Exception error);
    }

    private sealed class PutWork(DataScope scope, Location location, bool onlyIfNewer, PushChange? push) : Work
    {
        public DataScope Scope { get; } = scope;
        public Location Location { get; } = location;
        public bool OnlyIfNewer { get; } = onlyIfNewer;
        public PushChange? Push { get; } = push;
        public TaskCompletionSource<PutOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public override void Fail(Exception error) => Done.TrySetException(error);
    }

    private sealed class UpdateWork : Work
    {
        private readonly EvseOutcome?[] _outcomes;
        private Location? _fields;

        public UpdateWork(DataScope scope, PartyKey party, string locationId, LocationUpdate update)
        {
            Scope = scope;
            Party = party;
            LocationId = locationId;
            Update = update;
            _outcomes = new EvseOutcome?[update.Evses?.Count ?? 0];
            ItemDone = new bool[_outcomes.Length];
            FieldsDone = update.Fields is null;
        }

        public DataScope Scope { get; }
        public PartyKey Party { get; }
        public string LocationId { get; }
        public LocationUpdate Update { get; }
        public bool[] ItemDone { get; }
        public bool FieldsDone { get; private set; }
        public TaskCompletionSource<LocationUpdateResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Finished => Done.Task.IsCompleted;

        /// <summary>The EVSEs still to change (escaped uids).</summary>
        public IEnumerable<string> OpenKeys => (Update.Evses ?? []).Where((_, i) => !ItemDone[i]).Select(e => TableKey.Encode(e.Uid));

        public void ItemWritten(int item, EvseOutcome outcome)
        {
            _outcomes[item] = outcome;
            ItemDone[item] = true;
        }

        public void FieldsWritten(Location fields)
        {
            if (FieldsDone && _fields is not null) return;
            _fields = fields;
            FieldsDone = true;
        }

        public void CompleteIfFinished(Location fields)
        {
            if (FieldsDone && ItemDone.All(d => d)) Done.TrySetResult(new LocationUpdateResult(_fields ?? fields, _outcomes!));
        }

        /// <summary>Retries ran out: the EVSEs not written fail with <paramref name="error"/>; so does the whole update if its own fields were not.</summary>
        public void GiveUp(OcpiException error, Location fields)
        {
            if (!FieldsDone)
            {
                Fail(error);
                return;
            }
            for (var i = 0; i < _outcomes.Length; i++)
                if (!ItemDone[i]) ItemWritten(i, new EvseOutcome(null, EvseChange.Failed, error));
            CompleteIfFinished(fields);
        }

        public override void Fail(Exception error) => Done.TrySetException(error);
    }

    private static Location? Assemble(Rows rows)
    {
        if (rows.Header is null) return null;
        var evses = rows.Evses.Values
            .OrderBy(SeqOf).ThenBy(r => r.RowKey, StringComparer.Ordinal)
            .Select(r => JsonChunks.Read(r, LocationsJson.Default.Evse))
            .ToList();
        var location = FieldsOf(rows.Header);
        // The location's last_updated is its own or its latest EVSE's, whichever is later (an EVSE change updates its location).
        var lastUpdated = evses.Select(e => e.LastUpdated).Append(location.LastUpdated).Max();
        // A location stored without an evses list reads back without one, so what was sent is what is served.
        return location with
        {
            Evses = evses.Count > 0 || rows.Header.GetBoolean("HasEvseList") == true ? evses : null,
            LastUpdated = lastUpdated,
        };
    }

    private static Location FieldsOf(TableEntity header) => JsonChunks.Read(header, LocationsJson.Default.Location);

    /// <param name="putIndexed">the ticks of the location's "*" index entry</param>
    /// <param name="fieldsIndexed">its own fields have an index entry at their LastUpdated</param>
    private TableEntity Header(string pk, Location fields, int generation, bool hasEvseList, long? putIndexed, bool fieldsIndexed)
    {
        var header = new TableEntity(pk, HeaderRow(pk))
        {
            ["Generation"] = generation,
            ["HasEvseList"] = hasEvseList,
            ["LastUpdated"] = fields.LastUpdated,
            ["Stored"] = _clock.GetUtcNow(),
            [PutIndexedColumn] = putIndexed,
            [FieldsIndexedColumn] = fieldsIndexed,
        };
        JsonChunks.Write(header, fields, LocationsJson.Default.Location);
        return header;
    }

    /// <param name="indexed">the EVSE has an index entry of its own at its LastUpdated (written by a change of it, not by a PUT)</param>
    private static TableEntity EvseEntity(string pk, string key, int generation, long seq, Evse evse, bool indexed)
    {
        var row = new TableEntity(pk, EvseRow(key, generation))
        {
            ["Seq"] = seq,
            ["Status"] = evse.Status?.ToString(),
            ["LastUpdated"] = evse.LastUpdated,
            [IndexedColumn] = indexed,
        };
        JsonChunks.Write(row, evse, LocationsJson.Default.Evse);
        return row;
    }

    private static long PutTicks(DateTimeOffset? latest) => (latest ?? DateTimeOffset.MinValue).UtcTicks;

    /// <summary>An EVSE's place in its location: its index in the PUT that stored it, or, added later, after those in order of adding.</summary>
    private long NewSeq() => _clock.GetUtcNow().UtcTicks;

    private static long SeqOf(TableEntity row) => row["Seq"] switch
    {
        long l => l,
        int i => i,
        _ => 0,
    };

    private async Task DeleteAsync(IEnumerable<TableEntity> rows)
    {
        foreach (var chunk in rows.GroupBy(r => r.PartitionKey).SelectMany(g => g.Chunk(MaxTransaction)))
        {
            try { await Table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All))); }
            catch (RequestFailedException) { /* a row went meanwhile; what is left goes at the next cleanup */ }
        }
    }

    private static string EvseRow(string key, int generation) => $"E|{key}|{generation.ToString("D6", CultureInfo.InvariantCulture)}";

    private static string EvseSlot(string key) => $"E|{key}{SlotSuffix}";

    private static string HeaderRow(string pk) => HeaderPrefix + LocationKey(pk);

    private static string HeaderSlot(string pk) => HeaderSlotPrefix + LocationKey(pk);

    /// <summary>The escaped location id that ends a partition key (escaping leaves no '|' in it).</summary>
    private static string LocationKey(string pk) => pk[(pk.LastIndexOf('|') + 1)..];

    internal static string Partition(DataScope scope, PartyKey party, string locationId) =>
        TableKey.Range(scope, party).Start + TableKey.Encode(locationId);

    private static NotFoundException UnknownLocation(PartyKey party, string id) =>
        new($"Unknown location {party}/{id}.", OcpiStatus.UnknownLocation);
}

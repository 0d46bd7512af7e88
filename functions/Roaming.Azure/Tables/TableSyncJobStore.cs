using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Roaming.Core.Storage;
using Roaming.Core.Sync;

namespace Roaming.Azure.Tables;

/// <summary>Sync jobs in table "syncjobs": partition = partner id, row = job id (sortable by start).</summary>
public sealed class TableSyncJobStore(StorageTables tables) : ISyncJobStore
{
    private TableClient Table => tables.Get(StorageTables.SyncJobs);

    public async Task CreateAsync(SyncJob job, CancellationToken ct)
    {
        var response = await Table.AddEntityAsync(ToEntity(job), ct);
        job.ETag = response.Headers.ETag?.ToString();
    }

    public async Task<SyncJob?> GetAsync(string partnerId, string jobId, CancellationToken ct)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(partnerId, jobId, cancellationToken: ct);
        return response.HasValue ? ToJob(response.Value!) : null;
    }

    public async Task UpdateAsync(SyncJob job, CancellationToken ct)
    {
        try
        {
            var response = await Table.UpdateEntityAsync(ToEntity(job), new ETag(job.ETag!), TableUpdateMode.Replace, ct);
            job.ETag = response.Headers.ETag?.ToString();
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new ConcurrencyException($"Sync job {job.JobId} changed meanwhile.");
        }
    }

    public async Task<IReadOnlyList<SyncJob>> ListAsync(string partnerId, CancellationToken ct)
    {
        var list = new List<SyncJob>();
        await foreach (var e in Table.QueryAsync<TableEntity>($"PartitionKey eq {TableKey.Quote(partnerId)}", cancellationToken: ct)) list.Add(ToJob(e));
        return list;
    }

    private static TableEntity ToEntity(SyncJob j) => new(j.PartnerId, j.JobId)
    {
        ["Module"] = j.Module,
        ["Mode"] = j.Mode.ToString(),
        ["State"] = j.State.ToString(),
        ["Started"] = j.Started,
        ["Finished"] = j.Finished,
        ["DateFrom"] = j.DateFrom,
        ["DateTo"] = j.DateTo,
        ["Parties"] = JsonSerializer.Serialize(j.Parties, SyncJson.Default.ListString),
        ["SeenParties"] = JsonSerializer.Serialize(j.SeenParties, SyncJson.Default.ListString),
        ["Pages"] = j.Pages,
        ["Fetched"] = j.Fetched,
        ["Stored"] = j.Stored,
        ["Failed"] = j.Failed,
        ["Ignored"] = j.Ignored,
        ["Removed"] = j.Removed,
        ["RemovalsHeld"] = j.RemovalsHeld,
        ["MaxRemovalShare"] = j.MaxRemovalShare,
        ["Watermark"] = j.Watermark,
        ["LastError"] = j.LastError is { Length: > 4000 } text ? text[..4000] : j.LastError,
        ["Warning"] = j.Warning,
    };

    private static SyncJob ToJob(TableEntity e) => new()
    {
        PartnerId = e.PartitionKey,
        JobId = e.RowKey,
        Module = e.GetString("Module"),
        Mode = Enum.Parse<SyncMode>(e.GetString("Mode")),
        State = Enum.Parse<SyncState>(e.GetString("State")),
        Started = e.GetDateTimeOffset("Started") ?? default,
        Finished = e.GetDateTimeOffset("Finished"),
        DateFrom = e.GetDateTimeOffset("DateFrom"),
        DateTo = e.GetDateTimeOffset("DateTo"),
        Parties = Strings(e, "Parties"),
        SeenParties = Strings(e, "SeenParties"),
        Pages = e.GetInt32("Pages") ?? 0,
        Fetched = e.GetInt32("Fetched") ?? 0,
        Stored = e.GetInt32("Stored") ?? 0,
        Failed = e.GetInt32("Failed") ?? 0,
        Ignored = e.GetInt32("Ignored") ?? 0,
        Removed = e.GetInt32("Removed") ?? 0,
        RemovalsHeld = e.GetInt32("RemovalsHeld") ?? 0,
        MaxRemovalShare = e.GetDouble("MaxRemovalShare"),
        Watermark = e.GetDateTimeOffset("Watermark"),
        LastError = e.GetString("LastError"),
        Warning = e.GetString("Warning"),
        ETag = e.ETag.ToString(),
    };

    private static List<string> Strings(TableEntity e, string column) =>
        e.GetString(column) is { } json ? JsonSerializer.Deserialize(json, SyncJson.Default.ListString) ?? [] : [];
}

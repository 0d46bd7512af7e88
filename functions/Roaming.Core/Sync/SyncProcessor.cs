using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Versions;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;
using Roaming.Core.Types;

namespace Roaming.Core.Sync;

/// <summary>
/// Fetches one page of a sync (queue "ocpi-sync"), stores its objects, records the progress and queues the next
/// page. A page that cannot be fetched is retried by the queue; at its last try the job is marked failed.
/// </summary>
public sealed class SyncProcessor(ISyncJobStore jobs, IPartnerStore partners, PartnerClients clients, ModuleCatalog catalog, SyncService sync,
    IEnumerable<IPullHandler> handlers, IOptions<QueueRules> rules, InputNoteRecorder inputNotes, TimeProvider clock, ILogger<SyncProcessor> logger) : IQueueProcessor
{
    private readonly Dictionary<string, IPullHandler> _handlers = handlers.ToDictionary(h => h.Module);

    public string QueueName => SyncService.QueueName;

    public async Task ProcessAsync(QueueWork work, CancellationToken ct)
    {
        var message = JsonSerializer.Deserialize(work.Body.Span, SyncJson.Default.SyncPageMessage)!;
        var job = await jobs.GetAsync(message.PartnerId, message.JobId, ct);
        if (job is null || job.State != SyncState.Running || message.Page <= job.Pages) return; // done already: seen twice
        var partner = await partners.GetAsync(message.PartnerId, ct);
        if (partner is not { State: PartnerState.Registered })
        {
            await FinishAsync(job, SyncState.Failed, "The partner is no longer registered.", ct);
            return;
        }

        try
        {
            await FetchPageAsync(job, partner, message, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && work.DequeueCount >= rules.Value.MaxDequeueCount)
        {
            // The last try: the job says why it stopped instead of staying "Running" behind a poisoned message.
            logger.LogError(e, "Sync {JobId} failed at page {Page}", job.JobId, message.Page);
            var current = await jobs.GetAsync(job.PartnerId, job.JobId, ct) ?? job;
            await FinishAsync(current, SyncState.Failed, $"Page {message.Page}: {e.Message}", ct);
        }
    }

    private async Task FetchPageAsync(SyncJob job, Partner partner, SyncPageMessage message, CancellationToken ct)
    {
        var module = catalog.Module(job.Module);
        var owners = PulledObjects.Parties(partner, module.Owner!.Value);
        var client = clients.Find(partner, job.Module, InterfaceRole.Sender, new RoutingHeaders(sync.OwnCounterpart(module), owners.FirstOrDefault()))
            ?? throw new InvalidOperationException($"Partner {partner.Id} no longer offers a {job.Module} sender interface.");
        var response = await client.SendToAsync(HttpMethod.Get, message.Url, SyncJson.Default.ListJsonElement, ct: ct);

        var objects = response.Data ?? [];
        using var notes = InputNotes.Begin(lenient: true);
        var (stored, errors) = await _handlers[job.Module].StoreAsync(partner, objects, ct);
        await inputNotes.RecordAsync(partner.Id, notes, ct);
        foreach (var error in errors.Take(3)) logger.LogWarning("Sync {JobId}: {Error}", job.JobId, error);
        job.Pages = message.Page;
        job.Fetched += objects.Count;
        job.Stored += stored;
        job.Failed += errors.Count;
        if (errors.Count > 0) job.LastError = errors[^1];

        if (response.NextLink is { } next && objects.Count > 0)
        {
            // Next page first, progress second: a crash between the two repeats this page (idempotent), never
            // loses the next; a duplicate page that races this one fails on the job's ETag and is dropped.
            await sync.EnqueuePageAsync(message with { Url = next, Page = message.Page + 1 }, ct);
            await jobs.UpdateAsync(job, ct);
            return;
        }
        // The pages together are the truth (spec): after a clean full sync, what was not in them goes.
        if (job.Mode == SyncMode.Full && job.Failed == 0) job.Removed = await _handlers[job.Module].RemoveNotSeenAsync(owners, job.Started, ct);
        await FinishAsync(job, SyncState.Succeeded, job.LastError, ct);
        logger.LogInformation("Sync {JobId} done: {Pages} pages, {Stored} stored, {Failed} failed, {Removed} removed", job.JobId, job.Pages, job.Stored, job.Failed, job.Removed);
    }

    private async Task FinishAsync(SyncJob job, SyncState state, string? error, CancellationToken ct)
    {
        job.State = state;
        job.LastError = error;
        job.Finished = clock.GetUtcNow();
        await jobs.UpdateAsync(job, ct);
    }
}

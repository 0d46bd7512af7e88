using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
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
/// page, or the first page of the next party's crawl. A page that cannot be fetched is retried by the queue; at its
/// last try the job is marked failed. A full pull that ends cleanly removes what it did not see, within what it
/// pulled, and never more than the allowed share of it in one go.
/// </summary>
public sealed class SyncProcessor(ISyncJobStore jobs, IPartnerStore partners, PartnerClients clients, ModuleCatalog catalog, SyncService sync,
    IEnumerable<IPullHandler> handlers, IOptions<QueueRules> rules, IOptions<RoamingOptions> options, PartnerAccess access, InputNoteRecorder inputNotes,
    TimeProvider clock, ILogger<SyncProcessor> logger) : IQueueProcessor
{
    private const int MaxSeenParties = 2000;
    private const int PreviousPageWaits = 100;
    private static readonly TimeSpan PreviousPageWait = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan YoungTokenWait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan YoungJob = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);
    private static readonly TimeSpan ReadAheadLife = TimeSpan.FromMinutes(2);
    private readonly Dictionary<string, IPullHandler> _handlers = handlers.ToDictionary(h => h.Module);
    // The next page's answer, asked for while a page is stored, for the message of that page when this instance
    // handles it (as it usually does: the poller wakes when its own host queues work). Never the page's only chance:
    // a message handled elsewhere, or a read-ahead that failed, fetches as ever.
    private readonly ConcurrentDictionary<(string JobId, int Page), ReadAhead> _ahead = new();

    private sealed record ReadAhead(string Url, Task<PartnerResponse<List<JsonElement>>> Answer, long Started);

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
            if (await AfterPreviousPageAsync(job, message, ct) is { } current) await FetchPageAsync(current, partner, message, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && work.DequeueCount >= rules.Value.MaxDequeueCount)
        {
            // The last try: the job says why it stopped instead of staying "Running" behind a poisoned message.
            logger.LogError(e, "Sync {JobId} failed at page {Page}", job.JobId, message.Page);
            var current = await jobs.GetAsync(job.PartnerId, job.JobId, ct) ?? job;
            await FinishAsync(current, SyncState.Failed, $"Page {message.Page}: {e.Message}", ct);
        }
    }

    /// <summary>
    /// The job once the page before this one has recorded its progress, or null when this page is done already. A page is
    /// queued by the one before it just before that one records its progress, and queue workers fetch ahead (as the
    /// Functions trigger does): handled at once, it would read the job without the previous page's counts, and its record
    /// would lose them, or, on the last page, clean up before the previous page's failures were counted. So it waits,
    /// briefly, then is tried again later (the previous page may have stopped before its record, and be done again).
    /// </summary>
    private async Task<SyncJob?> AfterPreviousPageAsync(SyncJob job, SyncPageMessage message, CancellationToken ct)
    {
        for (var wait = 0; job.Pages < message.Page - 1; wait++)
        {
            if (wait == PreviousPageWaits)
                throw new InvalidOperationException($"Sync {job.JobId}: page {message.Page - 1} has not recorded its progress yet; page {message.Page} is tried again later");
            await Task.Delay(PreviousPageWait, ct);
            if (await jobs.GetAsync(job.PartnerId, job.JobId, ct) is not { State: SyncState.Running } current || message.Page <= current.Pages) return null;
            job = current;
        }
        return job;
    }

    private async Task FetchPageAsync(SyncJob job, Partner partner, SyncPageMessage message, CancellationToken ct)
    {
        if (message.Party >= job.Parties.Count)
        {
            await FinishAsync(job, SyncState.Failed, "This pull was started by an earlier version of the endpoint, which did not record its parties; start it again.", ct);
            return;
        }
        var module = catalog.Module(job.Module);
        var owner = module.Owner!.Value;
        // The spec's direct request: from our party, to the partner's party this crawl is for (through a hub: the hub).
        var client = clients.Find(partner, job.Module, InterfaceRole.Sender, new RoutingHeaders(sync.OwnCounterpart(module), Party(job.Parties[message.Party])))
            ?? throw new InvalidOperationException($"Partner {partner.Id} no longer offers a {job.Module} sender interface.");
        var started = Stopwatch.GetTimestamp();
        var page = new PageRequest(message.Url);
        PartnerResponse<List<JsonElement>> response;
        try
        {
            response = await FetchAsync(client, partner, job, message, page, ct);
        }
        catch (PartnerCallException e) when (Deferral(e, job, message) is { } wait)
        {
            // Asked again when the partner said, as a new message: the queue's tries stay for real failures, and a hub
            // that rate-limits a long pull's pages cannot use them up. From the URL that got as far as the partner's
            // pace: a next link that failed on its own is not asked for again.
            logger.LogInformation("Sync {JobId}: page {Page} put off by the partner ({Error}); asked again in {Wait}", job.JobId, message.Page, e.Message, wait);
            await sync.EnqueuePageAsync(message with { Url = page.Url, PutOffSince = message.PutOffSince ?? clock.GetUtcNow() }, ct, wait);
            return;
        }
        var fetched = Stopwatch.GetElapsedTime(started);

        var objects = response.Data ?? [];
        // Not for a partner the operator paced: a read-ahead another instance's message does not take is a call spent.
        if (response.NextLink is { } ahead && objects.Count > 0 && partner.OutboundRequestsPerMinute is null)
            StartReadAhead(job.JobId, message.Page + 1, client, ahead);
        var scope = new PullScope(partner, owner, partner.HasRole(Role.Hub) ? await access.BehindHubAsync(partner, owner, ct) : new HashSet<PartyKey>());
        using var notes = InputNotes.Begin(lenient: true);
        var (stored, errors) = await _handlers[job.Module].StoreAsync(scope, objects, ct);
        // Where a slow pull spends its time: the partner's answer or our storage.
        logger.LogDebug("Sync {JobId} page {Page}: {Count} objects, fetched in {FetchMs:F0} ms, stored in {StoreMs:F0} ms",
            job.JobId, message.Page, objects.Count, fetched.TotalMilliseconds, (Stopwatch.GetElapsedTime(started) - fetched).TotalMilliseconds);
        await inputNotes.RecordAsync(partner.Id, notes, ct);
        foreach (var error in errors.Take(3)) logger.LogWarning("Sync {JobId}: {Error}", job.JobId, error);
        if (scope.Ignored > 0) logger.LogWarning("Sync {JobId}: {Count} objects ignored, the last: {Why}", job.JobId, scope.Ignored, scope.LastIgnored);
        job.Pages = message.Page;
        job.Fetched += objects.Count;
        job.Stored += stored;
        job.Failed += errors.Count;
        job.Ignored += scope.Ignored;
        if (scope.LastIgnored is { } ignored) job.LastError = ignored;
        // Bounded so the job stays one table row; a hub delivering more parties is cleaned up for the first ones only.
        job.SeenParties = job.SeenParties.Union(scope.Seen.Select(p => p.ToString())).Take(MaxSeenParties).ToList();
        if (errors.Count > 0) job.LastError = errors[^1];

        // Next page first, progress second: a crash between the two repeats this page (idempotent), never loses the
        // next; a duplicate page that races this one fails on the job's ETag and is dropped.
        if (response.NextLink is { } next && objects.Count > 0)
        {
            await sync.EnqueuePageAsync(message with { Url = next, Page = message.Page + 1, Offset = message.Offset + objects.Count, Limit = objects.Count, PutOffSince = null, Registering = false }, ct);
            await jobs.UpdateAsync(job, ct);
            return;
        }
        if (message.Party + 1 < job.Parties.Count)
        {
            await sync.EnqueuePageAsync(new SyncPageMessage(job.PartnerId, job.JobId, SyncService.FirstPage(partner, job), message.Page + 1, message.Party + 1), ct);
            await jobs.UpdateAsync(job, ct);
            return;
        }
        // The pages together are the truth (spec): after a clean full sync, what was not in them goes.
        if (job.Mode == SyncMode.Full && job.Failed == 0) await CleanUpAsync(job, partner, ct);
        // What this pull covered: everything changed before it started, allowing for the partner's clock. Objects that
        // failed were not covered, so the next delta starts where this one did.
        job.Watermark = job.Failed == 0 ? job.Started - options.Value.SyncClockSkew : job.DateFrom;
        await FinishAsync(job, SyncState.Succeeded, job.LastError, ct);
        logger.LogInformation("Sync {JobId} done: {Pages} pages, {Stored} stored, {Failed} failed, {Ignored} ignored, {Removed} removed, {Held} removals held",
            job.JobId, job.Pages, job.Stored, job.Failed, job.Ignored, job.Removed, job.RemovalsHeld);
    }

    /// <summary>The URL a page is asked for by: the message's, or the one that replaced a broken next link.</summary>
    private sealed class PageRequest(string url)
    {
        public string Url { get; set; } = url;
    }

    /// <summary>Asks for the next page now, so that the partner answers it while this page is stored.</summary>
    private void StartReadAhead(string jobId, int page, InterfaceClient client, string url)
    {
        ForgetStaleReadAheads();
        // Not tied to this message's cancellation: the call outlives it, bounded by the partner timeout.
        var answer = client.SendToAsync(HttpMethod.Get, url, SyncJson.Default.ListJsonElement, ct: CancellationToken.None);
        _ = answer.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        _ahead[(jobId, page)] = new ReadAhead(url, answer, Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// The answer read ahead for this page, when there is one for its URL. Whatever the partner answered is the page's
    /// answer, a refusal too (a broken link is replaced, a pace puts the page off, as for any fetch: asking again at once
    /// would only repeat it); a call that got no answer leaves the page to be fetched as ever.
    /// </summary>
    private async Task<PartnerResponse<List<JsonElement>>?> ReadAheadAsync(SyncJob job, SyncPageMessage message)
    {
        ForgetStaleReadAheads();
        if (!_ahead.TryRemove((job.JobId, message.Page), out var ahead) || ahead.Url != message.Url) return null;
        try
        {
            return await ahead.Answer;
        }
        catch (PartnerCallException e) when (e.HttpStatus is null)
        {
            // The client turns transport failures and timeouts into this, without a status.
            return null;
        }
    }

    /// <summary>Read-aheads whose page went to another instance, or whose crawl stopped, are let go.</summary>
    private void ForgetStaleReadAheads()
    {
        foreach (var (key, ahead) in _ahead)
            if (Stopwatch.GetElapsedTime(ahead.Started) > ReadAheadLife) _ahead.TryRemove(key, out _);
    }

    /// <summary>The page, or when a partner's own next link fails, the same page asked for the way the crawl began.</summary>
    private async Task<PartnerResponse<List<JsonElement>>> FetchAsync(InterfaceClient client, Partner partner, SyncJob job, SyncPageMessage message,
        PageRequest page, CancellationToken ct)
    {
        try
        {
            return await ReadAheadAsync(job, message) ?? await client.SendToAsync(HttpMethod.Get, page.Url, SyncJson.Default.ListJsonElement, ct: ct);
        }
        catch (PartnerCallException e) when (message.Offset > 0 && BrokenLink(e))
        {
            // Seen live: a next link with date_from=None in it. The original URL with its filters, at this offset.
            page.Url = SyncService.WithQuery(SyncService.FirstPage(partner, job), $"offset={message.Offset}&limit={message.Limit}");
            logger.LogWarning("Sync {JobId}: the partner's next link failed ({Error}); asking from offset {Offset} instead", job.JobId, e.Message, message.Offset);
            return await client.SendToAsync(HttpMethod.Get, page.Url, SyncJson.Default.ListJsonElement, ct: ct);
        }
    }

    /// <summary>
    /// A link the partner's own server refuses: 400/404/422, 2001, or an answer that is not OCPI at all (but not a rate
    /// limit, an outage or a refused token, whatever their body: asking again at once would not help).
    /// </summary>
    private static bool BrokenLink(PartnerCallException e) =>
        e.HttpStatus is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity
        || e.OcpiStatus == OcpiStatus.InvalidOrMissingParameters
        || (e.HttpStatus is not null and not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.Unauthorized)
            && e.OcpiStatus is null);

    /// <summary>
    /// How long to put a page off when the partner asks for patience rather than fails: its Retry-After (a rate-limiting
    /// hub's 429, a 503), a while on a 429 without one, and a short wait on a 401 in the first minute of a pull that a
    /// partner's registration started: it accepts our token only once it has stored our answer, which may take longer
    /// than the wait such pulls begin with. Any other 401 is a failure, and so is a pace that has lasted longer than
    /// <see cref="RoamingOptions.PacePatience"/> since it first put the page off.
    /// </summary>
    private TimeSpan? Deferral(PartnerCallException e, SyncJob job, SyncPageMessage message)
    {
        var now = clock.GetUtcNow();
        if (e.PaceWait(message.PutOffSince, now, options.Value.PacePatience) is { } asked) return asked < LongestWait ? asked : LongestWait;
        if (e.HttpStatus == HttpStatusCode.Unauthorized && message.Registering && now - job.Started < YoungJob) return YoungTokenWait;
        return null;
    }

    /// <summary>
    /// Removes what the full pull did not see, scoped to what it pulled: each party it addressed, or through a hub the
    /// parties it delivered, and only objects inside the window it asked for. More than the allowed share is held.
    /// </summary>
    private async Task CleanUpAsync(SyncJob job, Partner partner, CancellationToken ct)
    {
        var parties = (partner.HasRole(Role.Hub) ? job.SeenParties : job.Parties).Select(Party).ToList();
        var query = new NotSeenQuery(parties, job.Started, job.DateTo);
        var handler = _handlers[job.Module];
        var count = await handler.CountNotSeenAsync(query, ct);
        var share = job.MaxRemovalShare ?? options.Value.SyncMaxRemovalShare;
        var issue = PartnerIssues.SyncRemovalsHeld(job.Module);
        if (count.NotSeen > 0 && count.NotSeen > share * count.Total)
        {
            job.RemovalsHeld = count.NotSeen;
            job.Warning = $"{count.NotSeen} of {count.Total} received {job.Module} objects of {string.Join(", ", parties)} were not in this full pull; "
                + $"more than {share:P0} is not removed in one pull, so nothing was. Check with the partner, then pull again with a higher max_removal_share.";
            logger.LogWarning("Sync {JobId}: {Warning}", job.JobId, job.Warning);
            await partners.UpdateAsync(partner.Id, p => p.Flag(issue, $"Sync {job.JobId}: {job.Warning}", clock.GetUtcNow()), ct);
            return;
        }
        job.Removed = await handler.RemoveNotSeenAsync(query, ct);
        await partners.UpdateAsync(partner.Id, p => p.Clear(issue), ct);
    }

    /// <summary>"CC/PID" as the job keeps it (a country code is two characters; a party id may hold anything printable).</summary>
    private static PartyKey Party(string text) => new(text[..2], text[3..]);

    private async Task FinishAsync(SyncJob job, SyncState state, string? error, CancellationToken ct)
    {
        job.State = state;
        job.LastError = error;
        job.Finished = clock.GetUtcNow();
        await jobs.UpdateAsync(job, ct);
    }
}

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Push;

/// <summary>
/// The push channel of every module (queue "ocpi-push"), in whichever direction the module's declaration gives: a
/// change of an owner's object goes to each registered partner in a counterpart role that has the module's receiver
/// interface in the version negotiated with it (only to the partner holding the change's target party, when it
/// names one). A first message names outbox slots: each is read, sent to every partner and cleared, or, when changes
/// joined it meanwhile, read and sent again, so one push per target is under way at a time and a target's changes
/// reach a partner in order. A partner that fails gets its own retry message, delayed with exponential backoff, so
/// one partner being down neither blocks nor repeats the others. After the last try the message goes to
/// "ocpi-push-poison" and the partner is marked as needing a resync (it should pull). An answer that no retry can
/// change is not retried: the module's source recovers where the spec says how, the rest is parked at once.
/// </summary>
public sealed class PushProcessor(ModuleCatalog catalog, IEnumerable<IPushSource> sources, IPartnerStore partners, PartnerClients clients,
    PartnerAccess access, IPushOutbox outbox, IWorkQueue queue, PoisonQueue poison, IOptions<RoamingOptions> options, TimeProvider clock,
    ILogger<PushProcessor> logger) : IQueueProcessor
{
    // A slot that keeps changing while it is sent is sent this often by one message, then handed to a new one.
    private const int RoundsPerSlot = 3;

    private readonly Dictionary<string, IPushSource> _sources = sources.ToDictionary(s => s.Module);
    // Within this instance: one sender at a time per slot, and per partner and object (a retry beside a first push).
    private readonly KeyedLocks<PushSlotRef> _slotLocks = new();
    private readonly KeyedLocks<(string, (string, string, string, string, string?))> _objectLocks = new();

    public string QueueName => PushQueue.QueueName;

    public async Task ProcessAsync(QueueWork work, CancellationToken ct)
    {
        PushMessage message;
        try
        {
            message = JsonSerializer.Deserialize(work.Body.Span, PushJson.Default.PushMessage)
                ?? throw new JsonException("empty push message");
        }
        catch (JsonException e)
        {
            // Unreadable work can never succeed: parked for a person (ParkWithReason) instead of retried.
            throw new UnprocessableMessageException($"not a push message: {e.Message}", e);
        }

        var targets = message.PartnerId is null
            ? (await partners.ListAsync(ct)).Where(p => p.State == PartnerState.Registered).ToList()
            : await partners.GetAsync(message.PartnerId, ct) is { State: PartnerState.Registered } one ? [one] : [];
        var fresh = Fresh(work);
        // A state that may not be sent as carried keeps only its name (the slot is read).
        var drains = (message.Slots ?? []).Distinct().Select(slot => new PushSlotState(slot, null))
            .Concat((message.States ?? []).Select(state => fresh ? state : new PushSlotState(state.Slot, state.Id))).ToList();
        if (drains.Count > 0)
            await Parallel.ForEachAsync(drains, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
                async (drain, token) => await DrainAsync(drain, targets, token));
        if (message.Changes is { Count: > 0 } changes)
            await SendAsync(targets, changes, message.PartnerId is null ? PushTry.First : new PushTry(message.Attempt + 1, message.PutOffSince), ct);
    }

    /// <summary>
    /// Whether the states a message carries may be sent as they are. Only the commit that opened a slot relays its
    /// state, and nothing else names that slot before the outbox sweep, which waits a grace after the opening: a
    /// message seen for the first time within half that grace is the only one about its slot, so the state it carries
    /// is not older than anything sent from the slot yet. Any other (seen again, late, or of unknown age) reads the
    /// slot, so a stale carried object never follows a newer one to a partner.
    /// </summary>
    private bool Fresh(QueueWork work) =>
        work.DequeueCount <= 1 && work.InsertedOn is { } inserted && clock.GetUtcNow() - inserted < options.Value.OutboxSweepGrace / 2;

    /// <summary>
    /// Sends a slot's changes until it stays empty; changes that join meanwhile go out in later rounds. The first round
    /// uses the state its commit left when the message carries it (no read); a slot changed since fails to clear on
    /// its version and is read for the next round. A slot opened again since the message named it (another
    /// <see cref="PushSlotState.Id"/>) is left to its own message.
    /// </summary>
    private async Task DrainAsync(PushSlotState state, IReadOnlyList<Partner> targets, CancellationToken ct)
    {
        var slotRef = state.Slot;
        using var _ = await _slotLocks.LockAsync(slotRef, ct);
        PushSlot? slot = null;
        for (var round = 0; round < RoundsPerSlot; round++)
        {
            slot = round == 0 && state.Carries
                ? new PushSlot(slotRef, state.Changes, state.Version) { Id = state.Id, Content = new PushContent(state.Content) }
                : await outbox.ReadAsync(slotRef, ct);
            if (slot is null || (state.Id is not null && slot.Id != state.Id)) return;
            await SendAsync(targets, slot.Changes, PushTry.First, ct, slot.Content);
            if (await outbox.CompleteAsync(slot, ct)) return;
        }
        logger.LogInformation("Push slot {Partition}/{Row} kept changing while it was sent; handed to a new message", slotRef.Partition, slotRef.Row);
        await outbox.HandOverAsync(slot!, ct);
    }

    /// <summary>Which try this is: the attempt a retry of what fails here carries, and since when a rate limit has put it off.</summary>
    private readonly record struct PushTry(int Attempt, DateTimeOffset? PutOffSince)
    {
        public static PushTry First => new(1, null);
    }

    /// <param name="content">the object the changes are about (one slot's changes are about one), when at hand</param>
    private Task SendAsync(IReadOnlyList<Partner> targets, IReadOnlyList<PushChange> changes, PushTry attempt, CancellationToken ct, PushContent? content = null) =>
        Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (partner, token) => await PushToAsync(partner, changes, attempt, content, token));

    private async Task PushToAsync(Partner partner, IReadOnlyList<PushChange> changes, PushTry attempt, PushContent? content, CancellationToken ct)
    {
        var wanted = new List<PushChange>();
        foreach (var change in changes)
            if (await TakesAsync(partner, change, ct)) wanted.Add(change);
        // Changes to different objects go out side by side; changes to one object in order, one call per
        // distinct change (content is read at send time, so a repeated change adds nothing).
        var perObject = wanted.GroupBy(c => c.ObjectKey).Select(g => (g.Key, Changes: PushChanges.Coalesce(g))).ToList();
        var left = new List<PushChange>();
        var parked = new List<(PushChange Change, PartnerCallException Error)>();
        PartnerCallException? failure = null;
        await Parallel.ForEachAsync(perObject, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (group, token) =>
        {
            using var _ = await _objectLocks.LockAsync((partner.Id, group.Key), token);
            var objectChanges = group.Changes;
            for (var i = 0; i < objectChanges.Count; i++)
            {
                try
                {
                    await SendAsync(partner, objectChanges[i], content, parked, token);
                }
                catch (PushObjectGoneException e)
                {
                    logger.LogWarning("Push to {PartnerId} skipped: {Reason}", partner.Id, e.Message);
                }
                catch (PartnerCallException e)
                {
                    lock (left)
                    {
                        left.AddRange(objectChanges.Skip(i));
                        failure = Decisive(failure, e);
                    }
                    return;
                }
            }
        });
        if (parked.Count > 0) await ParkAsync(partner, parked, attempt.Attempt - 1, ct);
        if (failure is not null) await RetryLaterAsync(partner, left, attempt, failure, ct);
    }

    /// <summary>
    /// Of the failures of one message's changes, the one that decides how all that is left is retried: a failure over a
    /// pace (a try is used even if another object only met the partner's rate limit), else the longest pace asked for.
    /// </summary>
    private static PartnerCallException Decisive(PartnerCallException? kept, PartnerCallException next) =>
        kept?.PaceWait() is not { } keptWait ? kept ?? next
        : next.PaceWait() is not { } nextWait || nextWait > keptWait ? next : kept;

    /// <summary>
    /// One change to one partner. An answer that no retry can change goes to the module's recovery (the spec's GET and
    /// PUT after a failed PATCH), and what that cannot mend is parked instead of being tried again for hours.
    /// </summary>
    private async Task SendAsync(Partner partner, PushChange change, PushContent? content, List<(PushChange, PartnerCallException)> parked, CancellationToken ct)
    {
        var source = _sources[change.Module];
        var client = Client(partner, change);
        try
        {
            await source.SendAsync(change, content, client, ct);
        }
        catch (PartnerCallException refused) when (!refused.IsRetryable())
        {
            var reason = refused;
            try
            {
                if (await source.RecoverAsync(change, client, refused, ct)) return;
            }
            catch (PartnerCallException again) when (!again.IsRetryable())
            {
                reason = again;
            }
            lock (parked) parked.Add((change, reason));
        }
    }

    /// <summary>Refused changes go to the poison queue with the reason, and the partner is flagged: it needs a resync, and the operator sees why.</summary>
    private async Task ParkAsync(Partner partner, List<(PushChange Change, PartnerCallException Error)> parked, int attempt, CancellationToken ct)
    {
        // The partner's answers name the objects; the changes are described by kind and party only (a token's id is personal).
        var reason = "Refused by the partner, not retried: " + string.Join("; ", parked.Take(3).Select(p => $"{p.Change.Module} {p.Change.Kind} of {p.Change.Party}: {p.Error.Message}"))
            + (parked.Count > 3 ? $"; and {parked.Count - 3} more" : "");
        logger.LogError("{Count} pushes to partner {PartnerId} refused; partner needs a resync", parked.Count, partner.Id);
        await Park(new PushMessage(parked.Select(p => p.Change).ToList(), partner.Id, attempt), reason, ct);
        var now = clock.GetUtcNow();
        await partners.UpdateAsync(partner.Id, p =>
        {
            var changed = !p.NeedsResync;
            p.NeedsResync = true;
            foreach (var module in parked.Select(x => x.Change.Module).Distinct()) changed |= p.Flag(PartnerIssues.PushRefused(module), reason, now);
            return changed;
        }, ct);
    }

    /// <summary>
    /// Whether the partner takes this change: a counterpart of the module's owner with its receiver interface; a change
    /// addressed to one party only the connection holding it, or a hub that party is known behind.
    /// </summary>
    private async Task<bool> TakesAsync(Partner partner, PushChange change, CancellationToken ct)
    {
        if (!_sources.TryGetValue(change.Module, out var source) || catalog.FindModule(change.Module) is not { Pushes: true } module) return false;
        // An answer to a partner's own request goes to that partner alone, at a URL it gave or its listed interface.
        if (change.PartnerId is { } only) return only == partner.Id && clients.Reaches(partner, change.Module);
        if (!clients.Offers(partner, change.Module, source.Target)) return false;
        if (change.To is { } to) return await access.MayActForAsync(partner, to, null, ct);
        return partner.Roles.Any(r => r.Role is { } role && module.Counterparts.Contains(role));
    }

    /// <summary>From our party that owns the object, to the partner's party that receives it.</summary>
    private InterfaceClient Client(Partner partner, PushChange change)
    {
        var module = catalog.Module(change.Module);
        var target = _sources[change.Module].Target;
        var receiver = change.To ?? partner.Roles.First(r => r.Role is { } role && module.Counterparts.Contains(role)).Key;
        var routing = new RoutingHeaders(change.Party, receiver);
        return (change.PartnerId is null ? clients.Find(partner, change.Module, target, routing) : clients.Answering(partner, change.Module, target, routing))!;
    }

    /// <summary>A partner's changes in the poison queue with the reason, as every queue parks (replayed from there as a retry for that partner).</summary>
    private Task Park(PushMessage message, string reason, CancellationToken ct) =>
        poison.ParkAsync(QueueName, JsonSerializer.SerializeToUtf8Bytes(message, PushJson.Default.PushMessage), reason, message.Attempt, null, ct);

    private async Task RetryLaterAsync(Partner partner, List<PushChange> left, PushTry @try, PartnerCallException error, CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        if (error.PaceWait(@try.PutOffSince, now, o.PacePatience) is { } pace)
        {
            // A rate limit (a hub's, or the pace set for the partner here) is the partner's pace, not a failure: asked
            // again when it says, without using up a try, so a long backlog is not parked and the partner not marked
            // for a resync. Bounded in time, so a partner that only ever answers 429 still fails in the end.
            var wait = pace < o.PushMaxRetryDelay ? pace : o.PushMaxRetryDelay;
            logger.LogInformation("Push of {Count} changes to partner {PartnerId} put off by its rate limit; again in {Delay}", left.Count, partner.Id, wait);
            await queue.SendAsync(QueueName, JsonSerializer.SerializeToUtf8Bytes(new PushMessage(left, partner.Id, @try.Attempt - 1, PutOffSince: @try.PutOffSince ?? now),
                PushJson.Default.PushMessage), wait, ct);
            return;
        }
        var attempt = @try.Attempt;
        if (attempt > o.PushMaxAttempts)
        {
            logger.LogError("Push of {Count} changes to partner {PartnerId} failed {Attempts} times; partner needs a resync", left.Count, partner.Id, attempt - 1);
            await Park(new PushMessage(left, partner.Id, attempt), $"Failed {attempt - 1} times, the last: {error.Message}", ct);
            await partners.UpdateAsync(partner.Id, p =>
            {
                if (p.NeedsResync) return false;
                p.NeedsResync = true;
                return true;
            }, ct);
            return;
        }
        var retry = JsonSerializer.SerializeToUtf8Bytes(new PushMessage(left, partner.Id, attempt, PutOffSince: @try.PutOffSince), PushJson.Default.PushMessage);
        var delay = TimeSpan.FromTicks(Math.Min(o.PushRetryDelay.Ticks * (1L << Math.Min(attempt - 1, 20)), o.PushMaxRetryDelay.Ticks));
        // A partner that says when (a hub's rate limit: 429 with Retry-After) is not asked again before then; the objects
        // are read when sent, so what changed meanwhile goes with them.
        if (error.RetryAfter is { } asked && asked > delay) delay = asked < o.PushMaxRetryDelay ? asked : o.PushMaxRetryDelay;
        logger.LogWarning("Push of {Count} changes to partner {PartnerId} failed ({Error}); try {Attempt} in {Delay}", left.Count, partner.Id, error.Message, attempt, delay);
        await queue.SendAsync(QueueName, retry, delay, ct);
    }
}

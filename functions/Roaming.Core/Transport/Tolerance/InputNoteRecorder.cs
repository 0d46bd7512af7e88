using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Roaming.Core.Storage;

namespace Roaming.Core.Transport.Tolerance;

/// <summary>
/// Keeps per partner what its input needed (<see cref="InputNotes"/>), so the operator can tell it what to fix.
/// <para>
/// Cheap by design: counts are added up in memory per partner and written by one flush at a time (a read and
/// a transaction of the partner's rows of the day); a request that finds a flush under way only adds to what
/// that flush writes next, and returns. So a burst of sloppy requests costs a few writes, never contention on
/// a counter row, and the request that flushes waits for its write (nothing is left to a background thread a
/// serverless host may freeze). A failed write keeps its counts for the next flush; counts are diagnostics and
/// never fail a request.
/// </para>
/// <para>
/// Kept for <see cref="WindowDays"/> days, no longer: the examples are a partner's data, and nothing reads older
/// days. The first flush of a partner each day (per instance) removes the days before the window.
/// </para>
/// </summary>
public sealed class InputNoteRecorder(IInputNoteStore store, TimeProvider clock, ILogger<InputNoteRecorder> logger)
{
    /// <summary>How far back the operator's partner view adds up.</summary>
    public const int WindowDays = 30;

    private readonly ConcurrentDictionary<string, Pending> _pending = new();
    private readonly ConcurrentDictionary<string, DateOnly> _pruned = new();

    private sealed class Pending
    {
        public readonly Dictionary<(string, InputAction, string), InputNoteCount> Counts = [];
        public bool Flushing;

        public void Merge(IEnumerable<InputNoteCount> counts)
        {
            foreach (var c in counts)
            {
                var key = (c.Field, c.Action, c.Kind);
                Counts[key] = Counts.TryGetValue(key, out var was) ? c with { Count = was.Count + c.Count } : c;
            }
        }
    }

    public async Task RecordAsync(string partnerId, InputNotes notes, CancellationToken ct)
    {
        if (notes.IsEmpty) return;
        var pending = _pending.GetOrAdd(partnerId, _ => new Pending());
        lock (pending)
        {
            pending.Merge(notes.Counts(clock.GetUtcNow()));
            if (pending.Flushing) return;
            pending.Flushing = true;
        }
        while (true)
        {
            List<InputNoteCount> batch;
            lock (pending)
            {
                if (pending.Counts.Count == 0)
                {
                    pending.Flushing = false;
                    return;
                }
                batch = [.. pending.Counts.Values];
                pending.Counts.Clear();
            }
            var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
            try
            {
                await store.AddAsync(partnerId, today, batch, ct);
            }
            catch (Exception e)
            {
                lock (pending)
                {
                    pending.Merge(batch);
                    pending.Flushing = false;
                }
                if (e is not OperationCanceledException) logger.LogWarning(e, "Input notes of partner {PartnerId} not written; kept for the next request", partnerId);
                return;
            }
            await PruneOnceADayAsync(partnerId, today, ct);
        }
    }

    /// <summary>Removes the partner's days before the window, the first time a day; a failure waits for the next flush (what was added stays added).</summary>
    private async Task PruneOnceADayAsync(string partnerId, DateOnly today, CancellationToken ct)
    {
        if (_pruned.TryGetValue(partnerId, out var last) && last == today) return;
        try
        {
            var removed = await store.PruneAsync(partnerId, FirstDay(today), ct);
            _pruned[partnerId] = today;
            if (removed > 0) logger.LogInformation("Input notes of partner {PartnerId}: {Count} rows older than {Days} days removed", partnerId, removed, WindowDays);
        }
        catch (Exception e)
        {
            if (e is not OperationCanceledException) logger.LogWarning(e, "Old input notes of partner {PartnerId} not removed; tried again at its next flush", partnerId);
        }
    }

    /// <summary>The partner's counts over the last <see cref="WindowDays"/> days.</summary>
    public async Task<InputCorrections> ListAsync(string partnerId, CancellationToken ct)
    {
        var since = FirstDay(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        return new InputCorrections(since, [.. await store.ListAsync(partnerId, since, ct)]);
    }

    private static DateOnly FirstDay(DateOnly today) => today.AddDays(-WindowDays + 1);
}

/// <summary>What a partner's input needed since a day: the operator's view of it.</summary>
public sealed record InputCorrections(DateOnly Since, List<InputNoteCount> Items);

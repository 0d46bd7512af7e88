using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using Roaming.Core.Transport;

namespace Roaming.Core.Partners;

/// <summary>
/// Our calls to a partner kept under the rate the operator set for it (<see cref="Partner.OutboundRequestsPerMinute"/>:
/// a hub's published limit, such as 2,000 status pushes a minute). A call waits its turn, spread evenly over the
/// minute rather than in one burst; one that would wait longer than <see cref="MaxWait"/> is not sent and fails as the
/// partner's own 429 would, with a Retry-After, so the push and pull channels put it off the way they already do for
/// a partner that refused it. The pace is per instance: with N instances the partner sees up to N times the rate.
/// </summary>
public sealed class OutboundPace : IDisposable
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (int Rate, TokenBucketRateLimiter Limiter)> _limiters = new(StringComparer.Ordinal);

    public async ValueTask WaitAsync(Partner partner, CancellationToken ct)
    {
        if (partner.OutboundRequestsPerMinute is not { } rate) return;
        var limiter = LimiterFor(partner.Id, rate);
        // A call that would wait longer than MaxWait fails now rather than after waiting that long: the calls queued
        // ahead of it say how long its turn is.
        if (limiter.GetStatistics() is { CurrentAvailablePermits: 0 } stats && TimeSpan.FromMinutes(1) * (stats.CurrentQueuedCount + 1) / rate > MaxWait)
            throw Paced(partner, rate);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(MaxWait);
        try
        {
            using var lease = await limiter.AcquireAsync(1, timeout.Token);
            if (lease.IsAcquired) return;
            // Failed because the operator changed the rate meanwhile (the old limiter was disposed): go on; the next
            // call waits at the new rate.
            if (!_limiters.TryGetValue(partner.Id, out var now) || now.Limiter != limiter) return;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
        catch (ObjectDisposedException) { return; } // the operator changed the rate meanwhile: go on at the new one next time
        throw Paced(partner, rate);
    }

    private static PartnerCallException Paced(Partner partner, int rate) =>
        new($"Not sent to partner {partner.Id}: more calls are waiting than its pace of {rate} a minute lets through in {MaxWait.TotalSeconds:F0} s.",
            HttpStatusCode.TooManyRequests) { RetryAfter = MaxWait, NotSent = true };

    /// <summary>The partner's limiter at this rate; one made for a rate that changed, or by a call that lost a race to store its own, is disposed (each holds a timer).</summary>
    private TokenBucketRateLimiter LimiterFor(string partnerId, int rate)
    {
        while (true)
        {
            _limiters.TryGetValue(partnerId, out var current);
            if (current.Limiter is not null && current.Rate == rate) return current.Limiter;
            var made = (Rate: rate, Limiter: Create(rate));
            if (current.Limiter is null ? _limiters.TryAdd(partnerId, made) : _limiters.TryUpdate(partnerId, made, current))
            {
                current.Limiter?.Dispose();
                return made.Limiter;
            }
            made.Limiter.Dispose();
        }
    }

    /// <summary>An even pace of exactly <paramref name="perMinute"/>: about a second's share at a time (at least one call), each share after its part of the minute.</summary>
    private static TokenBucketRateLimiter Create(int perMinute)
    {
        var tokens = Math.Max(1, perMinute / 60);
        var period = TimeSpan.FromMinutes(1) * tokens / perMinute;
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokens,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    public void Dispose()
    {
        foreach (var (_, limiter) in _limiters.Values) limiter.Dispose();
    }
}

using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Roaming.Core.Platform;

/// <summary>
/// Settings "Roaming:RateLimit:*": a token bucket per partner connection. A request takes a token; the bucket holds
/// at most <see cref="TokenLimit"/> (the burst a partner may send at once) and gets <see cref="TokensPerPeriod"/>
/// back every <see cref="ReplenishmentPeriod"/> (the pace it may keep up).
/// </summary>
public sealed class RateLimitOptions
{
    public bool Enabled { get; set; } = true;
    public int TokenLimit { get; set; } = 300;
    public int TokensPerPeriod { get; set; } = 100;
    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<string> Problems()
    {
        if (TokenLimit < 1) yield return "Roaming:RateLimit:TokenLimit must be 1 or more.";
        if (TokensPerPeriod < 1) yield return "Roaming:RateLimit:TokensPerPeriod must be 1 or more.";
        if (ReplenishmentPeriod <= TimeSpan.Zero) yield return "Roaming:RateLimit:ReplenishmentPeriod must be positive.";
    }
}

/// <summary>
/// Requests counted per partner connection (not per address: a hub speaks for many parties from few addresses, and
/// one partner's burst must not starve the others). A request over the budget is refused at once, with the time
/// until a token is back; nothing waits in a queue.
/// </summary>
public sealed class PartnerRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    public PartnerRateLimiter(IOptions<RoamingOptions> options)
    {
        var o = options.Value.RateLimit;
        if (!o.Enabled) return;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = o.TokenLimit,
            TokensPerPeriod = o.TokensPerPeriod,
            ReplenishmentPeriod = o.ReplenishmentPeriod,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(partnerId => RateLimitPartition.GetTokenBucketLimiter(partnerId, _ => bucket));
    }

    /// <summary>Takes a request from the partner's budget.</summary>
    /// <returns>null when the request may go on; otherwise how long the partner should wait</returns>
    public TimeSpan? Refuse(string partnerId)
    {
        if (_limiter is null) return null;
        using var lease = _limiter.AttemptAcquire(partnerId);
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => _limiter?.Dispose();
}

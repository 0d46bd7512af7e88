using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;
using Roaming.Core.Types;

namespace Roaming.Core.ChargingProfiles;

/// <summary>
/// How often a CPO takes charging profile requests for one session (the spec lets it refuse more with TOO_OFTEN, to
/// spare the charge point and its link): per session and kind of request (set, get, clear) a burst of
/// <see cref="RoamingOptions.ChargingProfileBurst"/>, then one more every <see cref="RoamingOptions.ChargingProfileInterval"/>.
/// Counted per instance, like the partner rate limit.
/// </summary>
public sealed class ChargingProfilePace : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public ChargingProfilePace(IOptions<RoamingOptions> options)
    {
        var o = options.Value;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = o.ChargingProfileBurst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = o.ChargingProfileInterval,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => bucket));
    }

    /// <summary>Takes one request of the session's budget for its kind; false: too often.</summary>
    public bool Take(PartyKey ours, string sessionId, string type)
    {
        using var lease = _limiter.AttemptAcquire($"{ours}|{sessionId.ToUpperInvariant()}|{type}");
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}

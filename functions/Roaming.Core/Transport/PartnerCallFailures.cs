using System.Net;

namespace Roaming.Core.Transport;

/// <summary>The one rule for whether a failed call to a partner is worth repeating unchanged.</summary>
public static class PartnerCallFailures
{
    /// <summary>
    /// Transport failures, timeouts, HTTP 5xx and the passing kinds of 4xx (401/403: credentials the partner or an
    /// operator may fix, whatever envelope comes with them; 408/425/429: too early or too many) may pass later, as may
    /// 3xxx server errors and the hub's 4000, 4002 and 4003. A 2xxx answer says the partner cannot process what we sent
    /// (status_codes: client errors), and so does any other HTTP 4xx, a refused redirect, and a hub's 4001 (no such
    /// receiver): sending the same again gets the same answer.
    /// </summary>
    public static bool IsRetryable(this PartnerCallException e)
    {
        var http = (int?)e.HttpStatus;
        if (http is 401 or 403 or 408 or 425 or 429 or >= 500) return true;
        if (e.OcpiStatus is >= 2000 and < 3000 or 4001) return false;
        return http is not (>= 300 and < 500);
    }

    /// <summary>A 429 that names no Retry-After is asked again after this.</summary>
    public static readonly TimeSpan UnnamedPace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long to wait when the partner set a pace rather than failed: a 429 (a hub's rate limit, often without an
    /// OCPI envelope, or the pace set for the partner here) after its Retry-After or <see cref="UnnamedPace"/>, a 503
    /// with Retry-After after that. Null for anything else: a failure, which uses up a try.
    /// </summary>
    public static TimeSpan? PaceWait(this PartnerCallException e) => e.HttpStatus switch
    {
        HttpStatusCode.TooManyRequests => e.RetryAfter ?? UnnamedPace,
        HttpStatusCode.ServiceUnavailable => e.RetryAfter,
        _ => null,
    };

    /// <summary>
    /// <see cref="PaceWait(PartnerCallException)"/> while the partner has put the work off for less than
    /// <paramref name="patience"/> since <paramref name="putOffSince"/> (null: first put off now); after that null, and
    /// its refusals use up tries like any failure, so a partner that only ever answers 429 fails in the end.
    /// </summary>
    public static TimeSpan? PaceWait(this PartnerCallException e, DateTimeOffset? putOffSince, DateTimeOffset now, TimeSpan patience) =>
        now - (putOffSince ?? now) < patience ? e.PaceWait() : null;
}

using Azure;
using Roaming.Core.Transport;

namespace Roaming.Azure.Tables;

/// <summary>
/// Optimistic concurrency on Table Storage: a write guarded by what was read fails when someone wrote first, and is
/// tried again from a fresh read after a randomized, growing wait (10 ms doubling to 1 s, about 4 s in all). When
/// the other writers keep winning for that long, the caller is told to try again later (3000, HTTP 503).
/// </summary>
internal static class StorageRetry
{
    public const int MaxAttempts = 12;

    /// <summary>Someone else wrote first: the row exists (409), changed (412) or went (404) since it was read.</summary>
    public static bool IsConflict(RequestFailedException e) => e.Status is 404 or 409 or 412;

    public static Task BackoffAsync(int attempt, CancellationToken ct)
    {
        var ceiling = Math.Min(1000, 10 << Math.Min(attempt - 1, 7));
        return Task.Delay(Random.Shared.Next(ceiling / 2, ceiling + 1), ct);
    }

    public static TryAgainLaterException GaveUp(string what) =>
        new($"{what} is being changed by many requests at once; try again.");
}

using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Roaming.Core.Credentials;
using Roaming.Core.Platform;
using Roaming.Core.Storage;

namespace Roaming.Core.Partners;

/// <summary>
/// Authenticated credentials tokens kept in memory for <see cref="RoamingOptions.TokenCacheTime"/>, so a request
/// that needs nothing from storage makes no storage call. Entries are keyed by a keyed hash of the Authorization
/// header (no token is kept in clear) and hold the partner as it was read. Every change of a partner or of a token
/// hash made through this instance's store empties the cache before and after the write
/// (<see cref="InvalidatingPartnerStore"/>), and a lookup that read storage while a change ran is not kept: a
/// revocation or rotation made here takes effect here at once; other instances see it once their entries expire.
/// Only tokens that authenticate are kept, so unknown tokens cannot fill it.
/// </summary>
public sealed class PartnerTokenCache(TokenProtector protector, IOptions<RoamingOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<HeaderKey, Entry> _entries = new();
    private readonly TimeSpan _lifetime = options.Value.TokenCacheTime;
    private long _epoch;

    /// <summary>A partner, as authenticated by a header, until <paramref name="Expires"/>.</summary>
    public sealed record Entry(Partner Partner, bool WasBase64, bool FullAccess, DateTimeOffset Expires);

    /// <summary>Read before a lookup in storage and handed to <see cref="Add"/>: what changed meanwhile is not cached.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>The key of a header, its keyed hash; null when no entry is kept for it (caching off, or a header too long to hash here).</summary>
    public HeaderKey? KeyOf(string header)
    {
        if (_lifetime <= TimeSpan.Zero) return null;
        Span<byte> hash = stackalloc byte[32];
        return protector.TryHash(header, hash) ? MemoryMarshal.Read<HeaderKey>(hash) : null;
    }

    public bool TryGet(HeaderKey key, out Entry entry)
    {
        entry = null!;
        if (!_entries.TryGetValue(key, out var found)) return false;
        if (found.Expires <= clock.GetUtcNow())
        {
            _entries.TryRemove(new KeyValuePair<HeaderKey, Entry>(key, found));
            return false;
        }
        entry = found;
        return true;
    }

    /// <param name="key">the header's key (<see cref="KeyOf"/>)</param>
    /// <param name="epoch">the <see cref="Epoch"/> read before the partner was read from storage</param>
    public void Add(HeaderKey key, long epoch, Partner partner, bool wasBase64, bool fullAccess)
    {
        var entry = new Entry(partner, wasBase64, fullAccess, clock.GetUtcNow() + _lifetime);
        _entries[key] = entry;
        // A change that began after the read may have emptied the cache before this entry was in it.
        if (Epoch != epoch) _entries.TryRemove(new KeyValuePair<HeaderKey, Entry>(key, entry));
        if (_entries.Count > MaxEntries) RemoveExpired();
    }

    /// <summary>A partner or a token changed in this instance: nothing cached may answer for it any more.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _epoch);
        _entries.Clear();
    }

    // Entries are made only by tokens that authenticate; this bounds what many partners' headers in both encodings hold.
    private const int MaxEntries = 10_000;

    private void RemoveExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var (key, entry) in _entries)
            if (entry.Expires <= now) _entries.TryRemove(new KeyValuePair<HeaderKey, Entry>(key, entry));
    }

    /// <summary>A header's keyed hash, as 32 bytes compared whole.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public readonly record struct HeaderKey(ulong A, ulong B, ulong C, ulong D);
}

/// <summary>
/// The partner store as the rest of the endpoint uses it: every write (a partner record, a token hash) empties the
/// token cache before and after it, so no request in this instance is answered from what the write replaced.
/// </summary>
public sealed class InvalidatingPartnerStore(IPartnerStore inner, PartnerTokenCache cache) : IPartnerStore
{
    public Task<Partner?> GetAsync(string partnerId, CancellationToken ct) => inner.GetAsync(partnerId, ct);

    public Task<IReadOnlyList<Partner>> ListAsync(CancellationToken ct) => inner.ListAsync(ct);

    public Task<string?> FindPartnerIdByTokenHashAsync(string tokenHash, CancellationToken ct) => inner.FindPartnerIdByTokenHashAsync(tokenHash, ct);

    public Task CreateAsync(Partner partner, CancellationToken ct) => WriteAsync(() => inner.CreateAsync(partner, ct));

    public Task UpdateAsync(Partner partner, CancellationToken ct) => WriteAsync(() => inner.UpdateAsync(partner, ct));

    public Task DeleteAsync(string partnerId, CancellationToken ct) => WriteAsync(() => inner.DeleteAsync(partnerId, ct));

    public Task AddTokenHashAsync(string tokenHash, string partnerId, CancellationToken ct) => WriteAsync(() => inner.AddTokenHashAsync(tokenHash, partnerId, ct));

    public Task RemoveTokenHashAsync(string tokenHash, CancellationToken ct) => WriteAsync(() => inner.RemoveTokenHashAsync(tokenHash, ct));

    private async Task WriteAsync(Func<Task> write)
    {
        cache.Invalidate();
        try { await write(); }
        finally { cache.Invalidate(); }
    }
}

public static class PartnerStoreRegistration
{
    /// <summary>Registers the one implementation of <see cref="IPartnerStore"/>, behind the token cache's invalidation.</summary>
    public static IServiceCollection AddPartnerStore<TStore>(this IServiceCollection services) where TStore : class, IPartnerStore =>
        services.AddSingleton<TStore>()
            .AddSingleton<IPartnerStore>(sp => new InvalidatingPartnerStore(sp.GetRequiredService<TStore>(), sp.GetRequiredService<PartnerTokenCache>()));
}

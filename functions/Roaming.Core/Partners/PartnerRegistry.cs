using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Roaming.Core.Credentials;
using Roaming.Core.Storage;
using Roaming.Core.Transport;

namespace Roaming.Core.Partners;

/// <summary>A request's authenticated caller and how far its token reaches.</summary>
/// <param name="partner">as read from storage, or from the token cache: shared by concurrent requests, read-only</param>
/// <param name="header">the Authorization header as presented: held, never shown (a class, not a record, so no ToString prints it)</param>
public sealed class Authenticated(Partner partner, string header, bool wasBase64, bool fullAccess)
{
    public Partner Partner { get; } = partner;

    public bool WasBase64 { get; } = wasBase64;

    public bool FullAccess { get; } = fullAccess;

    /// <summary>The token as presented, decoded from the header when asked for (the credentials endpoint needs it), so it is not kept.</summary>
    public string Token => AuthorizationHeader.Candidates(header).First(c => c.WasBase64 == WasBase64).Token;
}

/// <summary>
/// Partner connections and their tokens. Every token change is ordered so that a crash between two writes
/// leaves no token that opens more than it should: a new token's index entry is written first, the partner
/// record (the truth, ETag-checked) second, the old index entry removed last; a stale index entry is
/// harmless because authentication checks it against the partner record.
/// </summary>
public sealed class PartnerRegistry(IPartnerStore store, IPartyReservations reservations, TokenProtector protector, PartnerTokenCache cache,
    TimeProvider clock, ILogger<PartnerRegistry> logger)
{
    public IPartnerStore Store => store;

    /// <summary>The caller a credentials token names: from the token cache, or, for <paramref name="fresh"/> or when not cached, from storage.</summary>
    /// <param name="fresh">read from storage (a request that will change the partner needs its current record and ETag)</param>
    public async Task<Authenticated?> AuthenticateAsync(string? authorizationHeader, bool fresh, CancellationToken ct)
    {
        if (authorizationHeader is null) return null;
        // The header's keyed hash, once for the lookup and the entry a miss adds.
        var key = fresh ? null : cache.KeyOf(authorizationHeader);
        if (key is { } known && cache.TryGet(known, out var hit)) return new Authenticated(hit.Partner, authorizationHeader, hit.WasBase64, hit.FullAccess);
        var epoch = cache.Epoch;
        foreach (var candidate in AuthorizationHeader.Candidates(authorizationHeader))
        {
            var hash = protector.Hash(candidate.Token);
            var partnerId = await store.FindPartnerIdByTokenHashAsync(hash, ct);
            if (partnerId is null) continue;
            var partner = await store.GetAsync(partnerId, ct);
            if (partner is null || partner.State == PartnerState.Unregistered) continue;
            var current = FixedTimeEquals(partner.InboundTokenHash, hash);
            var pending = FixedTimeEquals(partner.PendingTokenHash, hash);
            if (!current && !pending) continue;
            var fullAccess = current && partner.State == PartnerState.Registered;
            // A fresh read is the caller's to change; only what no request changes is shared through the cache.
            if (key is { } missed) cache.Add(missed, epoch, partner, candidate.WasBase64, fullAccess);
            return new Authenticated(partner, authorizationHeader, candidate.WasBase64, fullAccess);
        }
        return null;
    }

    /// <summary>Creates an invitation: a partner record in state Invited and its Token A.</summary>
    /// <param name="roles">what the partner may be; null: an open invitation (see <see cref="PartnerAccess"/>)</param>
    public async Task<(Partner Partner, string TokenA)> InviteAsync(string? name, List<PartyRole>? roles, CancellationToken ct)
    {
        var tokenA = CredentialsToken.New();
        var now = clock.GetUtcNow();
        var partner = new Partner
        {
            Id = NewPartnerId(),
            Name = name,
            InvitedRoles = roles,
            State = PartnerState.Invited,
            InboundTokenHash = protector.Hash(tokenA),
            Created = now,
            Updated = now,
        };
        await store.AddTokenHashAsync(partner.InboundTokenHash, partner.Id, ct);
        await store.CreateAsync(partner, ct);
        logger.LogInformation("Invitation {PartnerId} created", partner.Id);
        return (partner, tokenA);
    }

    /// <summary>Starts a registration we initiate: the partner may call us with <paramref name="tokenB"/> while our POST is under way.</summary>
    /// <param name="roles">what the partner may be; null: as an open invitation</param>
    public async Task<Partner> BeginOutboundRegistrationAsync(string? name, List<PartyRole>? roles, string versionsUrl, string tokenB, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var partner = new Partner
        {
            Id = NewPartnerId(),
            Name = name,
            InvitedRoles = roles,
            State = PartnerState.Registering,
            VersionsUrl = versionsUrl,
            InboundTokenHash = protector.Hash(tokenB),
            Created = now,
            Updated = now,
        };
        await store.AddTokenHashAsync(partner.InboundTokenHash, partner.Id, ct);
        await store.CreateAsync(partner, ct);
        return partner;
    }

    /// <summary>Removes a registration that never completed, with its token.</summary>
    public async Task AbandonAsync(Partner partner, CancellationToken ct)
    {
        if (partner.InboundTokenHash is not null) await store.RemoveTokenHashAsync(partner.InboundTokenHash, ct);
        await store.DeleteAsync(partner.Id, ct);
        await ReleasePartiesAsync(partner, ct);
    }

    /// <summary>Adds a token the partner may use from now on, before it is promised to the partner.</summary>
    public async Task<string> AddPendingTokenAsync(Partner partner, string token, CancellationToken ct)
    {
        var hash = protector.Hash(token);
        await store.AddTokenHashAsync(hash, partner.Id, ct);
        partner.PendingTokenHash = hash;
        await SaveAsync(partner, ct);
        return hash;
    }

    /// <summary>Drops a pending token whose exchange failed.</summary>
    public async Task DropPendingTokenAsync(Partner partner, CancellationToken ct)
    {
        if (partner.PendingTokenHash is not { } hash) return;
        partner.PendingTokenHash = null;
        await SaveAsync(partner, ct);
        await store.RemoveTokenHashAsync(hash, ct);
    }

    /// <summary>
    /// Makes <paramref name="newInboundToken"/> the partner's only token and saves the rest of the partner as
    /// <paramref name="apply"/> changed it. The partner must not have changed since it was read (ETag).
    /// </summary>
    public async Task CommitAsync(Partner partner, string newInboundToken, Action<Partner> apply, CancellationToken ct)
    {
        var newHash = protector.Hash(newInboundToken);
        var oldHashes = new[] { partner.InboundTokenHash, partner.PendingTokenHash }.Where(h => h is not null && h != newHash).ToList();
        if (partner.PendingTokenHash != newHash) await store.AddTokenHashAsync(newHash, partner.Id, ct);
        apply(partner);
        partner.InboundTokenHash = newHash;
        partner.PendingTokenHash = null;
        try
        {
            await SaveAsync(partner, ct);
        }
        catch (ConcurrencyException)
        {
            if (!oldHashes.Contains(newHash)) await store.RemoveTokenHashAsync(newHash, ct);
            throw;
        }
        foreach (var old in oldHashes) await store.RemoveTokenHashAsync(old!, ct);
    }

    /// <summary>Ends a connection: no token of the partner works any more; the record stays for the audit trail.</summary>
    public async Task UnregisterAsync(Partner partner, CancellationToken ct)
    {
        var hashes = new[] { partner.InboundTokenHash, partner.PendingTokenHash }.Where(h => h is not null).ToList();
        partner.State = PartnerState.Unregistered;
        partner.InboundTokenHash = null;
        partner.PendingTokenHash = null;
        partner.OutboundTokenProtected = null;
        await SaveAsync(partner, ct);
        foreach (var hash in hashes) await store.RemoveTokenHashAsync(hash!, ct);
        await ReleasePartiesAsync(partner, ct);
        logger.LogInformation("Partner {PartnerId} unregistered", partner.Id);
    }

    /// <summary>The parties a connection held are free for another once it has ended (its record keeps them for the audit trail).</summary>
    private async Task ReleasePartiesAsync(Partner partner, CancellationToken ct)
    {
        foreach (var party in partner.ReservedParties.ToList()) await reservations.ReleaseAsync(party, partner.Id, ct);
    }

    public async Task SaveAsync(Partner partner, CancellationToken ct)
    {
        partner.Updated = clock.GetUtcNow();
        await store.UpdateAsync(partner, ct);
    }

    /// <summary>
    /// Remembers the token encoding that got past a partner's authentication after the other was refused, so every later
    /// call uses it at once. Never overrides an encoding the operator fixed.
    /// </summary>
    public async Task RememberTokenEncodingAsync(Partner partner, bool base64, CancellationToken ct)
    {
        if (partner.OutboundTokenEncodingFixed || partner.OutboundTokenBase64 == base64) return;
        partner.OutboundTokenBase64 = base64;
        logger.LogInformation("Partner {PartnerId} takes its token {Encoding}; remembered", partner.Id, base64 ? "Base64-encoded" : "raw");
        await store.UpdateAsync(partner.Id, p =>
        {
            if (p.OutboundTokenEncodingFixed || p.OutboundTokenBase64 == base64) return false;
            p.OutboundTokenBase64 = base64;
            p.Updated = clock.GetUtcNow();
            return true;
        }, ct);
    }

    public PartnerToken OutboundToken(Partner partner) =>
        partner.OutboundTokenProtected is { } p
            ? new PartnerToken(protector.Unprotect(p), partner.OutboundTokenBase64)
            : throw new InvalidOperationException($"Partner {partner.Id} has no token to call it with.");

    public string Protect(string token) => protector.Protect(token);

    public static bool IsPartnerId(string id) =>
        id.Length == 18 && id.StartsWith("p-", StringComparison.Ordinal) && id.AsSpan(2).ContainsAnyExcept("0123456789abcdef") == false;

    private static string NewPartnerId() => "p-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    private static bool FixedTimeEquals(string? a, string b) =>
        a is not null && a.Length == b.Length && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(a), System.Text.Encoding.ASCII.GetBytes(b));
}

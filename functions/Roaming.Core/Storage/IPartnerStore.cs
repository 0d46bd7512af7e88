using Roaming.Core.Partners;

namespace Roaming.Core.Storage;

/// <summary>
/// Partner connections and the index from a presented token's hash to its partner.
/// The partner record is the truth; an index entry only points at it and is checked against it.
/// </summary>
public interface IPartnerStore
{
    Task<Partner?> GetAsync(string partnerId, CancellationToken ct);
    Task<IReadOnlyList<Partner>> ListAsync(CancellationToken ct);
    /// <summary>Inserts a new partner; sets its ETag.</summary>
    Task CreateAsync(Partner partner, CancellationToken ct);
    /// <summary>Replaces the partner if its ETag still matches; sets the new ETag. Throws <see cref="ConcurrencyException"/> otherwise.</summary>
    Task UpdateAsync(Partner partner, CancellationToken ct);
    Task DeleteAsync(string partnerId, CancellationToken ct);

    Task<string?> FindPartnerIdByTokenHashAsync(string tokenHash, CancellationToken ct);
    Task AddTokenHashAsync(string tokenHash, string partnerId, CancellationToken ct);
    Task RemoveTokenHashAsync(string tokenHash, CancellationToken ct);
}

/// <summary>Someone else changed the record first (ETag mismatch); reread and try again.</summary>
public sealed class ConcurrencyException(string message) : Exception(message);

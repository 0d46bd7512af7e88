using Roaming.Core.Tariffs;
using Roaming.Core.Types;

namespace Roaming.Core.Storage;

/// <summary>Tariffs, one record each, listed in key order with a cursor.</summary>
public interface ITariffStore
{
    Task<Tariff?> GetAsync(DataScope scope, PartyKey party, string tariffId, CancellationToken ct);
    /// <returns>true when the tariff is new.</returns>
    Task<bool> PutAsync(DataScope scope, Tariff tariff, CancellationToken ct);
    /// <returns>false when there was nothing to delete.</returns>
    Task<bool> DeleteAsync(DataScope scope, PartyKey party, string tariffId, CancellationToken ct);
    Task<TariffPage> ListAsync(DataScope scope, TariffQuery query, CancellationToken ct);
    /// <summary>Removes received tariffs of these parties not stored since a full sync started.</summary>
    Task<int> DeleteNotSeenSinceAsync(IReadOnlyCollection<PartyKey> parties, DateTimeOffset syncStarted, CancellationToken ct);
}

public sealed record TariffQuery(PartyKey? Party, DateTimeOffset? DateFrom, DateTimeOffset? DateTo, int Offset, int Limit, string? Continuation);

public sealed record TariffPage(IReadOnlyList<Tariff> Items, int TotalCount, string? Continuation);

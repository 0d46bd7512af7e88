using Roaming.Core.Types;

namespace Roaming.Core.Storage;

/// <summary>A party's place, held by one partner connection since <see cref="Reserved"/>.</summary>
/// <param name="Version">storage concurrency token: a take-over succeeds only if nobody changed the row meanwhile</param>
public sealed record PartyReservation(PartyKey Party, string PartnerId, DateTimeOffset Reserved, string Version);

/// <summary>
/// One row per party (country_code + party_id, whatever the role), inserted by an operation that fails when the row
/// exists: of two connections claiming a party at the same moment exactly one gets it.
/// </summary>
public interface IPartyReservations
{
    /// <summary>Reserves the party for the partner unless it is reserved already.</summary>
    /// <returns>the reservation that stands afterwards (the partner's own, or another's) and whether this call made it</returns>
    Task<(PartyReservation Standing, bool Made)> ReserveAsync(PartyKey party, string partnerId, CancellationToken ct);

    /// <summary>Moves a reservation left behind to another partner, if it is still as read.</summary>
    Task<bool> TakeOverAsync(PartyReservation stale, string partnerId, CancellationToken ct);

    Task<PartyReservation?> GetAsync(PartyKey party, CancellationToken ct);

    /// <summary>Removes the party's reservation if, and only if, it is the partner's.</summary>
    Task ReleaseAsync(PartyKey party, string partnerId, CancellationToken ct);
}

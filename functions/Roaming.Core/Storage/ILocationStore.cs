using Roaming.Core.Locations;
using Roaming.Core.Push;
using Roaming.Core.Types;

namespace Roaming.Core.Storage;

/// <summary>Whose data a stored object is: ours to publish (we are the CPO), or received from a partner CPO.</summary>
public enum DataScope
{
    Own,
    Received,
}

/// <summary>
/// Locations with their EVSEs. A location is stored as a header and one record per EVSE, so a 1,000-EVSE
/// location fits the storage limits and an EVSE change costs a constant number of operations, not a rewrite.
/// </summary>
public interface ILocationStore
{
    /// <summary>The location with its EVSEs, or null.</summary>
    Task<Location?> GetAsync(DataScope scope, PartyKey party, string locationId, CancellationToken ct);

    /// <summary>The location without its EVSEs (cheap), or null.</summary>
    Task<Location?> GetHeaderAsync(DataScope scope, PartyKey party, string locationId, CancellationToken ct);

    Task<Evse?> GetEvseAsync(DataScope scope, PartyKey party, string locationId, string evseUid, CancellationToken ct);

    /// <summary>Stores the whole location, replacing any earlier one; readers see the old or the new, never a mix.</summary>
    /// <param name="push">the push this change causes, recorded with it (see <see cref="IPartyObjectStore{T}"/>)</param>
    /// <returns>true when the location is new.</returns>
    Task<bool> PutAsync(DataScope scope, Location location, PushChange? push, CancellationToken ct);

    /// <summary>
    /// Changes one EVSE (null when it does not exist yet) and sets the location's last_updated, in one
    /// transaction; retried on a concurrent change, so two simultaneous updates both take effect.
    /// </summary>
    /// <exception cref="Transport.NotFoundException">the location does not exist (2003).</exception>
    Task<Evse> UpdateEvseAsync(DataScope scope, PartyKey party, string locationId, string evseUid, Func<Evse?, Evse> change,
        DateTimeOffset locationLastUpdated, PushChange? push, CancellationToken ct);

    /// <summary>Changes the location's own fields (not its EVSEs), retried on a concurrent change.</summary>
    Task<Location> UpdateHeaderAsync(DataScope scope, PartyKey party, string locationId, Func<Location, Location> change, PushChange? push, CancellationToken ct);

    Task<LocationPage> ListAsync(DataScope scope, LocationQuery query, CancellationToken ct);

    /// <summary>How many received locations of the query's parties a full pull did not see, of how many.</summary>
    Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct);

    /// <summary>Removes received locations a full pull did not see (the pages together are the truth).</summary>
    Task<int> DeleteNotSeenAsync(NotSeenQuery query, CancellationToken ct);
}

/// <param name="Party">Only this party's locations, or all of the scope.</param>
/// <param name="Status">Only locations with at least one EVSE in this status.</param>
/// <param name="Continuation">The cursor of the previous page, from <see cref="LocationPage.Continuation"/>.</param>
public sealed record LocationQuery(PartyKey? Party, DateTimeOffset? DateFrom, DateTimeOffset? DateTo, EvseStatus? Status,
    int Offset, int Limit, string? Continuation);

/// <param name="Continuation">Where the next page starts, or null after the last page.</param>
public sealed record LocationPage(IReadOnlyList<Location> Items, int TotalCount, string? Continuation);

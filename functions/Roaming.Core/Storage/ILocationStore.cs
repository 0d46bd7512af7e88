using Roaming.Core.Locations;
using Roaming.Core.Push;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Storage;

/// <summary>Whose data a stored object is: ours to publish (we are the CPO), or received from a partner CPO.</summary>
public enum DataScope
{
    Own,
    Received,
}

/// <summary>
/// Locations with their EVSEs. A location is stored as its own fields and one record per EVSE, so a 1,000-EVSE
/// location fits the storage limits, changes of different EVSEs never wait for each other, and an EVSE change costs
/// a constant number of operations, not a rewrite. A location's last_updated as read is the latest of its own and
/// its EVSEs' (the spec: an EVSE's change updates its location's), so an EVSE change never writes the location.
/// </summary>
public interface ILocationStore
{
    /// <summary>The location with its EVSEs, or null.</summary>
    Task<Location?> GetAsync(DataScope scope, PartyKey party, string locationId, CancellationToken ct);

    /// <summary>The location's own fields (no EVSEs; last_updated of its own fields), or null. Cheap.</summary>
    Task<Location?> GetHeaderAsync(DataScope scope, PartyKey party, string locationId, CancellationToken ct);

    Task<Evse?> GetEvseAsync(DataScope scope, PartyKey party, string locationId, string evseUid, CancellationToken ct);

    /// <summary>Stores the whole location, replacing any earlier one; readers see the old or the new, never a mix.</summary>
    /// <param name="onlyIfNewer">keep a stored location whose last_updated is later (a receiver never goes back in time)</param>
    /// <param name="push">the push this change causes, recorded with it (see <see cref="IPushOutbox"/>)</param>
    Task<PutOutcome> PutAsync(DataScope scope, Location location, bool onlyIfNewer, PushChange? push, CancellationToken ct);

    /// <summary>
    /// Changes a location's own fields and/or some of its EVSEs, each from its state at that moment. Concurrent changes
    /// of one location are applied together and one after the other (never lost); a change of one EVSE waits only for
    /// other changes of that EVSE. An EVSE whose change fails (its function throws an <see cref="OcpiException"/>) is
    /// reported in its outcome and the others still apply.
    /// </summary>
    /// <exception cref="NotFoundException">the location does not exist (2003).</exception>
    /// <exception cref="TryAgainLaterException">concurrent writers kept winning for longer than retries wait.</exception>
    Task<LocationUpdateResult> UpdateAsync(DataScope scope, PartyKey party, string locationId, LocationUpdate update, CancellationToken ct);

    Task<LocationPage> ListAsync(DataScope scope, LocationQuery query, CancellationToken ct);

    /// <summary>How many received locations of the query's parties a full pull did not see, of how many.</summary>
    Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct);

    /// <summary>Removes received locations a full pull did not see (the pages together are the truth).</summary>
    Task<int> DeleteNotSeenAsync(NotSeenQuery query, CancellationToken ct);
}

/// <summary>A change of a location's own fields and/or of some of its EVSEs.</summary>
/// <param name="Fields">gets the location's own fields (no EVSEs) and returns the new ones, or null to leave them</param>
/// <param name="FieldsPush">the push a change of the own fields causes</param>
public sealed record LocationUpdate(
    Func<Location, Location?>? Fields = null,
    Func<Location, PushChange?>? FieldsPush = null,
    IReadOnlyList<EvseUpdate>? Evses = null);

/// <param name="Change">gets the EVSE (null: not there yet) and returns the new one, or null to leave it as it is</param>
/// <param name="Push">the push the new EVSE causes</param>
public sealed record EvseUpdate(string Uid, Func<Evse?, Evse?> Change, Func<Evse, PushChange?>? Push = null);

/// <param name="Fields">the location's own fields afterwards</param>
/// <param name="Evses">one outcome per <see cref="LocationUpdate.Evses"/> item, in order</param>
public sealed record LocationUpdateResult(Location Fields, IReadOnlyList<EvseOutcome> Evses);

/// <param name="Evse">the EVSE after this item's change (null: it does not exist)</param>
/// <param name="Error">why this item was not applied</param>
public sealed record EvseOutcome(Evse? Evse, EvseChange Change, OcpiException? Error = null);

public enum EvseChange
{
    Created,
    Replaced,
    /// <summary>The change function left it as it was (e.g. a stored EVSE newer than the update).</summary>
    Unchanged,
    Failed,
}

/// <param name="Party">Only this party's locations, or all of the scope.</param>
/// <param name="Status">Only locations with at least one EVSE in this status.</param>
/// <param name="Continuation">The cursor of the previous page, from <see cref="LocationPage.Continuation"/>.</param>
public sealed record LocationQuery(PartyKey? Party, DateTimeOffset? DateFrom, DateTimeOffset? DateTo, EvseStatus? Status,
    int Offset, int Limit, string? Continuation);

/// <param name="Continuation">Where the next page starts, or null after the last page.</param>
public sealed record LocationPage(IReadOnlyList<Location> Items, int TotalCount, string? Continuation);

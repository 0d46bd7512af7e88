using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations;

/// <summary>
/// A status change of one of our EVSEs, stored with its push (a PATCH of status and last_updated): the back office's
/// status updates and a reservation's RESERVED (commands) go through this one way.
/// </summary>
public static class EvseStatusChanges
{
    /// <summary>The change of one EVSE's status, for a location update (several of them are applied together).</summary>
    public static EvseUpdate Update(PartyKey party, string locationId, string evseUid, EvseStatus status, DateTimeOffset now) =>
        new(evseUid, before =>
        {
            var evse = before ?? throw new NotFoundException($"Unknown EVSE {evseUid}.", OcpiStatus.UnknownLocation);
            return evse with { Status = status, LastUpdated = OcpiDateTime.LaterThan(now, evse.LastUpdated) };
        }, _ => new PushChange(ModuleIds.Locations, PushKind.Patch, party.CountryCode, party.PartyId, locationId, evseUid, Fields: ["status"]));

    /// <exception cref="NotFoundException">the location or EVSE does not exist (2003)</exception>
    public static async Task<Evse> SetAsync(ILocationStore store, PartyKey party, string locationId, string evseUid, EvseStatus status,
        DateTimeOffset now, CancellationToken ct)
    {
        var result = await store.UpdateAsync(DataScope.Own, party, locationId, new LocationUpdate(Evses: [Update(party, locationId, evseUid, status, now)]), ct);
        return result.Evses[0] switch
        {
            { Error: { } error } => throw error,
            { Evse: { } evse } => evse,
            _ => throw new NotFoundException($"Unknown EVSE {evseUid}.", OcpiStatus.UnknownLocation),
        };
    }
}

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
    /// <exception cref="NotFoundException">the location or EVSE does not exist (2003)</exception>
    public static Task<Evse> SetAsync(ILocationStore store, PartyKey party, string locationId, string evseUid, EvseStatus status,
        DateTimeOffset now, CancellationToken ct) =>
        store.UpdateEvseAsync(DataScope.Own, party, locationId, evseUid,
            before => (before ?? throw new NotFoundException($"Unknown EVSE {evseUid}.", OcpiStatus.UnknownLocation)) with { Status = status, LastUpdated = now },
            now, new PushChange(ModuleIds.Locations, PushKind.Patch, party.CountryCode, party.PartyId, locationId, evseUid, Fields: ["status"]), ct);
}

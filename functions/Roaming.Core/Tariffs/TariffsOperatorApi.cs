using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Core.Tariffs;

/// <summary>
/// The back office's tariffs on /operator/tariffs: add, replace or remove ours (stored, then pushed), and read ours
/// or partners' (scope=received), paged.
/// </summary>
public sealed class TariffsOperatorApi(PartyObjectsOperatorApi<Tariff> api) : IRouteGroup
{
    public void Map(RouteTable routes) => api.Map(routes, "/operator/tariffs", (t, party, address, now) =>
        t with { CountryCode = party.CountryCode, PartyId = party.PartyId, Id = address.Id, LastUpdated = t.LastUpdated ?? now });
}

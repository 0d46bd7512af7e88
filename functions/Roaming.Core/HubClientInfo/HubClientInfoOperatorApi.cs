using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Core.HubClientInfo;

/// <summary>
/// What hubs reported, read-only, on /operator/hubclientinfo (scope=received; paged): each entry names the hub
/// connection and its ClientInfo. One entry: /operator/hubclientinfo/{country_code}/{party_id}/{hub partner id}.
/// </summary>
public sealed class HubClientInfoOperatorApi(PartyObjectsOperatorApi<ReportedClientInfo> api) : IRouteGroup
{
    public void Map(RouteTable routes) => api.Map(routes, "/operator/hubclientinfo", complete: null, delete: false);
}

using Roaming.Core.Transport;

namespace Roaming.Core.Platform;

/// <summary>
/// Routes outside the module declarations: the operator API (partners here, each module's back-office routes in
/// its folder) and the versions endpoints.
/// </summary>
public interface IRouteGroup
{
    void Map(RouteTable routes);
}

using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Core.Versions;

/// <summary>
/// The versions module: GET /ocpi/versions lists every version some module is declared in; GET /ocpi/{version}
/// lists each interface served in it for the roles this platform hosts (credentials once, as SENDER, as the
/// spec advises). Both are read from the declarations, so what we advertise is what we serve.
/// </summary>
public sealed class VersionsModule(ModuleCatalog catalog) : IRouteGroup
{
    public void Map(RouteTable routes)
    {
        routes.Map("GET", OcpiPaths.Versions, RouteAccess.Handshake, ctx =>
        {
            var list = catalog.Versions.Select(v => new VersionInfo { Version = v, Url = ctx.Url(OcpiPaths.VersionDetails(v)) }).ToList();
            return Task.FromResult(OcpiResult.Ok(list, VersionsJson.Default.ListVersionInfo));
        });
        foreach (var version in catalog.Versions)
        {
            routes.Map("GET", OcpiPaths.VersionDetails(version), RouteAccess.Handshake, ctx =>
            {
                var details = new VersionDetails { Version = version, Endpoints = EndpointsFor(ctx, version) };
                return Task.FromResult(OcpiResult.Ok(details, VersionsJson.Default.VersionDetails));
            });
        }
    }

    private List<Endpoint> EndpointsFor(OcpiContext ctx, string version) =>
        catalog.Interfaces(version, ctx.Options.HostedRoles)
            .Select(i => new Endpoint { Identifier = i.Module.Identifier, Role = i.Interface.Role, Url = ctx.Url(i.Path) })
            .ToList();
}

using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Core.Versions;

/// <summary>
/// GET /ocpi/versions and GET /ocpi/2.2.1. The details list every endpoint the modules declare for the
/// roles this platform hosts; credentials once, as SENDER, as the spec advises.
/// </summary>
public sealed class VersionsModule(Func<IEnumerable<IOcpiModule>> modules) : IOcpiModule
{
    public IEnumerable<ModuleEndpoint> Endpoints => [];

    public void Map(RouteTable routes)
    {
        routes.Map("GET", OcpiPaths.Versions, RouteAccess.Handshake, ctx =>
        {
            List<VersionInfo> list = [new() { Version = OcpiPaths.Version, Url = ctx.Url(OcpiPaths.VersionDetails) }];
            return Task.FromResult(OcpiResult.Ok(list, VersionsJson.Default.ListVersionInfo));
        });
        routes.Map("GET", OcpiPaths.VersionDetails, RouteAccess.Handshake, ctx =>
        {
            var details = new VersionDetails { Version = OcpiPaths.Version, Endpoints = EndpointsFor(ctx) };
            return Task.FromResult(OcpiResult.Ok(details, VersionsJson.Default.VersionDetails));
        });
    }

    private List<Endpoint> EndpointsFor(OcpiContext ctx)
    {
        var hosted = ctx.Options.Parties.Select(p => p.Role).ToHashSet();
        return modules()
            .SelectMany(m => m.Endpoints)
            .Where(e => e.OwnRole is null || hosted.Contains(e.OwnRole.Value))
            .DistinctBy(e => (e.Identifier, e.Role, e.Path))
            .Select(e => new Endpoint { Identifier = e.Identifier, Role = e.Role, Url = ctx.Url(e.Path) })
            .ToList();
    }
}

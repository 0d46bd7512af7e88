using Roaming.Core.Transport;

namespace Roaming.Core.Platform;

/// <summary>
/// The routes of one interface of one module in one version, relative to the interface's path, which the platform
/// derived from the declaration. A functional module's routes need a registered partner; a configuration
/// module's (credentials) any token we know.
/// </summary>
public sealed class InterfaceRoutes(RouteTable table, ServedInterface face)
{
    public ServedInterface Interface => face;

    public void Get(string relative, OcpiHandler handler) => Map("GET", relative, handler);
    public void Post(string relative, OcpiHandler handler) => Map("POST", relative, handler);
    public void Put(string relative, OcpiHandler handler) => Map("PUT", relative, handler);
    public void Patch(string relative, OcpiHandler handler) => Map("PATCH", relative, handler);
    public void Delete(string relative, OcpiHandler handler) => Map("DELETE", relative, handler);

    public void Map(string method, string relative, OcpiHandler handler) =>
        table.Map(method, face.Path + relative, face.Module.Configuration ? RouteAccess.Handshake : RouteAccess.Registered, handler, face);
}

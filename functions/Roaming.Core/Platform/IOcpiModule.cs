using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Platform;

/// <summary>
/// One OCPI module: the endpoints it offers (the version details list is built from these, so what we
/// advertise is what we serve) and its routes.
/// </summary>
public interface IOcpiModule
{
    IEnumerable<ModuleEndpoint> Endpoints { get; }
    void Map(RouteTable routes);
}

/// <summary>An endpoint a module offers, for the own parties of <paramref name="OwnRole"/> (null: every platform).</summary>
public sealed record ModuleEndpoint(string Identifier, InterfaceRole Role, Role? OwnRole, string Path);

/// <summary>The URL layout. The version sits in every path, as the spec advises; role folders keep CPO and eMSP interfaces apart.</summary>
public static class OcpiPaths
{
    public const string Version = "2.2.1";
    public const string Versions = "/ocpi/versions";
    public const string VersionDetails = "/ocpi/" + Version;
    public const string Credentials = "/ocpi/" + Version + "/credentials";

    public static string ForRole(Role role, string moduleId) => $"/ocpi/{RoleFolder(role)}/{Version}/{moduleId}";

    public static string RoleFolder(Role role) => role switch
    {
        Role.Cpo => "cpo",
        Role.Emsp => "emsp",
        Role.Hub => "hub",
        _ => role.ToString().ToLowerInvariant(),
    };
}

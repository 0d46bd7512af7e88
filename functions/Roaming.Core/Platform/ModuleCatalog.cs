using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Platform;

/// <summary>
/// Every module and every version it is served in, read from the declarations. The versions list, the version
/// details, route mapping, the 3002 "unsupported version" answer, version negotiation with partners and the
/// choice of wire mappers for a call all ask this one place; nothing else names a version.
/// </summary>
public sealed class ModuleCatalog
{
    private readonly Dictionary<string, ModuleDeclaration> _modules;
    private readonly Dictionary<(string Module, string Version), IModuleVersion> _versions;

    /// <param name="extraVersions">versions registered on their own (a test's version, a version added by a deployment)</param>
    public ModuleCatalog(IEnumerable<IOcpiModule> modules, IEnumerable<IModuleVersion> extraVersions)
    {
        _modules = [];
        foreach (var module in modules)
        {
            var declaration = module.Declaration;
            if (!_modules.TryAdd(declaration.Identifier, declaration))
                throw new InvalidOperationException($"Module {declaration.Identifier} is declared twice.");
        }
        _versions = [];
        foreach (var version in _modules.Values.SelectMany(m => m.Versions).Concat(extraVersions))
        {
            if (!_modules.ContainsKey(version.Module)) throw new InvalidOperationException($"Version {version.Version} names an undeclared module {version.Module}.");
            if (!_versions.TryAdd((version.Module, version.Version), version))
                throw new InvalidOperationException($"Module {version.Module} declares version {version.Version} twice.");
        }
        Versions = _versions.Keys.Select(k => k.Version).Distinct().OrderByDescending(v => v, VersionOrder.Instance).ToList();
    }

    public IEnumerable<ModuleDeclaration> Modules => _modules.Values;

    /// <summary>The versions served, newest first.</summary>
    public IReadOnlyList<string> Versions { get; }

    public bool Serves(string version) => Versions.Contains(version, StringComparer.Ordinal);

    public ModuleDeclaration Module(string identifier) =>
        _modules.TryGetValue(identifier, out var m) ? m : throw new InvalidOperationException($"No module {identifier} is declared.");

    public ModuleDeclaration? FindModule(string identifier) => _modules.GetValueOrDefault(identifier);

    /// <summary>The module's wire mappers for a version, or null when it is not served in that version.</summary>
    public TWire? Wire<TWire>(string module, string? version) where TWire : class =>
        version is not null && _versions.TryGetValue((module, version), out var v) ? (TWire)v.Wire : null;

    public bool Offers(string module, string? version) => version is not null && _versions.ContainsKey((module, version));

    /// <summary>Every interface served in a version, with its path; <paramref name="hosted"/> limits it to the roles this platform hosts.</summary>
    public IEnumerable<ServedInterface> Interfaces(string version, IReadOnlySet<Role>? hosted = null)
    {
        foreach (var ((module, v), declared) in _versions)
        {
            if (v != version) continue;
            var declaration = _modules[module];
            foreach (var face in declaration.Interfaces)
            {
                if (declared.Only is { } only && !only.Contains(face.Role)) continue;
                if (hosted is not null && face.HostedBy is { } role && !hosted.Contains(role)) continue;
                yield return new ServedInterface(declaration, face, version, declared.Wire, OcpiPaths.Interface(version, face.HostedBy, module));
            }
        }
    }

    /// <summary>The newest version both sides serve, from the versions a partner lists.</summary>
    public string? Negotiate(IEnumerable<string?> partnerVersions) =>
        partnerVersions.Where(v => v is not null && Serves(v)).OrderByDescending(v => v, VersionOrder.Instance).FirstOrDefault();
}

/// <summary>An interface as served: which module, which role, in which version, at which path.</summary>
public sealed record ServedInterface(ModuleDeclaration Module, InterfaceDeclaration Interface, string Version, object Wire, string Path);

/// <summary>Orders version numbers by their numeric parts ("2.2.1" after "2.2", "2.10" after "2.9").</summary>
public sealed class VersionOrder : IComparer<string?>
{
    public static readonly VersionOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        var a = (x ?? "").Split('.', '-');
        var b = (y ?? "").Split('.', '-');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            if (i >= a.Length) return -1;
            if (i >= b.Length) return 1;
            var c = int.TryParse(a[i], out var na) && int.TryParse(b[i], out var nb) ? na.CompareTo(nb) : string.CompareOrdinal(a[i], b[i]);
            if (c != 0) return c;
        }
        return 0;
    }
}

/// <summary>
/// The URL layout, derived: <c>/ocpi/{version}/{module}</c> for the platform's own interfaces (credentials),
/// <c>/ocpi/{role}/{version}/{module}</c> for a role's (the version in every path, as the spec advises; role
/// folders keep CPO and eMSP interfaces of one platform apart).
/// </summary>
public static class OcpiPaths
{
    public const string Versions = "/ocpi/versions";

    public static string VersionDetails(string version) => "/ocpi/" + version;

    public static string Interface(string version, Role? hostedBy, string module) =>
        hostedBy is { } role ? $"/ocpi/{RoleFolder(role)}/{version}/{module}" : $"/ocpi/{version}/{module}";

    public static string RoleFolder(Role role) => role switch
    {
        Role.Cpo => "cpo",
        Role.Emsp => "emsp",
        Role.Hub => "hub",
        _ => role.ToString().ToLowerInvariant(),
    };
}

using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Platform;

/// <summary>
/// One OCPI module, declared once. The platform derives everything else from it: the routes of each interface
/// in each version, the version details, version negotiation with partners, and the push and pull channels in
/// whichever direction <see cref="Owner"/> gives (a CPO's locations flow to eMSPs, an eMSP's tokens to CPOs).
/// </summary>
public sealed record ModuleDeclaration(string Identifier)
{
    /// <summary>The role whose objects this module carries (CPO for locations, eMSP for tokens); null for modules without objects.</summary>
    public Role? Owner { get; init; }

    /// <summary>The roles that receive the owner's objects (push) and may read them (pull): the other side of the module.</summary>
    public IReadOnlyList<Role> Counterparts { get; init; } = [];

    /// <summary>How its objects are addressed on a receiver interface.</summary>
    public ObjectKeying Keying { get; init; } = ObjectKeying.None;

    /// <summary>The owner pushes changes of its objects to the counterparts' receiver interfaces.</summary>
    public bool Pushes { get; init; }

    /// <summary>A counterpart may pull the owner's objects from its sender interface (paginated GET).</summary>
    public bool Pulls { get; init; }

    /// <summary>Not a functional module (versions, credentials): no OCPI-to/-from routing, usable during registration.</summary>
    public bool Configuration { get; init; }

    /// <summary>
    /// Its object ids identify EV drivers (token uids; IEC 63119-1 clause 8): the platform never writes them in logs or
    /// error messages, not even inside a partner URL or a partner's status_message.
    /// </summary>
    public bool PersonalIds { get; init; }

    /// <summary>
    /// Its objects hold personal data though their ids do not (a session's or CDR's cdr_token): they never ride in a
    /// queue message, their push reads them where they are stored. Modules with <see cref="PersonalIds"/> are treated so too.
    /// </summary>
    public bool PersonalData { get; init; }

    /// <summary>An object id as a log line or error message may show it.</summary>
    public string Shown(string id) => PersonalIds ? "(id withheld)" : id;

    /// <summary>The interfaces, the same in every version unless a version says otherwise.</summary>
    public IReadOnlyList<InterfaceDeclaration> Interfaces { get; init; } = [];

    /// <summary>The versions it is served in, each with its wire mappers (a folder per version beside the module).</summary>
    public IReadOnlyList<IModuleVersion> Versions { get; init; } = [];

    /// <summary>Whether a partner in <paramref name="role"/> may hold objects of this module (write them on our receiver).</summary>
    public bool OwnedBy(Role? role) => Owner is { } owner && role == owner;
}

/// <summary>How a module's objects are addressed on a receiver interface.</summary>
public enum ObjectKeying
{
    /// <summary>No objects of its own (commands, versions, credentials).</summary>
    None,
    /// <summary>Client-owned objects under <c>{country_code}/{party_id}/{id}</c> of the owner (transport_and_format).</summary>
    ClientOwned,
}

/// <summary>
/// One interface of a module: its role (sender or receiver), the own role that hosts it (null: the platform itself,
/// as for credentials), and how it maps its routes given a version's wire mappers. The handlers are resolved from
/// dependency injection when the routes are mapped, so a declaration is data with no dependencies of its own.
/// </summary>
public sealed record InterfaceDeclaration(InterfaceRole Role, Role? HostedBy, Action<IServiceProvider, InterfaceRoutes, object> Map)
{
    /// <summary>An interface whose routes are served by <typeparamref name="THandler"/>.</summary>
    public static InterfaceDeclaration Of<THandler, TWire>(InterfaceRole role, Role? hostedBy, Action<THandler, InterfaceRoutes, TWire> map)
        where THandler : notnull where TWire : class =>
        new(role, hostedBy, (services, routes, wire) => map(services.GetRequiredService<THandler>(), routes, (TWire)wire));

    /// <summary>An interface whose routes need no service.</summary>
    public static InterfaceDeclaration Of<TWire>(InterfaceRole role, Role? hostedBy, Action<InterfaceRoutes, TWire> map) where TWire : class =>
        new(role, hostedBy, (_, routes, wire) => map(routes, (TWire)wire));
}

/// <summary>A version a module is served in, with the wire mappers between its stored objects and that version's JSON.</summary>
public interface IModuleVersion
{
    string Module { get; }
    string Version { get; }
    object Wire { get; }
    /// <summary>The interfaces this version has, when it has fewer than the module declares (null: all of them).</summary>
    IReadOnlyList<InterfaceRole>? Only { get; }
}

/// <typeparam name="TWire">the module's set of wire mappers (e.g. the Location, EVSE and Connector mappers)</typeparam>
public sealed record ModuleVersion<TWire>(string Module, string Version, TWire Wire, IReadOnlyList<InterfaceRole>? Only = null) : IModuleVersion
    where TWire : class
{
    object IModuleVersion.Wire => Wire;
}

/// <summary>A module as the platform finds it in dependency injection: a class that declares it (and needs no service to do so).</summary>
public interface IOcpiModule
{
    ModuleDeclaration Declaration { get; }
}

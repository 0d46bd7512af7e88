using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Roaming.Core.Platform;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Partners;

/// <summary>
/// The typed way to call a partner's module interface: the endpoint it registered for the version negotiated with
/// it, our token for it, and the routing headers of the call, set once. Push and pull code never assembles URLs,
/// tokens or headers by hand.
/// </summary>
public sealed class PartnerClients(OcpiClient client, PartnerRegistry registry, ModuleCatalog catalog, OutboundPace pace)
{
    /// <summary>The partner's interface of a module, or null when it offers none we can speak (or no such module in our version).</summary>
    /// <param name="routing">both parties of the call: every request to a functional module names them (transport_and_format, message routing)</param>
    public InterfaceClient? Find(Partner partner, string module, InterfaceRole role, RoutingHeaders routing)
    {
        if (routing.From is null || routing.To is null)
            throw new InvalidOperationException($"A call to the {module} module names both parties; from {routing.From}, to {routing.To}.");
        if (!Offers(partner, module, role)) return null;
        return new InterfaceClient(client, registry, pace, partner, partner.FindEndpoint(module, role)!.Url!, routing, catalog, catalog.Module(module).PersonalIds);
    }

    /// <summary>Whether the partner offers the interface in its version, and we hold a token to call it with.</summary>
    public bool Offers(Partner partner, string module, InterfaceRole role) =>
        Reaches(partner, module) && partner.FindEndpoint(module, role)?.Url is not null;

    /// <summary>Whether we can call the partner in the module at all: registered, a token for it, the module in its version.</summary>
    public bool Reaches(Partner partner, string module) =>
        partner.State == PartnerState.Registered && partner.OutboundTokenProtected is not null && catalog.Offers(module, partner.Version);

    /// <summary>
    /// The partner's interface for answers to its own requests (a command's result to the response_url it gave,
    /// <see cref="InterfaceClient.SendToAsync{T}"/>): its listed URL when it lists the interface, none otherwise (the spec
    /// leaves a sender's URLs to the sender, so a partner need not list them); null when <see cref="Reaches"/> is false.
    /// </summary>
    public InterfaceClient? Answering(Partner partner, string module, InterfaceRole role, RoutingHeaders routing)
    {
        if (routing.From is null || routing.To is null)
            throw new InvalidOperationException($"A call to the {module} module names both parties; from {routing.From}, to {routing.To}.");
        if (!Reaches(partner, module)) return null;
        return new InterfaceClient(client, registry, pace, partner, partner.FindEndpoint(module, role)?.Url, routing, catalog, catalog.Module(module).PersonalIds);
    }
}

/// <summary>One partner's interface of one module, ready to call.</summary>
public sealed class InterfaceClient
{
    private readonly OcpiClient _client;
    private readonly PartnerRegistry _registry;
    private readonly OutboundPace _pace;
    private readonly bool _personalIds;
    private readonly ModuleCatalog _catalog;

    internal InterfaceClient(OcpiClient client, PartnerRegistry registry, OutboundPace pace, Partner partner, string? url, RoutingHeaders routing, ModuleCatalog catalog,
        bool personalIds)
    {
        _client = client;
        _registry = registry;
        _pace = pace;
        _personalIds = personalIds;
        _catalog = catalog;
        Partner = partner;
        Url = url;
        Routing = routing;
    }

    public Partner Partner { get; }
    /// <summary>The interface's URL as the partner registered it; null for an answering client of an interface the partner does not list.</summary>
    public string? Url { get; }
    public RoutingHeaders Routing { get; }
    /// <summary>The OCPI version negotiated with the partner: the wire shape of everything sent and read.</summary>
    public string Version => Partner.Version!;

    /// <summary>The module's wire mappers for the partner's version.</summary>
    public TWire Wire<TWire>(string module) where TWire : class =>
        _catalog.Wire<TWire>(module, Version) ?? throw new InvalidOperationException($"Module {module} is not served in version {Version}.");

    /// <summary>A call to the interface URL extended by <paramref name="segments"/> (each escaped), with an optional query.</summary>
    public Task<PartnerResponse<T>> SendAsync<T>(HttpMethod method, IReadOnlyList<string> segments, JsonTypeInfo<T>? response,
        Action<Utf8JsonWriter>? body = null, string? query = null, CancellationToken ct = default) =>
        Send(method, Address(segments, query), response, body, ShownAs(segments), ct);

    /// <summary>
    /// A call to a URL the partner gave (a next-page link, a response_url), with this interface's token and headers. A 401
    /// is tried once more with the token encoded the other way, and what gets through is remembered for the partner.
    /// </summary>
    /// <param name="shownAs">how logs and errors name the call when the URL carries what they must not show (a secret the partner put in a response_url)</param>
    public Task<PartnerResponse<T>> SendToAsync<T>(HttpMethod method, string url, JsonTypeInfo<T>? response,
        Action<Utf8JsonWriter>? body = null, CancellationToken ct = default, string? shownAs = null) =>
        Send(method, url, response, body, shownAs, ct);

    private async Task<PartnerResponse<T>> Send<T>(HttpMethod method, string url, JsonTypeInfo<T>? response, Action<Utf8JsonWriter>? body, string? shownAs,
        CancellationToken ct)
    {
        // Each call waits its turn, the second try with the other token encoding too: the partner counts both.
        return await TokenEncoding.CallAsync(_registry.OutboundToken(Partner), !Partner.OutboundTokenEncodingFixed,
            async token =>
            {
                await _pace.WaitAsync(Partner, ct);
                return await _client.SendAsync(method, url, token, response, body, Routing, ct: ct, shownAs: shownAs);
            },
            worked => _registry.RememberTokenEncodingAsync(Partner, worked.Base64, ct));
    }

    /// <summary>A module whose ids are personal data: the call is named by the interface URL and "…" per segment below it.</summary>
    private string? ShownAs(IReadOnlyList<string> segments) =>
        _personalIds && segments.Count > 0 ? Listed.TrimEnd('/') + string.Concat(Enumerable.Repeat("/…", segments.Count)) : null;

    public string Address(IReadOnlyList<string> segments, string? query = null)
    {
        var url = new StringBuilder(Listed.TrimEnd('/'));
        foreach (var segment in segments) url.Append('/').Append(Uri.EscapeDataString(segment));
        if (!string.IsNullOrEmpty(query)) url.Append(Listed.Contains('?') ? '&' : '?').Append(query);
        return url.ToString();
    }

    // Nothing to call: as final as a hub's "unknown receiver", so the push channel parks it rather than retrying.
    private string Listed => Url ?? throw new PartnerCallException(
        $"Partner {Partner.Id} lists no such interface; only URLs it gave can be called on this one.", ocpiStatus: OcpiStatus.UnknownReceiver);
}

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
public sealed class PartnerClients(OcpiClient client, PartnerRegistry registry, ModuleCatalog catalog)
{
    /// <summary>The partner's interface of a module, or null when it offers none we can speak (or no such module in our version).</summary>
    /// <param name="routing">both parties of the call: every request to a functional module names them (transport_and_format, message routing)</param>
    public InterfaceClient? Find(Partner partner, string module, InterfaceRole role, RoutingHeaders routing)
    {
        if (routing.From is null || routing.To is null)
            throw new InvalidOperationException($"A call to the {module} module names both parties; from {routing.From}, to {routing.To}.");
        if (!Offers(partner, module, role)) return null;
        return new InterfaceClient(client, registry, partner, partner.FindEndpoint(module, role)!.Url!, routing, catalog, catalog.Module(module).PersonalIds);
    }

    /// <summary>Whether the partner offers the interface in its version, and we hold a token to call it with.</summary>
    public bool Offers(Partner partner, string module, InterfaceRole role) =>
        partner.State == PartnerState.Registered && partner.OutboundTokenProtected is not null
        && catalog.Offers(module, partner.Version) && partner.FindEndpoint(module, role)?.Url is not null;
}

/// <summary>One partner's interface of one module, ready to call.</summary>
public sealed class InterfaceClient
{
    private readonly OcpiClient _client;
    private readonly PartnerRegistry _registry;
    private readonly bool _personalIds;
    private readonly ModuleCatalog _catalog;

    internal InterfaceClient(OcpiClient client, PartnerRegistry registry, Partner partner, string url, RoutingHeaders routing, ModuleCatalog catalog, bool personalIds)
    {
        _client = client;
        _registry = registry;
        _personalIds = personalIds;
        _catalog = catalog;
        Partner = partner;
        Url = url;
        Routing = routing;
    }

    public Partner Partner { get; }
    /// <summary>The interface's URL as the partner registered it.</summary>
    public string Url { get; }
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
    public Task<PartnerResponse<T>> SendToAsync<T>(HttpMethod method, string url, JsonTypeInfo<T>? response,
        Action<Utf8JsonWriter>? body = null, CancellationToken ct = default) =>
        Send(method, url, response, body, null, ct);

    private Task<PartnerResponse<T>> Send<T>(HttpMethod method, string url, JsonTypeInfo<T>? response, Action<Utf8JsonWriter>? body, string? shownAs, CancellationToken ct) =>
        TokenEncoding.CallAsync(_registry.OutboundToken(Partner), !Partner.OutboundTokenEncodingFixed,
            token => _client.SendAsync(method, url, token, response, body, Routing, ct: ct, shownAs: shownAs),
            worked => _registry.RememberTokenEncodingAsync(Partner, worked.Base64, ct));

    /// <summary>A module whose ids are personal data: the call is named by the interface URL and "…" per segment below it.</summary>
    private string? ShownAs(IReadOnlyList<string> segments) =>
        _personalIds && segments.Count > 0 ? Url.TrimEnd('/') + string.Concat(Enumerable.Repeat("/…", segments.Count)) : null;

    public string Address(IReadOnlyList<string> segments, string? query = null)
    {
        var url = new StringBuilder(Url.TrimEnd('/'));
        foreach (var segment in segments) url.Append('/').Append(Uri.EscapeDataString(segment));
        if (!string.IsNullOrEmpty(query)) url.Append(Url.Contains('?') ? '&' : '?').Append(query);
        return url.ToString();
    }
}

using Microsoft.Extensions.Logging;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Credentials;

/// <summary>
/// The credentials module as server (a partner registers with us): GET ours, POST to register with a
/// Token A, PUT to rotate/update, DELETE to unregister, with 405 for a call in the wrong state.
/// </summary>
public sealed class CredentialsModule(PartnerRegistry registry, PartnerDiscovery discovery, IEnumerable<Sync.IRegistrationListener> listeners,
    ILogger<CredentialsModule> logger) : IOcpiModule
{
    public IEnumerable<ModuleEndpoint> Endpoints => [new(ModuleIds.Credentials, InterfaceRole.Sender, null, OcpiPaths.Credentials)];

    public void Map(RouteTable routes)
    {
        routes.Map("GET", OcpiPaths.Credentials, RouteAccess.Handshake, Get);
        routes.Map("POST", OcpiPaths.Credentials, RouteAccess.Handshake, Post);
        routes.Map("PUT", OcpiPaths.Credentials, RouteAccess.Handshake, Put);
        routes.Map("DELETE", OcpiPaths.Credentials, RouteAccess.Handshake, Delete);
    }

    /// <summary>Our credentials as the platform presents them; the token is the one the caller used to reach us.</summary>
    public static Credentials Ours(OcpiContext ctx, string token) => new()
    {
        Token = token,
        Url = ctx.Url(OcpiPaths.Versions),
        Roles = ctx.Options.Parties.Select(p => p.ToCredentialsRole()).ToList(),
    };

    private static Task<OcpiResult> Get(OcpiContext ctx) =>
        Task.FromResult(OcpiResult.Ok(Ours(ctx, ctx.PresentedToken!), CredentialsJson.Default.Credentials));

    private async Task<OcpiResult> Post(OcpiContext ctx)
    {
        var partner = ctx.Partner;
        if (partner.State != PartnerState.Invited)
            throw new MethodNotAllowedException("This connection is already registered; use PUT to update it or DELETE to unregister.");
        return await ExchangeAsync(ctx, partner, "registered");
    }

    private async Task<OcpiResult> Put(OcpiContext ctx)
    {
        var partner = ctx.Partner;
        if (partner.State != PartnerState.Registered)
            throw new MethodNotAllowedException("This connection is not registered yet; use POST with the Token A to register.");
        return await ExchangeAsync(ctx, partner, "updated its credentials");
    }

    private async Task<OcpiResult> Delete(OcpiContext ctx)
    {
        var partner = ctx.Partner;
        if (partner.State != PartnerState.Registered)
            throw new MethodNotAllowedException("This connection is not registered.");
        await registry.UnregisterAsync(partner, ctx.Cancellation);
        return OcpiResult.Ok();
    }

    /// <summary>
    /// POST and PUT alike: read the partner's credentials, fetch its endpoints with its new token, then swap in
    /// a new token for it. Nothing is stored until the partner's API has answered.
    /// </summary>
    private async Task<OcpiResult> ExchangeAsync(OcpiContext ctx, Partner partner, string what)
    {
        var theirs = ctx.Body(CredentialsJson.Default.Credentials);
        var firstRegistration = partner.State == PartnerState.Invited;
        await CheckRolesAreFreeAsync(partner, theirs, ctx.Cancellation);
        var discovered = await discovery.DiscoverAsync(theirs.Url!, theirs.Token!, ctx.Cancellation);

        var tokenC = CredentialsToken.New();
        try
        {
            await registry.CommitAsync(partner, tokenC, p =>
            {
                p.State = PartnerState.Registered;
                p.Roles = theirs.Roles!;
                p.VersionsUrl = discovered.VersionsUrl;
                p.Version = OcpiPaths.Version;
                p.Endpoints = discovered.Endpoints;
                p.OutboundTokenProtected = registry.Protect(theirs.Token!);
                p.OutboundTokenBase64 = discovered.TokenBase64;
                p.InboundTokenBase64 = ctx.PresentedTokenWasBase64;
            }, ctx.Cancellation);
        }
        catch (ConcurrencyException)
        {
            throw new MethodNotAllowedException("This connection changed while the request ran (a concurrent registration); read it again.");
        }
        logger.LogInformation("Partner {PartnerId} {What} ({Roles})", partner.Id, what,
            string.Join(", ", partner.Roles.Select(r => $"{r.Role} {r.Key}")));
        if (firstRegistration)
            foreach (var listener in listeners) await listener.OnRegisteredAsync(partner, ctx.Cancellation);
        return OcpiResult.Ok(Ours(ctx, tokenC), CredentialsJson.Default.Credentials);
    }

    /// <summary>A party (country, party id, role) belongs to one connection only; another connection claiming it is refused.</summary>
    private async Task CheckRolesAreFreeAsync(Partner partner, Credentials theirs, CancellationToken ct)
    {
        var others = (await registry.Store.ListAsync(ct)).Where(p => p.Id != partner.Id && p.State == PartnerState.Registered);
        foreach (var other in others)
        {
            foreach (var role in theirs.Roles!)
            {
                if (other.Roles.Any(r => r.Role == role.Role && r.Key == role.Key))
                    throw new InvalidParametersException([new FieldError("roles", $"{role.Role} {role.Key} is already registered on another connection; unregister that one first")]);
            }
        }
    }
}

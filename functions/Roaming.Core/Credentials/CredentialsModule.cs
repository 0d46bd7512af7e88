using Microsoft.Extensions.Logging;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Credentials;

/// <summary>
/// Credentials &amp; registration (credentials chapter): the configuration module every connection starts with.
/// </summary>
public sealed class CredentialsModule : IOcpiModule
{
    public ModuleDeclaration Declaration => new(ModuleIds.Credentials)
    {
        Configuration = true,
        // One credentials endpoint for the platform, listed as SENDER (the spec: the role has no function here).
        Interfaces = [InterfaceDeclaration.Of<CredentialsEndpoint, IWire<Credentials>>(InterfaceRole.Sender, null, (endpoint, routes, wire) => endpoint.Map(routes, wire))],
        Versions = [V221.CredentialsV221.Version],
    };
}

/// <summary>
/// The credentials endpoint as server (a partner registers with us): GET ours, POST to register with a Token A, PUT
/// to rotate/update, DELETE to unregister, with 405 for a call in the wrong state. The version of the route the
/// partner registers on is the version of the connection.
/// </summary>
public sealed class CredentialsEndpoint(PartnerRegistry registry, PartnerAccess access, PartnerDiscovery discovery, IEnumerable<Sync.IRegistrationListener> listeners,
    ILogger<CredentialsEndpoint> logger)
{
    public void Map(InterfaceRoutes routes, IWire<Credentials> wire)
    {
        routes.Get("", ctx => Task.FromResult(Answer(wire, Ours(ctx, ctx.PresentedToken!))));
        routes.Post("", ctx => Post(ctx, wire));
        routes.Put("", ctx => Put(ctx, wire));
        routes.Delete("", Delete);
    }

    /// <summary>Our credentials as the platform presents them; the token is the one the caller used to reach us.</summary>
    public static Credentials Ours(OcpiContext ctx, string token) => new()
    {
        Token = token,
        Url = ctx.Url(OcpiPaths.Versions),
        Roles = ctx.Options.Parties.Select(p => p.ToCredentialsRole()).ToList(),
    };

    private static OcpiResult Answer(IWire<Credentials> wire, Credentials credentials) => OcpiResult.Ok(w => wire.Write(w, credentials));

    private async Task<OcpiResult> Post(OcpiContext ctx, IWire<Credentials> wire)
    {
        var partner = ctx.Partner;
        if (partner.State != PartnerState.Invited)
            throw new MethodNotAllowedException("This connection is already registered; use PUT to update it or DELETE to unregister.");
        return await ExchangeAsync(ctx, wire, partner, "registered");
    }

    private async Task<OcpiResult> Put(OcpiContext ctx, IWire<Credentials> wire)
    {
        var partner = ctx.Partner;
        if (partner.State != PartnerState.Registered)
            throw new MethodNotAllowedException("This connection is not registered yet; use POST with the Token A to register.");
        return await ExchangeAsync(ctx, wire, partner, "updated its credentials");
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
    /// POST and PUT alike: read the partner's credentials, check the roles it claims against what it may be (and
    /// reserve their parties), fetch its endpoints with its new token, then swap in a new token for it. Nothing is
    /// stored until the partner's API has answered; a failure gives the reserved parties back.
    /// </summary>
    private async Task<OcpiResult> ExchangeAsync(OcpiContext ctx, IWire<Credentials> wire, Partner partner, string what)
    {
        var theirs = wire.Read(ctx.Request.Body);
        var firstRegistration = partner.State == PartnerState.Invited;
        var claim = await access.ClaimAsync(partner, theirs.Roles!, strict: true, ctx.Cancellation);
        var tokenC = CredentialsToken.New();
        try
        {
            var discovered = await discovery.DiscoverAsync(theirs.Url!, theirs.Token!, ctx.Version, ctx.Cancellation);
            await registry.CommitAsync(partner, tokenC, p =>
            {
                discovered.Connect(p, claim, registry.Protect(theirs.Token!));
                p.InboundTokenBase64 = ctx.PresentedTokenWasBase64;
                // Its own credentials repair whatever an earlier exchange left unfinished.
                p.Clear(PartnerIssues.Registration);
            }, ctx.Cancellation);
        }
        catch (Exception e)
        {
            await access.UndoAsync(partner.Id, claim, CancellationToken.None);
            if (e is ConcurrencyException)
                throw new MethodNotAllowedException("This connection changed while the request ran (a concurrent registration); read it again.");
            throw;
        }
        await access.SettleAsync(partner.Id, claim, ctx.Cancellation);
        logger.LogInformation("Partner {PartnerId} {What} ({Roles}; pending approval: {Pending})", partner.Id, what,
            string.Join(", ", partner.Roles.Select(PartyRole.Of)), string.Join(", ", partner.PendingRoles.Select(PartyRole.Of)));
        if (firstRegistration)
            foreach (var listener in listeners) await listener.OnRegisteredAsync(partner, partnerFinishing: true, ctx.Cancellation);
        return Answer(wire, Ours(ctx, tokenC));
    }
}

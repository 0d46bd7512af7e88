using Microsoft.Extensions.Logging;
using Roaming.Core.Partners;
using Roaming.Core.Transport;

namespace Roaming.Core.Credentials;

/// <summary>
/// The credentials module as client: we register with a partner that gave us its versions URL and a Token A,
/// rotate our token with a PUT, and unregister with a DELETE.
/// </summary>
public sealed class RegistrationService(PartnerRegistry registry, PartnerAccess access, PartnerDiscovery discovery, OcpiClient client, Platform.ModuleCatalog catalog,
    IEnumerable<Sync.IRegistrationListener> listeners, ILogger<RegistrationService> logger)
{
    /// <param name="roles">what the partner may be, as an invitation names it; null: any free party in any role but HUB</param>
    /// <param name="ours">Our credentials as we present them (the token field is replaced).</param>
    public async Task<Partner> RegisterAsync(string? name, List<PartyRole>? roles, string versionsUrl, string tokenA, Credentials ours, CancellationToken ct)
    {
        var discovered = await discovery.DiscoverAsync(versionsUrl, tokenA, null, ct);
        var tokenB = CredentialsToken.New();
        var partner = await registry.BeginOutboundRegistrationAsync(name, roles, versionsUrl, tokenB, ct);
        Credentials theirs;
        RoleClaim? claim = null;
        try
        {
            theirs = await SendCredentialsAsync(HttpMethod.Post, discovered, new PartnerToken(tokenA, discovered.TokenBase64), ours with { Token = tokenB }, ct);
            if (theirs.Url != versionsUrl) discovered = await discovery.DiscoverAsync(theirs.Url!, theirs.Token!, discovered.Version, ct);
            try
            {
                claim = await access.ClaimAsync(partner, theirs.Roles!, strict: true, ct);
            }
            catch (InvalidParametersException e)
            {
                // The partner registered us, but claims what it may not be: end the connection on its side too.
                await TellUnregisteredAsync(partner, discovered, theirs.Token!);
                throw new RegistrationException(OcpiStatus.InvalidOrMissingParameters, "The partner's credentials claim roles this connection is not granted: " + e.Message);
            }
            await registry.CommitAsync(partner, tokenB, p => discovered.Connect(p, claim, registry.Protect(theirs.Token!)), ct);
        }
        catch
        {
            if (claim is not null) await access.UndoAsync(partner.Id, claim, CancellationToken.None);
            await registry.AbandonAsync(partner, CancellationToken.None);
            throw;
        }
        logger.LogInformation("Registered with partner {PartnerId}", partner.Id);
        foreach (var listener in listeners) await listener.OnRegisteredAsync(partner, ct);
        return partner;
    }

    /// <summary>Sends the partner a new token for us (PUT) and takes the new token it answers with.</summary>
    public async Task<Partner> RotateAsync(Partner partner, Credentials ours, CancellationToken ct)
    {
        if (partner.State != PartnerState.Registered) throw new InvalidOperationException($"Partner {partner.Id} is not registered.");
        var current = registry.OutboundToken(partner);
        var discovered = await discovery.DiscoverAsync(partner.VersionsUrl!, current.Token, partner.Version, ct);
        var newToken = CredentialsToken.New();
        await registry.AddPendingTokenAsync(partner, newToken, ct);
        Credentials theirs;
        try
        {
            theirs = await SendCredentialsAsync(HttpMethod.Put, discovered, current, ours with { Token = newToken }, ct);
        }
        catch
        {
            await registry.DropPendingTokenAsync(partner, CancellationToken.None);
            throw;
        }
        // The partner already holds our new token: the swap must go through; roles it may not have are left out.
        var claim = await access.ClaimAsync(partner, theirs.Roles!, strict: false, ct);
        try
        {
            await registry.CommitAsync(partner, newToken, p => discovered.Connect(p, claim, registry.Protect(theirs.Token!)), ct);
        }
        catch
        {
            await access.UndoAsync(partner.Id, claim, CancellationToken.None);
            throw;
        }
        await access.SettleAsync(partner.Id, claim, ct);
        logger.LogInformation("Rotated credentials with partner {PartnerId}", partner.Id);
        return partner;
    }

    /// <summary>Unregisters: tells a registered partner with DELETE (if it can be reached), then revokes every token on our side.</summary>
    /// <returns>Why the partner could not be told, or null when it was (or did not need to be).</returns>
    public async Task<string?> UnregisterAsync(Partner partner, CancellationToken ct)
    {
        string? problem = null;
        if (partner.State == PartnerState.Registered && partner.FindEndpoint(Versions.ModuleIds.Credentials, Versions.InterfaceRole.Sender) is { } endpoint)
        {
            try
            {
                await client.SendAsync<object>(HttpMethod.Delete, endpoint.Url!, registry.OutboundToken(partner), null, ct: ct);
            }
            catch (PartnerCallException e)
            {
                problem = e.Message;
                logger.LogWarning("Partner {PartnerId} was not told of the unregistration: {Problem}", partner.Id, e.Message);
            }
        }
        if (partner.State != PartnerState.Unregistered) await registry.UnregisterAsync(partner, ct);
        return problem;
    }

    /// <summary>Tells a partner we will not keep the registration it accepted (best effort: it is also told by every token of ours failing).</summary>
    private async Task TellUnregisteredAsync(Partner partner, DiscoveredPartner discovered, string theirToken)
    {
        try
        {
            await client.SendAsync<object>(HttpMethod.Delete, discovered.Credentials.Url!, new PartnerToken(theirToken, discovered.TokenBase64), null, ct: CancellationToken.None);
        }
        catch (PartnerCallException e)
        {
            logger.LogWarning("Partner {PartnerId} was not told that its registration was refused: {Problem}", partner.Id, e.Message);
        }
    }

    private async Task<Credentials> SendCredentialsAsync(HttpMethod method, DiscoveredPartner partner, PartnerToken token, Credentials body, CancellationToken ct)
    {
        var wire = catalog.Wire<Platform.IWire<Credentials>>(Versions.ModuleIds.Credentials, partner.Version)!;
        try
        {
            var response = await client.SendAsync<System.Text.Json.JsonElement>(method, partner.Credentials.Url!, token, CredentialsJson.Default.JsonElement,
                w => wire.Write(w, body), ct: ct);
            if (response.Data.ValueKind != System.Text.Json.JsonValueKind.Object) throw new PartnerCallException($"{method} credentials answered without credentials.");
            // A partner's answer is read as tolerantly as what it sends, whoever made the call (here: the operator).
            using var partnerInput = Transport.Tolerance.InputNotes.Begin(lenient: true);
            try { return wire.Read(response.Data, "credentials"); }
            catch (InvalidParametersException e) { throw new PartnerCallException($"{method} credentials answered invalid credentials: {e.Message}"); }
        }
        catch (PartnerCallException e)
        {
            throw new RegistrationException(e.OcpiStatus is >= 3000 and < 4000 ? e.OcpiStatus.Value : OcpiStatus.UnableToUseClientApi,
                $"The partner refused our credentials: {e.Message}");
        }
    }
}

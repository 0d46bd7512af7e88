using System.Text.Json;
using Microsoft.Extensions.Logging;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Credentials;

/// <summary>
/// The credentials module as client: we register with a partner that gave us its versions URL and a Token A,
/// rotate our token with a PUT, and unregister with a DELETE. Once a partner has answered our POST or PUT with
/// 1000 it has committed (it spent the token we called with and holds the one we sent), so from then on nothing
/// is thrown away on our side without telling it: what we cannot use is undone with a credentials DELETE where we
/// can, and kept and flagged for the operator where we cannot.
/// </summary>
public sealed class RegistrationService(PartnerRegistry registry, PartnerAccess access, PartnerDiscovery discovery, OcpiClient client, ModuleCatalog catalog,
    IEnumerable<Sync.IRegistrationListener> listeners, TimeProvider clock, ILogger<RegistrationService> logger)
{
    /// <summary>The partner's answer to our credentials, and the token encoding that got through.</summary>
    private sealed record Answer(JsonElement Data, PartnerToken Used);

    /// <param name="roles">what the partner may be, as an invitation names it; null: any free party in any role but HUB</param>
    /// <param name="ours">Our credentials as we present them (the token field is replaced).</param>
    public async Task<Partner> RegisterAsync(string? name, List<PartyRole>? roles, string versionsUrl, string tokenA, Credentials ours, CancellationToken ct)
    {
        var discovered = await discovery.DiscoverAsync(versionsUrl, tokenA, null, ct);
        var tokenB = CredentialsToken.New();
        var partner = await registry.BeginOutboundRegistrationAsync(name, roles, versionsUrl, tokenB, ct);
        Answer answer;
        try
        {
            answer = await SendCredentialsAsync(HttpMethod.Post, discovered, new PartnerToken(tokenA, discovered.TokenBase64), ours with { Token = tokenB }, ct);
        }
        catch
        {
            // No 1000: the partner did not register us, so nothing of it stays here.
            await registry.AbandonAsync(partner, CancellationToken.None);
            throw;
        }

        var theirs = Read(answer, discovered.Version, out var problem);
        if (theirs is null) return await UndoOrKeepAsync(partner, tokenB, discovered, answer, problem!, ct);
        RoleClaim claim;
        try
        {
            claim = await access.ClaimAsync(partner, theirs.Roles!, strict: true, ct);
        }
        catch (InvalidParametersException e)
        {
            // It registered us, but claims what this connection is not granted: undone like any unusable answer.
            return await UndoOrKeepAsync(partner, tokenB, discovered, answer, "its credentials claim roles this connection is not granted: " + e.Message, ct);
        }
        string? degraded = null;
        if (theirs.Url != versionsUrl)
        {
            try
            {
                discovered = await discovery.DiscoverAsync(theirs.Url!, theirs.Token!, discovered.Version, ct);
            }
            catch (RegistrationException e)
            {
                // The connection works with what was read at the first URL; the partner's new one is tried again at rotation.
                degraded = $"The partner registered us with versions URL {theirs.Url}, which could not be read ({e.Message}); "
                    + $"the endpoints read from {versionsUrl} are used. Rotate the credentials to read it again.";
            }
        }

        try
        {
            await registry.CommitAsync(partner, tokenB, p =>
            {
                discovered.Connect(p, claim, registry.Protect(theirs.Token!), answer.Used.Base64);
                // The partner's word, also when it could not be read: rotation reads it again.
                p.VersionsUrl = theirs.Url;
                if (degraded is not null) p.Flag(PartnerIssues.Registration, degraded, clock.GetUtcNow());
            }, ct);
        }
        catch
        {
            await access.UndoAsync(partner.Id, claim, CancellationToken.None);
            throw;
        }
        await access.SettleAsync(partner.Id, claim, ct);
        if (degraded is null) logger.LogInformation("Registered with partner {PartnerId}", partner.Id);
        else logger.LogWarning("Registered with partner {PartnerId}, flagged: {Problem}", partner.Id, degraded);
        foreach (var listener in listeners) await listener.OnRegisteredAsync(partner, partnerFinishing: false, ct);
        return partner;
    }

    /// <summary>Sends the partner a new token for us (PUT) and takes the new token it answers with.</summary>
    public async Task<Partner> RotateAsync(Partner partner, Credentials ours, CancellationToken ct)
    {
        if (partner.State != PartnerState.Registered) throw new InvalidOperationException($"Partner {partner.Id} is not registered.");
        if (partner.OutboundTokenProtected is null)
            throw new InvalidParametersException($"Partner {partner.Id} gave us no token to call it with; it must PUT its credentials, or be unregistered.");
        var current = registry.OutboundToken(partner);
        var discovered = await discovery.DiscoverAsync(partner.VersionsUrl!, current.Token, partner.Version, ct);
        var newToken = CredentialsToken.New();
        await registry.AddPendingTokenAsync(partner, newToken, ct);
        Answer answer;
        try
        {
            answer = await SendCredentialsAsync(HttpMethod.Put, discovered, current, ours with { Token = newToken }, ct);
        }
        catch
        {
            await registry.DropPendingTokenAsync(partner, CancellationToken.None);
            throw;
        }

        var theirs = Read(answer, discovered.Version, out var problem);
        if (theirs is null)
        {
            // It took our new token: that one stays ours. Its own new token is taken if it is usable at all.
            var token = UsableToken(answer.Data);
            var message = $"The partner took our new credentials but its answer cannot be used: {problem}. "
                + (token is null ? "Its old token is kept; ask it for its credentials." : "Its new token was taken; its roles and endpoints are as before.");
            await registry.CommitAsync(partner, newToken, p =>
            {
                if (token is not null) p.OutboundTokenProtected = registry.Protect(token);
                p.Flag(PartnerIssues.Registration, message, clock.GetUtcNow());
            }, ct);
            throw new RegistrationException(OcpiStatus.UnableToUseClientApi, message);
        }
        // The partner already holds our new token: the swap must go through; roles it may not have are left out.
        var claim = await access.ClaimAsync(partner, theirs.Roles!, strict: false, ct);
        try
        {
            await registry.CommitAsync(partner, newToken, p =>
            {
                discovered.Connect(p, claim, registry.Protect(theirs.Token!), answer.Used.Base64);
                p.Clear(PartnerIssues.Registration);
            }, ct);
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
        if (partner.State == PartnerState.Registered && partner.FindEndpoint(ModuleIds.Credentials, InterfaceRole.Sender) is { } endpoint)
        {
            try
            {
                if (partner.OutboundTokenProtected is null) throw new PartnerCallException("We hold no token to call the partner with.");
                await DeleteAsync(endpoint.Url!, registry.OutboundToken(partner), !partner.OutboundTokenEncodingFixed, ct);
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

    /// <summary>
    /// The partner registered us, but its answer cannot be used. With a token we can call it with, the registration is
    /// undone the way the spec ends one (credentials DELETE) and nothing stays here. Without one, or when the DELETE
    /// fails, the connection is kept and flagged: the partner believes it is registered, so its calls with the token
    /// we gave it keep working and it can repair the connection with a PUT of its credentials.
    /// </summary>
    private async Task<Partner> UndoOrKeepAsync(Partner partner, string tokenB, DiscoveredPartner discovered, Answer answer, string problem, CancellationToken ct)
    {
        var token = UsableToken(answer.Data);
        string? undoFailed = null;
        if (token is not null)
        {
            try
            {
                await DeleteAsync(discovered.Credentials.Url!, answer.Used with { Token = token }, true, ct);
                await registry.AbandonAsync(partner, CancellationToken.None);
                logger.LogWarning("Registration with {VersionsUrl} undone: the partner's answer cannot be used ({Problem})", discovered.VersionsUrl, problem);
                throw new RegistrationException(OcpiStatus.UnableToUseClientApi, $"The partner registered us, but its answer cannot be used: {problem}. "
                    + "The registration was undone with a credentials DELETE; ask the partner for a new Token A.");
            }
            catch (PartnerCallException e)
            {
                undoFailed = e.Message;
            }
        }
        var message = $"The partner registered us, but its answer cannot be used: {problem}. "
            + (token is null ? "It gave no token we could call it with, so it could not be undone" : $"Undoing it with a credentials DELETE failed ({undoFailed})")
            + $". Kept as partner {partner.Id} so the partner can still reach us and PUT its credentials; unregister it otherwise.";
        await registry.CommitAsync(partner, tokenB, p =>
        {
            p.State = PartnerState.Registered;
            p.Version = discovered.Version;
            p.Endpoints = discovered.Endpoints;
            p.OutboundTokenProtected = token is null ? null : registry.Protect(token);
            p.OutboundTokenBase64 = answer.Used.Base64;
            p.Flag(PartnerIssues.Registration, message, clock.GetUtcNow());
        }, ct);
        logger.LogWarning("Partner {PartnerId} kept, flagged: {Problem}", partner.Id, message);
        throw new RegistrationException(OcpiStatus.UnableToUseClientApi, message);
    }

    private Task DeleteAsync(string url, PartnerToken token, bool mayRetry, CancellationToken ct) =>
        TokenEncoding.CallAsync(token, mayRetry, t => client.SendAsync<object>(HttpMethod.Delete, url, t, null, ct: ct));

    /// <summary>Our credentials to the partner; a 1000 answer is returned as it came, read by <see cref="Read"/>.</summary>
    private async Task<Answer> SendCredentialsAsync(HttpMethod method, DiscoveredPartner partner, PartnerToken token, Credentials body, CancellationToken ct)
    {
        var wire = catalog.Wire<IWire<Credentials>>(ModuleIds.Credentials, partner.Version)!;
        try
        {
            var used = token;
            var response = await TokenEncoding.CallAsync(token, true,
                t => client.SendAsync(method, partner.Credentials.Url!, t, CredentialsJson.Default.JsonElement, w => wire.Write(w, body), ct: ct),
                worked => { used = worked; return Task.CompletedTask; });
            return new Answer(response.Data, used);
        }
        catch (PartnerCallException e)
        {
            throw new RegistrationException(e.OcpiStatus is >= 3000 and < 4000 ? e.OcpiStatus.Value : OcpiStatus.UnableToUseClientApi,
                $"The partner refused our credentials: {e.Message}");
        }
    }

    /// <summary>The partner's credentials, or null with the reason they cannot be used.</summary>
    private Credentials? Read(Answer answer, string version, out string? problem)
    {
        problem = null;
        if (answer.Data.ValueKind != JsonValueKind.Object)
        {
            problem = "it answered without credentials";
            return null;
        }
        // A partner's answer is read as tolerantly as what it sends, whoever made the call (here: the operator).
        using var partnerInput = Transport.Tolerance.InputNotes.Begin(lenient: true);
        try
        {
            return catalog.Wire<IWire<Credentials>>(ModuleIds.Credentials, version)!.Read(answer.Data, "credentials");
        }
        catch (InvalidParametersException e)
        {
            problem = "invalid credentials: " + e.Message;
            return null;
        }
    }

    /// <summary>The token in an answer that is otherwise unusable, when it is one we could present.</summary>
    private static string? UsableToken(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String
        && t.GetString() is { } token && CredentialsToken.IsWellFormed(token) ? token : null;
}

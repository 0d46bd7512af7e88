using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Tokens;

/// <summary>
/// The CPO's authorization of a token presented at a charge point, for its charging station back office: the
/// stored copy of the token (pushed or pulled from its eMSP) and, as the token's whitelist rule asks, a real-time
/// call to the eMSP's tokens sender interface (<c>POST {tokens}/{uid}/authorize</c>, OCPI-to the token's party).
/// <see cref="AuthorizationRules.Cpo"/> chooses between them; the answer says which path decided.
/// </summary>
public sealed class AuthorizationService(IPartyObjectStore<Token> tokens, IPartnerStore partners, PartnerClients clients,
    TokenPseudonyms pseudonyms, IOptions<RoamingOptions> options, TimeProvider clock, ILogger<AuthorizationService> logger)
{
    public async Task<AuthorizationAnswer> AuthorizeAsync(AuthorizationRequest request, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var cpo = options.Value.Parties.FirstOrDefault(p => p.Role == Role.Cpo)?.Key
            ?? throw new InvalidParametersException("This platform hosts no CPO party; only a CPO authorizes tokens at its charge points.");
        var address = TokensModule.Address(request.TokenUid!, request.Type ?? TokenTypes.Default);
        var at = new LocationReferences { LocationId = request.LocationId, EvseUids = request.EvseUids is { Count: > 0 } e ? e : null };
        var named = request.Party;

        var held = (await tokens.FindAsync(DataScope.Received, address.StoredId, ct)).Where(t => named is null || t.Party == named).ToList();
        // A platform that is also the token's eMSP answers as that eMSP, with everything it knows of the token.
        var ours = options.Value.Parties.Any(p => p.Role == Role.Emsp)
            ? (await tokens.FindAsync(DataScope.Own, address.StoredId, ct)).Where(t => named is null || t.Party == named).ToList()
            : [];
        if (held.Count + ours.Count > 1)
            throw new OcpiException(OcpiStatus.InvalidOrMissingParameters, HttpStatusCode.Conflict,
                "Several eMSPs issued a token with this uid and type: name the eMSP (country_code, party_id).");
        var stored = held.SingleOrDefault();

        var outcome = ours.Count == 1 ? new RealtimeOutcome(RealtimeResult.Answered, AuthorizationRules.Answer(ours[0], at, clock.GetUtcNow()))
            : stored?.Whitelist == WhitelistType.Always ? RealtimeOutcome.NotAsked
            : await AskAsync(cpo, stored?.Party ?? named, address, at,
                stored?.Whitelist == WhitelistType.Allowed ? options.Value.AuthorizationTimeout : options.Value.AuthorizationOfflineAfter, ct);
        var answer = AuthorizationRules.Cpo(stored, outcome, at);
        logger.LogInformation("Token {Token} ({Whitelist}) at a location of {Cpo}: {Authorized} {Allowed} by {Path} after {Outcome}, {Elapsed:F1} ms",
            pseudonyms.Of(address), ours.Count == 1 ? "ours" : stored?.Whitelist.ToString() ?? "not held", cpo, answer.Authorized ? "authorized" : "refused", answer.Allowed,
            answer.DecidedBy, outcome.Result, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return answer;
    }

    /// <summary>
    /// Asks the token's eMSP: a partner holding its party as eMSP, else a hub (OCPI-to the party, or no OCPI-to at all
    /// when the party is unknown: the hub routes it, the spec's open routing request). A driver's token is never sent
    /// to partners it may not belong to.
    /// </summary>
    private async Task<RealtimeOutcome> AskAsync(PartyKey cpo, PartyKey? owner, ObjectAddress address, LocationReferences at,
        TimeSpan timeout, CancellationToken ct)
    {
        var registered = (await partners.ListAsync(ct)).Where(p => clients.Offers(p, ModuleIds.Tokens, InterfaceRole.Sender)).ToList();
        var partner = (owner is { } party ? registered.FirstOrDefault(p => p.Holds(party, Role.Emsp)) : null)
            ?? registered.FirstOrDefault(p => p.HasRole(Role.Hub));
        if (partner is null)
            return new RealtimeOutcome(RealtimeResult.NoRoute, Problem: owner is null
                ? "Unknown token, and no hub to ask."
                : $"No registered partner offers real-time authorization for {owner}.");

        var client = clients.Find(partner, ModuleIds.Tokens, InterfaceRole.Sender, new RoutingHeaders(cpo, owner))!;
        var wire = client.Wire<TokensWire>(ModuleIds.Tokens);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            var response = await client.SendAsync(HttpMethod.Post, [address.Id, "authorize"], TokensJson.Default.JsonElement,
                w => wire.LocationReferences.Write(w, at), "type=" + address.Variant, deadline.Token);
            if (response.Data.ValueKind != JsonValueKind.Object) return new RealtimeOutcome(RealtimeResult.Failed, Problem: "The eMSP answered without an AuthorizationInfo.");
            var info = wire.AuthorizationInfo.Read(response.Data, "AuthorizationInfo");
            var about = TokensModule.Address(info.Token!);
            if (!string.Equals(about.StoredId, address.StoredId, StringComparison.OrdinalIgnoreCase) || (owner is { } o && info.Token!.Party != o))
                return new RealtimeOutcome(RealtimeResult.Failed, Problem: "The eMSP answered about another token.");
            return new RealtimeOutcome(RealtimeResult.Answered, info);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new RealtimeOutcome(RealtimeResult.TimedOut, Problem: $"The eMSP did not answer within {timeout.TotalSeconds:0.###} s.");
        }
        catch (PartnerCallException e) when (e.OcpiStatus == OcpiStatus.UnknownToken || (e.HttpStatus == HttpStatusCode.NotFound && e.OcpiStatus is null or < 3000))
        {
            return new RealtimeOutcome(RealtimeResult.UnknownToken);
        }
        catch (PartnerCallException e)
        {
            // No usable answer: the network, a server error or a hub that cannot reach the eMSP count as unreachable.
            var unreachable = e.HttpStatus is null || (int)e.HttpStatus >= 500 || e.OcpiStatus is >= 3000;
            return new RealtimeOutcome(unreachable ? RealtimeResult.Unreachable : RealtimeResult.Failed, Problem: e.Message);
        }
        catch (InvalidParametersException e)
        {
            return new RealtimeOutcome(RealtimeResult.Failed, Problem: "The eMSP's AuthorizationInfo is invalid: " + e.Message);
        }
    }
}

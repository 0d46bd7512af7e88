using System.Net;
using System.Text.Json.Serialization;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Tokens;

/// <summary>
/// The two decisions of real-time authorization, without I/O: the eMSP's answer for one of its tokens at a location,
/// and the CPO's choice between that answer and its stored copy of the token, by the token's whitelist rule.
/// </summary>
public static class AuthorizationRules
{
    /// <summary>
    /// The eMSP's answer (mod_tokens POST authorize): BLOCKED when not valid, EXPIRED, NO_CREDIT, then the token's
    /// locations: NOT_ALLOWED elsewhere, and at an allowed location only the EVSEs it may use.
    /// </summary>
    /// <exception cref="OcpiException">2002 when the token is limited to some locations and the request names none</exception>
    public static (AllowedType Allowed, LocationReferences? Location) Emsp(Token token, LocationReferences? at, DateTimeOffset now)
    {
        if (token.Valid != true) return (AllowedType.Blocked, null);
        var restrictions = token.Restrictions;
        if (restrictions?.Expires is { } expires && expires <= now) return (AllowedType.Expired, null);
        if (restrictions?.NoCredit == true) return (AllowedType.NoCredit, null);
        if (restrictions?.Locations is not { } places) return (AllowedType.Allowed, at);

        if (at is null)
            throw new OcpiException(OcpiStatus.NotEnoughInformation, HttpStatusCode.OK,
                "This token may be used at some locations only; the request names no location (LocationReferences).");
        var here = places.Where(p => Same(p.LocationId, at.LocationId)).ToList();
        if (here.Count == 0) return (AllowedType.NotAllowed, null);
        // A listing of the location without EVSEs allows all of them.
        if (here.Any(p => p.EvseUids is not { Count: > 0 })) return (AllowedType.Allowed, at);
        var permitted = here.SelectMany(p => p.EvseUids!).ToList();
        var evses = at.EvseUids is { Count: > 0 } asked
            ? asked.Where(e => permitted.Any(p => Same(p, e))).ToList()
            : permitted.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return evses.Count == 0 ? (AllowedType.NotAllowed, null) : (AllowedType.Allowed, at with { EvseUids = evses });
    }

    /// <summary>The eMSP's AuthorizationInfo for its token: the verdict, the token, where it may charge, a new reference.</summary>
    public static AuthorizationInfo Answer(Token token, LocationReferences? at, DateTimeOffset now)
    {
        var (allowed, location) = Emsp(token, at, now);
        // Sessions and CDRs of this authorization will carry the reference back.
        return new AuthorizationInfo { Allowed = allowed, Token = token, Location = location, AuthorizationReference = Guid.NewGuid().ToString("N") };
    }

    /// <summary>
    /// The CPO's answer from what it holds and what the eMSP said (mod_tokens WhitelistType): ALWAYS decides locally
    /// (the eMSP is not asked); ALLOWED takes the eMSP's answer, else the stored token; ALLOWED_OFFLINE takes the eMSP's
    /// answer, the stored token only when the eMSP cannot be reached; NEVER takes only the eMSP's answer. An answer of
    /// the eMSP always wins, "unknown token" included. A token not held locally is decided by its eMSP or refused.
    /// </summary>
    /// <param name="stored">the token as received from its eMSP, or null when it is not held here</param>
    /// <param name="at">where the driver wants to charge</param>
    public static AuthorizationAnswer Cpo(Token? stored, RealtimeOutcome outcome, LocationReferences at)
    {
        switch (outcome.Result)
        {
            case RealtimeResult.Answered:
                var info = outcome.Info!;
                return new AuthorizationAnswer(info.Allowed == AllowedType.Allowed, info.Allowed, AuthorizationPath.Realtime, info.Token,
                    info.Location, info.AuthorizationReference, info.Info, null);
            case RealtimeResult.UnknownToken:
                return Refused(AuthorizationPath.Realtime, null, "The token's eMSP does not know this token.");
        }
        if (stored is null)
        {
            return outcome.Result is RealtimeResult.NotAsked or RealtimeResult.NoRoute
                ? Refused(AuthorizationPath.Local, null, outcome.Problem ?? "Unknown token.")
                : Refused(AuthorizationPath.RefusedNoAnswer, null, outcome.Problem);
        }
        return stored.Whitelist switch
        {
            WhitelistType.Always => Local(stored, at, AuthorizationPath.Local, null),
            WhitelistType.Allowed => Local(stored, at, AuthorizationPath.LocalNoAnswer, outcome.Problem),
            WhitelistType.AllowedOffline when outcome.Result is RealtimeResult.TimedOut or RealtimeResult.Unreachable or RealtimeResult.NoRoute =>
                Local(stored, at, AuthorizationPath.LocalOffline, outcome.Problem),
            _ => Refused(AuthorizationPath.RefusedNoAnswer, stored, outcome.Problem),
        };
    }

    /// <summary>The stored token decides: valid is allowed anywhere (its eMSP's location limits are not shared), not valid is blocked.</summary>
    private static AuthorizationAnswer Local(Token token, LocationReferences at, AuthorizationPath path, string? reason) =>
        token.Valid == true
            ? new AuthorizationAnswer(true, AllowedType.Allowed, path, token, at, null, null, reason)
            : new AuthorizationAnswer(false, AllowedType.Blocked, path, token, null, null, null, reason);

    private static AuthorizationAnswer Refused(AuthorizationPath path, Token? token, string? reason) =>
        new(false, null, path, token, null, null, null, reason);

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

/// <summary>What came of asking the token's eMSP (or not asking it).</summary>
public enum RealtimeResult
{
    /// <summary>Not asked: the whitelist rule lets the CPO decide alone.</summary>
    NotAsked,
    /// <summary>No registered partner can be asked for this token (its eMSP unknown or gone).</summary>
    NoRoute,
    /// <summary>The eMSP answered with an AuthorizationInfo.</summary>
    Answered,
    /// <summary>The eMSP answered that it does not know the token (404 / 2004).</summary>
    UnknownToken,
    /// <summary>No answer within the time allowed.</summary>
    TimedOut,
    /// <summary>No answer at all: connection refused, network, the partner timeout, a server error, a hub that cannot reach the eMSP.</summary>
    Unreachable,
    /// <summary>An answer that decides nothing: a client error status, an invalid AuthorizationInfo, one about another token.</summary>
    Failed,
}

public sealed record RealtimeOutcome(RealtimeResult Result, AuthorizationInfo? Info = null, string? Problem = null)
{
    public static readonly RealtimeOutcome NotAsked = new(RealtimeResult.NotAsked);
}

/// <summary>Which path decided an authorization at the CPO.</summary>
[JsonConverter(typeof(OcpiEnumConverter<AuthorizationPath>))]
public enum AuthorizationPath
{
    /// <summary>The stored token alone: whitelist ALWAYS (or an unknown token with no eMSP to ask).</summary>
    [JsonStringEnumMemberName("LOCAL")] Local,
    /// <summary>The eMSP's real-time answer (given in-process when the token is of an eMSP party hosted here).</summary>
    [JsonStringEnumMemberName("REALTIME")] Realtime,
    /// <summary>Whitelist ALLOWED: the eMSP gave no answer in time, the stored token decided.</summary>
    [JsonStringEnumMemberName("LOCAL_NO_ANSWER")] LocalNoAnswer,
    /// <summary>Whitelist ALLOWED_OFFLINE: the eMSP could not be reached, the stored token decided.</summary>
    [JsonStringEnumMemberName("LOCAL_OFFLINE")] LocalOffline,
    /// <summary>Only the eMSP may decide (NEVER, ALLOWED_OFFLINE with a useless answer, a token not held here) and it gave no answer: refused.</summary>
    [JsonStringEnumMemberName("REFUSED_NO_ANSWER")] RefusedNoAnswer,
}

/// <summary>The CPO's answer to its charging station back office.</summary>
/// <param name="Authorized">whether the driver may charge</param>
/// <param name="Allowed">the eMSP's or the stored token's verdict; absent when nobody could give one</param>
/// <param name="Token">the token as the eMSP or the stored copy has it (contract_id, group_id for the session)</param>
/// <param name="Location">where charging is allowed: the location and the EVSEs that may be used</param>
/// <param name="Reason">why the eMSP's answer was not used, or why there is no verdict</param>
public sealed record AuthorizationAnswer(bool Authorized, AllowedType? Allowed, AuthorizationPath DecidedBy, Token? Token,
    LocationReferences? Location, string? AuthorizationReference, DisplayText? Info, string? Reason);

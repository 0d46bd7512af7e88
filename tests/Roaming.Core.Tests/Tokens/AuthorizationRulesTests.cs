using System.Net;
using Roaming.Core.Tokens;
using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Tokens;

/// <summary>The eMSP's verdict for its token, and the CPO's choice of path for every whitelist rule and every way a real-time call can end.</summary>
public class AuthorizationRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static Token Token(bool valid = true, WhitelistType whitelist = WhitelistType.Allowed, TokenRestrictions? restrictions = null) => new()
    {
        CountryCode = "DE", PartyId = "MSP", Uid = "0102", Type = TokenType.Rfid, ContractId = "DE-MSP-C1", Issuer = "MSP",
        Valid = valid, Whitelist = whitelist, LastUpdated = Now, Restrictions = restrictions,
    };

    private static LocationReferences At(string location, params string[] evses) => new() { LocationId = location, EvseUids = evses.Length > 0 ? [.. evses] : null };

    [Fact]
    public void The_emsp_blocks_an_invalid_token_before_anything_else()
    {
        var token = Token(valid: false, restrictions: new TokenRestrictions { Expires = Now.AddDays(-1), NoCredit = true });
        Assert.Equal((AllowedType.Blocked, null), AuthorizationRules.Emsp(token, At("L1"), Now));
    }

    [Fact]
    public void The_emsp_answers_expired_then_no_credit()
    {
        Assert.Equal(AllowedType.Expired, AuthorizationRules.Emsp(Token(restrictions: new() { Expires = Now, NoCredit = true }), At("L1"), Now).Allowed);
        Assert.Equal(AllowedType.NoCredit, AuthorizationRules.Emsp(Token(restrictions: new() { Expires = Now.AddSeconds(1), NoCredit = true }), At("L1"), Now).Allowed);
    }

    [Fact]
    public void An_unrestricted_token_is_allowed_anywhere_and_gets_its_location_back()
    {
        var (allowed, location) = AuthorizationRules.Emsp(Token(), At("L1", "E1", "E2"), Now);
        Assert.Equal(AllowedType.Allowed, allowed);
        Assert.Equal(["E1", "E2"], location!.EvseUids!);
        Assert.Equal((AllowedType.Allowed, null), AuthorizationRules.Emsp(Token(), null, Now));
    }

    [Fact]
    public void A_location_restricted_token_is_allowed_only_there_and_only_at_its_evses()
    {
        var token = Token(restrictions: new() { Locations = [At("L1", "E1", "E2"), At("L2")] });
        Assert.Equal((AllowedType.NotAllowed, null), AuthorizationRules.Emsp(token, At("L3"), Now));
        // The EVSEs as the CPO named them.
        Assert.Equal(["e2"], AuthorizationRules.Emsp(token, At("l1", "E3", "e2"), Now).Location!.EvseUids!);
        Assert.Equal((AllowedType.NotAllowed, null), AuthorizationRules.Emsp(token, At("L1", "E3"), Now));
        // No EVSE asked for: the ones it may use.
        Assert.Equal(["E1", "E2"], AuthorizationRules.Emsp(token, At("L1"), Now).Location!.EvseUids!);
        // A location listed without EVSEs allows all of them.
        Assert.Equal(["E9"], AuthorizationRules.Emsp(token, At("L2", "E9"), Now).Location!.EvseUids!);
    }

    [Fact]
    public void A_location_restricted_token_asked_about_without_a_location_is_2002()
    {
        var token = Token(restrictions: new() { Locations = [At("L1")] });
        var e = Assert.Throws<OcpiException>(() => AuthorizationRules.Emsp(token, null, Now));
        Assert.Equal(OcpiStatus.NotEnoughInformation, e.StatusCode);
        Assert.Equal(HttpStatusCode.OK, e.HttpStatus);
    }

    private static readonly AuthorizationInfo Refusal = new() { Allowed = AllowedType.NoCredit, Token = Token(), AuthorizationReference = "R1" };

    private static RealtimeOutcome Outcome(RealtimeResult result) => result switch
    {
        RealtimeResult.Answered => new RealtimeOutcome(result, Refusal),
        _ => new RealtimeOutcome(result, Problem: result.ToString()),
    };

    /// <summary>whitelist, what came of the real-time call, the path that decides, whether a stored valid token then charges.</summary>
    public static TheoryData<WhitelistType, RealtimeResult, AuthorizationPath, bool> Table() => new()
    {
        { WhitelistType.Always, RealtimeResult.NotAsked, AuthorizationPath.Local, true },

        { WhitelistType.Allowed, RealtimeResult.Answered, AuthorizationPath.Realtime, false },
        { WhitelistType.Allowed, RealtimeResult.UnknownToken, AuthorizationPath.Realtime, false },
        { WhitelistType.Allowed, RealtimeResult.TimedOut, AuthorizationPath.LocalNoAnswer, true },
        { WhitelistType.Allowed, RealtimeResult.Unreachable, AuthorizationPath.LocalNoAnswer, true },
        { WhitelistType.Allowed, RealtimeResult.Failed, AuthorizationPath.LocalNoAnswer, true },
        { WhitelistType.Allowed, RealtimeResult.NoRoute, AuthorizationPath.LocalNoAnswer, true },

        { WhitelistType.AllowedOffline, RealtimeResult.Answered, AuthorizationPath.Realtime, false },
        { WhitelistType.AllowedOffline, RealtimeResult.UnknownToken, AuthorizationPath.Realtime, false },
        { WhitelistType.AllowedOffline, RealtimeResult.TimedOut, AuthorizationPath.LocalOffline, true },
        { WhitelistType.AllowedOffline, RealtimeResult.Unreachable, AuthorizationPath.LocalOffline, true },
        { WhitelistType.AllowedOffline, RealtimeResult.NoRoute, AuthorizationPath.LocalOffline, true },
        { WhitelistType.AllowedOffline, RealtimeResult.Failed, AuthorizationPath.RefusedNoAnswer, false },

        { WhitelistType.Never, RealtimeResult.Answered, AuthorizationPath.Realtime, false },
        { WhitelistType.Never, RealtimeResult.UnknownToken, AuthorizationPath.Realtime, false },
        { WhitelistType.Never, RealtimeResult.TimedOut, AuthorizationPath.RefusedNoAnswer, false },
        { WhitelistType.Never, RealtimeResult.Unreachable, AuthorizationPath.RefusedNoAnswer, false },
        { WhitelistType.Never, RealtimeResult.Failed, AuthorizationPath.RefusedNoAnswer, false },
        { WhitelistType.Never, RealtimeResult.NoRoute, AuthorizationPath.RefusedNoAnswer, false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void The_cpo_decides_by_the_whitelist_rule(WhitelistType whitelist, RealtimeResult result, AuthorizationPath path, bool charges)
    {
        var answer = AuthorizationRules.Cpo(Token(whitelist: whitelist), Outcome(result), At("L1", "E1"));
        Assert.Equal(path, answer.DecidedBy);
        Assert.Equal(charges, answer.Authorized);
        if (result == RealtimeResult.Answered)
        {
            // The eMSP's verdict is passed on as it is, with its reference.
            Assert.Equal((AllowedType.NoCredit, "R1"), (answer.Allowed!.Value, answer.AuthorizationReference!));
        }
        if (path is AuthorizationPath.Local or AuthorizationPath.LocalNoAnswer or AuthorizationPath.LocalOffline)
        {
            Assert.Equal(AllowedType.Allowed, answer.Allowed);
            Assert.Equal("L1", answer.Location!.LocationId);
        }
        if (path == AuthorizationPath.RefusedNoAnswer) Assert.Null(answer.Allowed);
        if (path is AuthorizationPath.LocalNoAnswer or AuthorizationPath.LocalOffline or AuthorizationPath.RefusedNoAnswer) Assert.Equal(result.ToString(), answer.Reason);
    }

    [Theory]
    [InlineData(WhitelistType.Always, AuthorizationPath.Local)]
    [InlineData(WhitelistType.Allowed, AuthorizationPath.LocalNoAnswer)]
    [InlineData(WhitelistType.AllowedOffline, AuthorizationPath.LocalOffline)]
    public void A_stored_token_that_is_not_valid_is_blocked_on_the_local_paths(WhitelistType whitelist, AuthorizationPath path)
    {
        var outcome = whitelist == WhitelistType.Always ? RealtimeOutcome.NotAsked : Outcome(RealtimeResult.Unreachable);
        var answer = AuthorizationRules.Cpo(Token(valid: false, whitelist: whitelist), outcome, At("L1"));
        Assert.Equal((false, AllowedType.Blocked, path), (answer.Authorized, answer.Allowed!.Value, answer.DecidedBy));
        Assert.Null(answer.Location);
    }

    [Fact]
    public void A_token_not_held_here_is_decided_by_its_emsp_or_refused()
    {
        var allowed = new AuthorizationInfo { Allowed = AllowedType.Allowed, Token = Token(), Location = At("L1") };
        var answered = AuthorizationRules.Cpo(null, new RealtimeOutcome(RealtimeResult.Answered, allowed), At("L1"));
        Assert.Equal((true, AuthorizationPath.Realtime), (answered.Authorized, answered.DecidedBy));
        Assert.Equal("DE-MSP-C1", answered.Token!.ContractId);

        var nobody = AuthorizationRules.Cpo(null, Outcome(RealtimeResult.NoRoute), At("L1"));
        Assert.Equal((false, AuthorizationPath.Local, (AllowedType?)null), (nobody.Authorized, nobody.DecidedBy, nobody.Allowed));
        foreach (var result in new[] { RealtimeResult.TimedOut, RealtimeResult.Unreachable, RealtimeResult.Failed })
            Assert.Equal(AuthorizationPath.RefusedNoAnswer, AuthorizationRules.Cpo(null, Outcome(result), At("L1")).DecidedBy);
        Assert.Equal((false, AuthorizationPath.Realtime), (AuthorizationRules.Cpo(null, Outcome(RealtimeResult.UnknownToken), At("L1")) is var u ? (u.Authorized, u.DecidedBy) : default));
    }
}

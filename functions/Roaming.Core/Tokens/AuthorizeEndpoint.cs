using System.Web;
using Microsoft.Extensions.Logging;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;

namespace Roaming.Core.Tokens;

/// <summary>
/// The eMSP's real-time authorization (mod_tokens sender interface, <c>POST {tokens}/{token_uid}/authorize[?type=]</c>):
/// one of our tokens, optionally at a location, answered with an AuthorizationInfo from the token and the limits our
/// back office set on it; an unknown token is HTTP 404 with 2004 and no data, as the spec says.
/// </summary>
public sealed class AuthorizeEndpoint(IPartyObjectStore<Token> store, TokenPseudonyms pseudonyms, TimeProvider clock, ILogger<AuthorizeEndpoint> logger)
{
    public void Map(InterfaceRoutes routes, TokensWire wire) => routes.Post("/{token_uid}/authorize", ctx => AuthorizeAsync(ctx, wire));

    private async Task<OcpiResult> AuthorizeAsync(OcpiContext ctx, TokensWire wire)
    {
        SenderAccess.RequireCounterpart(ctx);
        var v = new OcpiValidator();
        v.CiString("token_uid", ctx.Value("token_uid"), 36);
        v.ThrowIfInvalid();
        var address = TokensModule.Address(ctx.Value("token_uid"), TokenTypes.Parse(HttpUtility.ParseQueryString(ctx.Request.QueryString)["type"]));
        var at = Absent(ctx.Request.Body) ? null : wire.LocationReferences.Read(ctx.Request.Body, "LocationReferences");
        var party = ctx.OwnParty().Key;

        var token = await store.GetAsync(DataScope.Own, party, address.StoredId, ctx.Cancellation)
            ?? throw new NotFoundException("Unknown token.", OcpiStatus.UnknownToken);
        var info = AuthorizationRules.Answer(token, at, clock.GetUtcNow());
        logger.LogInformation("Authorization {Reference} of token {Token} of {Party} for partner {PartnerId}: {Allowed}",
            info.AuthorizationReference, pseudonyms.Of(address), party, ctx.Partner.Id, info.Allowed);
        return OcpiResult.Ok(w => wire.AuthorizationInfo.Write(w, info));
    }

    /// <summary>The body is optional (LocationReferences, cardinality ?): none, or JSON null.</summary>
    private static bool Absent(ReadOnlyMemory<byte> body)
    {
        var text = body.Span.Trim(" \t\r\n"u8);
        return text.IsEmpty || text.SequenceEqual("null"u8);
    }
}

using System.Web;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Tokens.V221;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Tokens;

/// <summary>
/// Tokens (mod_tokens), owned by the eMSP and identified by uid and type within its party: the sender interface lists
/// ours (paged) and answers real-time authorizations; the receiver interface takes an eMSP partner's tokens (GET, PUT,
/// PATCH under its own party, the type in <c>?type=</c>). Ours are pushed to CPOs; a CPO pulls a partner's. Token uids
/// identify drivers, so the platform keeps them out of logs and errors.
/// </summary>
public sealed class TokensModule : IOcpiModule
{
    public static readonly PartyObjectKind<Token> Kind =
        new(ModuleIds.Tokens, "tokens", TokensJson.Default.Token, t => t.Party, t => Address(t).StoredId, t => t.LastUpdated)
        {
            Address = Address,
            IdName = "uid, type",
            // The CPO finds a presented token by uid and type alone: the card names no eMSP.
            IndexedById = true,
        };

    public ModuleDeclaration Declaration => new(ModuleIds.Tokens)
    {
        Owner = Role.Emsp,
        Counterparts = [Role.Cpo, Role.Hub],
        Keying = ObjectKeying.ClientOwned,
        Pushes = true,
        Pulls = true,
        PersonalIds = true,
        Interfaces =
        [
            new InterfaceDeclaration(InterfaceRole.Sender, Role.Emsp, (services, routes, wire) =>
            {
                var tokens = (TokensWire)wire;
                services.GetRequiredService<PartyObjectSender<Token>>().MapList(routes, tokens.Token);
                services.GetRequiredService<AuthorizeEndpoint>().Map(routes, tokens);
            }),
            InterfaceDeclaration.Of<PartyObjectReceiver<Token>, TokensWire>(InterfaceRole.Receiver, Role.Cpo,
                (receiver, routes, wire) => receiver.Map(routes, wire.Token, ReceiverMethods.Get | ReceiverMethods.Put | ReceiverMethods.Patch, Addressed)),
        ],
        Versions = [TokensV221.Version],
    };

    /// <summary>A token's uid and type, the type as the spec spells it.</summary>
    public static ObjectAddress Address(Token token) => Address(token.Uid!, token.Type!.Value);

    public static ObjectAddress Address(string uid, TokenType type) => new(uid, TokenTypes.Name(type));

    /// <summary>The token a URL addresses: the uid in its last segment named "id", the type in <c>?type=</c> (RFID when absent).</summary>
    public static ObjectAddress Addressed(OcpiContext ctx) =>
        Address(ctx.Value("id"), TokenTypes.Parse(HttpUtility.ParseQueryString(ctx.Request.QueryString)["type"]));

    public static void Register(IServiceCollection services)
    {
        services.AddPartyObjects(Kind, wire => ((TokensWire)wire).Token, change => "type=" + change.Variant);
        services.AddSingleton<IOcpiModule, TokensModule>();
        services.AddSingleton<TokenPseudonyms>();
        services.AddSingleton<AuthorizeEndpoint>();
        services.AddSingleton<AuthorizationService>();
        services.AddSingleton<IRouteGroup, TokensOperatorApi>();
    }
}

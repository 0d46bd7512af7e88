using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Cdrs;
using Roaming.Core.Commands;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Queues;
using Roaming.Core.Sessions.V221;
using Roaming.Core.Storage;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Sessions;

/// <summary>
/// Sessions (mod_sessions), owned by the CPO. Ours come from the back office through "sessions-in" and go to the eMSP of
/// each session's token (PUT, then PATCHes); the sender interface lists them, to each eMSP only its own, and takes charging
/// preferences. The receiver interface takes a partner CPO's sessions (GET, PUT, PATCH under its own party); a partner's
/// are also pulled.
/// </summary>
public sealed class SessionsModule : IOcpiModule
{
    public static readonly PartyObjectKind<Session> Kind =
        new(ModuleIds.Sessions, "sessions", SessionsJson.Default.Session, s => s.Party, s => s.Id!, s => s.LastUpdated)
        {
            Columns = s => CdrToken.RecipientOf(s.CdrToken),
        };

    /// <summary>The stored shape (2.2.1's) as a mapper.</summary>
    public static readonly IWire<Session> Canonical = SessionsV221.Version.Wire;

    public ModuleDeclaration Declaration => new(ModuleIds.Sessions)
    {
        Owner = Role.Cpo,
        Counterparts = [Role.Emsp, Role.Hub],
        PersonalData = true,
        Keying = ObjectKeying.ClientOwned,
        Pushes = true,
        Pulls = true,
        Interfaces =
        [
            InterfaceDeclaration.Of<SessionsSender, IWire<Session>>(InterfaceRole.Sender, Role.Cpo, (sender, routes, wire) => sender.Map(routes, wire)),
            InterfaceDeclaration.Of<PartyObjectReceiver<Session>, IWire<Session>>(InterfaceRole.Receiver, Role.Emsp,
                (receiver, routes, wire) => receiver.Map(routes, wire, ReceiverMethods.Get | ReceiverMethods.Put | ReceiverMethods.Patch, merge: SessionPatch.Apply)),
        ],
        Versions = [SessionsV221.Version],
    };

    public static void Register(IServiceCollection services)
    {
        services.AddPartyObjects(Kind, wire => (IWire<Session>)wire);
        services.AddSingleton<IOcpiModule, SessionsModule>();
        services.AddSingleton<SessionsSender>();
        services.AddSingleton<SessionPricing>();
        services.AddSingleton<ISessionLookup, OwnSessionLookup>();
        services.AddParkingQueueProcessor<SessionsInProcessor>();
        services.AddOutboundQueue(SessionsSender.PreferencesQueue);
        services.AddSingleton<IRouteGroup, SessionsOperatorApi>();
    }
}

using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Tariffs.V221;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Tariffs;

/// <summary>
/// Tariffs (mod_tariffs), owned by the CPO: the sender interface lists ours (paged, date_from/date_to), the
/// receiver interface takes a partner CPO's tariffs (GET, PUT, DELETE under its own party); changes of ours are
/// pushed, a partner's are pulled.
/// </summary>
public sealed class TariffsModule : IOcpiModule
{
    public static readonly PartyObjectKind<Tariff> Kind =
        new(ModuleIds.Tariffs, "tariffs", TariffsJson.Default.Tariff, t => new PartyKey(t.CountryCode!, t.PartyId!), t => t.Id!, t => t.LastUpdated);

    public ModuleDeclaration Declaration => new(ModuleIds.Tariffs)
    {
        Owner = Role.Cpo,
        Counterparts = [Role.Emsp, Role.Nsp, Role.Other, Role.Hub],
        Keying = ObjectKeying.ClientOwned,
        Pushes = true,
        Pulls = true,
        Interfaces =
        [
            InterfaceDeclaration.Of<PartyObjectSender<Tariff>, IWire<Tariff>>(InterfaceRole.Sender, Role.Cpo,
                (sender, routes, wire) => sender.MapList(routes, wire)),
            InterfaceDeclaration.Of<PartyObjectReceiver<Tariff>, IWire<Tariff>>(InterfaceRole.Receiver, Role.Emsp,
                (receiver, routes, wire) => receiver.Map(routes, wire, ReceiverMethods.Get | ReceiverMethods.Put | ReceiverMethods.Delete)),
        ],
        Versions = [TariffsV221.Version],
    };

    public static void Register(IServiceCollection services)
    {
        services.AddPartyObjects(Kind, wire => (IWire<Tariff>)wire);
        services.AddSingleton<IOcpiModule, TariffsModule>();
        services.AddSingleton<IRouteGroup, TariffsOperatorApi>();
    }
}

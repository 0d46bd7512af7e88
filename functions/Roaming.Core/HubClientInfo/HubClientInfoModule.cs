using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.HubClientInfo.V221;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.HubClientInfo;

/// <summary>
/// HubClientInfo (mod_hub_client_info), a configuration module owned by the hub: a hub we are connected to pushes the
/// ClientInfo of the parties connected to it (PUT, and GET to compare) to our receiver at the platform's own path,
/// as credentials is. What a hub reports is what we know to be behind it: a hub may act for such a party
/// (<see cref="Partners.PartnerAccess"/>). Only a connection holding the HUB role may push; each hub's reports are
/// kept apart.
/// </summary>
public sealed class HubClientInfoModule : IOcpiModule
{
    /// <summary>Stored per reported party (partition) and hub connection (id), so a hub's report of a party is one point read.</summary>
    public static readonly PartyObjectKind<ReportedClientInfo> Kind =
        new(ModuleIds.HubClientInfo, "hubclientinfo", HubClientInfoJson.Default.ReportedClientInfo, r => r.ClientInfo.Key, r => r.Hub, r => r.ClientInfo.LastUpdated);

    public ModuleDeclaration Declaration => new(ModuleIds.HubClientInfo)
    {
        Owner = Role.Hub,
        Counterparts = [Role.Cpo, Role.Emsp, Role.Nap, Role.Nsp, Role.Other, Role.Scsp],
        // A configuration module (no OCPI-to/-from routing); the receiver lets only a registered hub in.
        Configuration = true,
        Interfaces =
        [
            InterfaceDeclaration.Of<ClientInfoReceiver, IWire<ClientInfo>>(InterfaceRole.Receiver, null, (receiver, routes, wire) => receiver.Map(routes, wire)),
        ],
        Versions = [HubClientInfoV221.Version],
    };

    public static void Register(IServiceCollection services)
    {
        services.AddPartyObjectStore(Kind);
        services.AddSingleton<ClientInfoReceiver>();
        services.AddSingleton<IOcpiModule, HubClientInfoModule>();
        services.AddSingleton<PartyObjectsOperatorApi<ReportedClientInfo>>();
        services.AddSingleton<IRouteGroup, HubClientInfoOperatorApi>();
    }
}

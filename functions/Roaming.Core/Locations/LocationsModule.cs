using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Locations.V221;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Sync;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations;

/// <summary>
/// Locations (mod_locations), owned by the CPO: the sender interface serves ours (paged list, one Location, EVSE or
/// Connector), the receiver interface takes a partner CPO's (PUT and PATCH at every level, GET); changes of ours are
/// pushed (PUT of a new or replaced object, PATCH of changed fields), a partner's are pulled.
/// </summary>
public sealed class LocationsModule : IOcpiModule
{
    public ModuleDeclaration Declaration => new(ModuleIds.Locations)
    {
        Owner = Role.Cpo,
        Counterparts = [Role.Emsp, Role.Nsp, Role.Other, Role.Hub],
        Keying = ObjectKeying.ClientOwned,
        Pushes = true,
        Pulls = true,
        Interfaces =
        [
            InterfaceDeclaration.Of<LocationsSender, LocationsWire>(InterfaceRole.Sender, Role.Cpo, (sender, routes, wire) => sender.Map(routes, wire)),
            InterfaceDeclaration.Of<LocationsReceiver, LocationsWire>(InterfaceRole.Receiver, Role.Emsp, (receiver, routes, wire) => receiver.Map(routes, wire)),
        ],
        Versions = [LocationsV221.Version],
    };

    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<LocationsSender>();
        services.AddSingleton<LocationsReceiver>();
        services.AddSingleton<IOcpiModule, LocationsModule>();
        services.AddSingleton<IRouteGroup, LocationsOperatorApi>();
        services.AddSingleton<IPushSource, LocationsPushSource>();
        services.AddSingleton<IPullHandler, LocationsPullHandler>();
    }
}

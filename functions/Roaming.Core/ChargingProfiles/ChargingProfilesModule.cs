using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.ChargingProfiles.V221;
using Roaming.Core.Commands;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.ChargingProfiles;

/// <summary>
/// ChargingProfiles (mod_charging_profiles, smart charging), on the asynchronous request engine of Commands: the
/// receiver interface, hosted by the CPO, takes a sender's PUT, GET and DELETE of a session's profile and hands them to
/// the back office; the sender interface, hosted by the eMSP, takes the results at the response_urls we gave and the
/// CPO's updates of a session's active profile (PUT, pushed by the CPO to the partner that set a profile on it).
/// A request the back office does not answer in time gets no result (the spec's result types have no TIMEOUT): the
/// sender times out on its own.
/// </summary>
public sealed class ChargingProfilesModule : IOcpiModule
{
    /// <summary>Per session of a CPO party: at the CPO (own) who set a profile and the active profile; at the sender (received) what the CPO reported.</summary>
    public static readonly PartyObjectKind<ProfileSession> Sessions =
        new(ModuleIds.ChargingProfiles, "chargingprofilesessions", ChargingProfilesJson.Default.ProfileSession, s => s.Party, s => s.SessionId!, s => s.LastUpdated);

    public ModuleDeclaration Declaration => new(ModuleIds.ChargingProfiles)
    {
        Owner = Role.Cpo,
        Counterparts = [Role.Emsp, Role.Scsp, Role.Hub],
        Pushes = true,
        Interfaces =
        [
            InterfaceDeclaration.Of<ChargingProfilesReceiver, ChargingProfilesWire>(InterfaceRole.Receiver, Role.Cpo, (receiver, routes, wire) => receiver.Map(routes, wire)),
            InterfaceDeclaration.Of<ChargingProfilesSender, ChargingProfilesWire>(InterfaceRole.Sender, Role.Emsp, (sender, routes, wire) => sender.Map(routes, wire)),
        ],
        Versions = [ChargingProfilesV221.Version],
    };

    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<IOcpiModule, ChargingProfilesModule>();
        services.AddRequests(new RequestRules { Module = ModuleIds.ChargingProfiles });
        services.AddPartyObjectStore(Sessions);
        services.AddSingleton<ChargingProfilesReceiver>();
        services.AddSingleton<ChargingProfilePace>();
        services.AddSingleton<ChargingProfilesSender>();
        services.AddSingleton<IPushSource, ChargingProfilesPushSource>();
        services.AddSingleton<IRequestResults, ChargingProfileResults>();
        services.AddSingleton<IRouteGroup, ChargingProfilesOperatorApi>();
    }
}

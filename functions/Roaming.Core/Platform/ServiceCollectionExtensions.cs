using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Roaming.Core.Cdrs;
using Roaming.Core.ChargingProfiles;
using Roaming.Core.Commands;
using Roaming.Core.Credentials;
using Roaming.Core.HubClientInfo;
using Roaming.Core.Locations;
using Roaming.Core.Push;
using Roaming.Core.Sessions;
using Roaming.Core.Sync;
using Roaming.Core.Tariffs;
using Roaming.Core.Tokens;
using Roaming.Core.Operator;
using Roaming.Core.Partners;
using Roaming.Core.Queues;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;
using Roaming.Core.Versions;

namespace Roaming.Core.Platform;

public static class ServiceCollectionExtensions
{
    /// <summary>The OCPI core: options (validated at start), modules, the endpoint, the partner HTTP client.</summary>
    public static IServiceCollection AddRoamingCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RoamingOptions>().Bind(configuration.GetSection(RoamingOptions.Section))
            .Validate(o => { o.Validate(); return true; }).ValidateOnStart();
        services.AddOptions<QueueRules>().Bind(configuration.GetSection(QueueRules.Section));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new TokenProtector(sp.GetRequiredService<IOptions<RoamingOptions>>().Value.TokenKey!));
        services.AddSingleton<PartnerTokenCache>();
        services.AddSingleton<PartnerRegistry>();
        services.AddSingleton<PartnerAccess>();
        services.AddSingleton<PartnerRateLimiter>();
        services.AddSingleton<OcpiClient>();
        services.AddSingleton<PartnerDiscovery>();
        services.AddSingleton<RegistrationService>();
        services.AddPartnerHttpClient();

        services.AddSingleton<ModuleCatalog>();
        services.AddSingleton<PartnerClients>();
        services.AddSingleton<OutboundPace>();
        services.AddSingleton<IRouteGroup, VersionsModule>();
        services.AddSingleton<IOcpiModule, CredentialsModule>();
        services.AddSingleton<CredentialsEndpoint>();
        services.AddSingleton<IRouteGroup, PartnersApi>();
        services.AddSingleton<IRouteGroup, PartnerAccessApi>();
        HubClientInfoModule.Register(services);

        // The functional modules, each declared in its folder.
        LocationsModule.Register(services);
        TariffsModule.Register(services);
        TokensModule.Register(services);
        SessionsModule.Register(services);
        CdrsModule.Register(services);
        CommandsModule.RegisterRequests(services);
        CommandsModule.Register(services);
        ChargingProfilesModule.Register(services);

        // The push and pull channels every module shares.
        services.AddSingleton<PushQueue>();
        services.AddParkingQueueProcessor<PushProcessor>();
        services.AddSingleton<SyncService>();
        services.AddParkingQueueProcessor<SyncProcessor>();
        services.AddSingleton<IRouteGroup, SyncApi>();
        services.AddSingleton<IRouteGroup, QueuesOperatorApi>();
        services.AddSingleton<IRegistrationListener, SyncOnRegistration>();
        services.AddSingleton<InputNoteRecorder>();
        services.AddSingleton<RoamingEndpoint>();
        return services;
    }
}

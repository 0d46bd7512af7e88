using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Roaming.Core.Credentials;
using Roaming.Core.Locations;
using Roaming.Core.Push;
using Roaming.Core.Sync;
using Roaming.Core.Tariffs;
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
        services.AddSingleton<PartnerRegistry>();
        services.AddSingleton<OcpiClient>();
        services.AddSingleton<PartnerDiscovery>();
        services.AddSingleton<RegistrationService>();
        services.AddPartnerHttpClient();

        services.AddSingleton<IOcpiModule>(sp => new VersionsModule(sp.GetServices<IOcpiModule>));
        services.AddSingleton<IOcpiModule, CredentialsModule>();
        services.AddSingleton<IOperatorApi, PartnersApi>();

        services.AddSingleton<IOcpiModule, LocationsSenderModule>();
        services.AddSingleton<IOcpiModule, LocationsReceiverModule>();
        services.AddSingleton<IOperatorApi, LocationsOperatorApi>();
        services.AddSingleton<IPushSender, LocationPushSender>();
        services.AddSingleton<IPullHandler, LocationPullHandler>();

        services.AddSingleton<IOcpiModule, TariffsSenderModule>();
        services.AddSingleton<IOcpiModule, TariffsReceiverModule>();
        services.AddSingleton<IOperatorApi, TariffsOperatorApi>();
        services.AddSingleton<IPushSender, TariffPushSender>();
        services.AddSingleton<IPullHandler, TariffPullHandler>();

        services.AddSingleton<PushOutbox>();
        services.AddSingleton<IQueueProcessor, PushProcessor>();
        services.AddSingleton<SyncService>();
        services.AddSingleton<IQueueProcessor, SyncProcessor>();
        services.AddSingleton<IOperatorApi, SyncApi>();
        services.AddSingleton<IRegistrationListener, SyncOnRegistration>();
        services.AddSingleton<InputNoteRecorder>();
        services.AddSingleton<RoamingEndpoint>();
        return services;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Roaming.Azure.KeyVault;
using Roaming.Azure.Queues;
using Roaming.Azure.Tables;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Sync;

namespace Roaming.Azure;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The Azure side of the endpoint: Table Storage and Storage Queues behind the core's interfaces (tables and
    /// queues are created at start) and the TLS client certificate for partner calls (Key Vault or a file).
    /// </summary>
    public static IServiceCollection AddRoamingAzure(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddClientCertificates(configuration);
        var operations = new StorageOperations();
        services.AddSingleton(operations);
        services.AddSingleton(new StorageConnection(configuration, operations));
        services.AddSingleton<StorageTables>();
        services.AddSingleton<StorageQueues>();
        services.AddSingleton<IWorkQueue>(sp => sp.GetRequiredService<StorageQueues>());
        services.AddSingleton<IQueueAdmin>(sp => sp.GetRequiredService<StorageQueues>());
        services.AddPartnerStore<TablePartnerStore>();
        services.AddSingleton<IPartyReservations, TablePartyReservations>();
        services.AddSingleton<IStorageFaults, StorageFaults>();
        services.AddSingleton<ILocationStore, TableLocationStore>();
        services.AddSingleton<TableOutbox>();
        services.AddSingleton<IPushOutbox>(sp => sp.GetRequiredService<TableOutbox>());
        services.AddSingleton<OutboxSweeper>();
        services.AddSingleton<IPartyObjectStores, TablePartyObjectStores>();
        services.AddSingleton<ISyncJobStore, TableSyncJobStore>();
        services.AddSingleton<IInputNoteStore, TableInputNoteStore>();
        services.AddSingleton<IRouteGroup, DiagnosticsApi>();
        services.AddSingleton<IRouteGroup, ReindexApi>();
        services.AddSingleton<StorageReadiness>();
        services.AddHostedService<StorageInitializer>();
        return services;
    }

    /// <summary>The polling queue processors, for hosts that are not Azure Functions (the Functions app uses queue triggers).</summary>
    public static IServiceCollection AddQueueProcessorService(this IServiceCollection services) =>
        services.AddHostedService<QueueProcessorService>().AddHostedService<OutboxSweepService>();
}

/// <summary>
/// Whether the tables and queues exist yet. The ASP.NET Core host serves nothing before its hosted services have
/// started; a Functions worker is handed invocations as soon as its channel to the host is open, which may be before
/// <see cref="StorageInitializer"/> has run, so its invocations wait for this.
/// </summary>
public sealed class StorageReadiness
{
    private readonly TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WaitAsync(CancellationToken ct) => _created.Task.WaitAsync(ct);

    internal void Created() => _created.TrySetResult();

    internal void Failed(Exception error) => _created.TrySetException(error);
}

/// <summary>Creates the tables and queues before the host serves its first request.</summary>
internal sealed class StorageInitializer(StorageTables tables, StorageQueues queues, IEnumerable<IQueueProcessor> processors,
    IEnumerable<IPartyObjectStore> objectStores, IEnumerable<OutboundQueue> outbound, StorageReadiness readiness) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        try
        {
            await tables.CreateAllAsync(StorageTables.All.Concat(objectStores.Select(s => s.Collection)).Distinct(), ct);
            await queues.CreateAllAsync(processors.Select(p => p.QueueName).Distinct(), ct);
            await queues.CreateAllAsync(outbound.Select(q => q.Name).Distinct(), ct, withPoison: false);
            readiness.Created();
        }
        catch (Exception e)
        {
            readiness.Failed(e);
            throw;
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

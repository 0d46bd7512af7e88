using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;
using Roaming.Core.Storage;

namespace Roaming.Azure.Tables;

/// <summary>
/// Finds pushes stored but never queued (a host stopped between the commit and the relay) and queues them: in the
/// own party partitions of each flat object module, and in the partitions marked before their transaction (one per
/// location). A slot younger than <see cref="RoamingOptions.OutboxSweepGrace"/> is left to the host that wrote it.
/// </summary>
public sealed class OutboxSweeper(IEnumerable<IPartyObjectStore> stores, TableOutbox outbox, IOptions<RoamingOptions> options, ILogger<OutboxSweeper> logger)
{
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var olderThan = options.Value.OutboxSweepGrace;
        var queued = 0;
        foreach (var store in stores.OfType<IOutboxPartitions>())
            foreach (var party in options.Value.Parties.Select(p => p.Key).Distinct())
                queued += await store.SweepOutboxAsync(party, ct);
        queued += await outbox.SweepMarkedAsync(ct);
        if (queued > 0) logger.LogInformation("Outbox sweep queued {Count} pushes", queued);
        return queued;
    }
}

/// <summary>Runs the sweep at start and then every Roaming:OutboxSweepInterval, in hosts that are not Azure Functions.</summary>
internal sealed class OutboxSweepService(OutboxSweeper sweeper, IOptions<RoamingOptions> options, ILogger<OutboxSweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await sweeper.SweepAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e) { logger.LogWarning(e, "Outbox sweep failed; trying again at the next interval"); }
            try { await Task.Delay(options.Value.OutboxSweepInterval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;
using Roaming.Core.Storage;

namespace Roaming.Azure.Tables;

/// <summary>
/// Finds push rows whose relay never finished (a host stopped between the commit and the queue) and queues them.
/// Rows younger than Roaming:OutboxSweepGrace are left to the relay that wrote them.
/// </summary>
public sealed class OutboxSweeper(IEnumerable<IPartyObjectStore> stores, IOptions<RoamingOptions> options, ILogger<OutboxSweeper> logger)
{
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var olderThan = options.Value.OutboxSweepGrace;
        var queued = 0;
        foreach (var store in stores.OfType<IOutboxPartitions>())
            foreach (var party in options.Value.Parties.Select(p => p.Key).Distinct())
                queued += await store.SweepOutboxAsync(party, olderThan, ct);
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

using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Partners;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Sync;

/// <summary>
/// Pull: an eMSP fetches a CPO's locations or tariffs by following the Link header page by page, one queue
/// message per page, so a sync of any size survives a restart and never holds a request open.
/// </summary>
public sealed class SyncService(ISyncJobStore jobs, IWorkQueue queue, TimeProvider clock, ILogger<SyncService> logger)
{
    public const string QueueName = "ocpi-sync";

    public static bool CanPull(Partner partner, string module) =>
        partner.State == PartnerState.Registered && partner.HasRole(Role.Cpo) && partner.FindEndpoint(module, InterfaceRole.Sender) is not null;

    public async Task<SyncJob> StartAsync(Partner partner, string module, SyncMode mode, CancellationToken ct)
    {
        if (!CanPull(partner, module))
            throw new InvalidParametersException($"Partner {partner.Id} offers no {module} sender interface to pull from.");
        DateTimeOffset? from = null;
        if (mode == SyncMode.Delta)
        {
            var last = (await jobs.ListAsync(partner.Id, ct)).Where(j => j.Module == module && j.State == SyncState.Succeeded).MaxBy(j => j.Started);
            from = last?.Started;
        }
        var started = OcpiDateTime.Normalize(clock.GetUtcNow());
        var job = new SyncJob
        {
            PartnerId = partner.Id,
            // Sortable by start, newest last, and unique.
            JobId = started.UtcTicks.ToString("D19", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)),
            Module = module,
            Mode = from is null ? SyncMode.Full : SyncMode.Delta,
            State = SyncState.Running,
            Started = started,
            DateFrom = from,
        };
        await jobs.CreateAsync(job, ct);
        var url = partner.FindEndpoint(module, InterfaceRole.Sender)!.Url!;
        if (from is { } f) url += (url.Contains('?') ? "&" : "?") + "date_from=" + Uri.EscapeDataString(OcpiDateTime.Format(f));
        await EnqueuePageAsync(new SyncPageMessage(partner.Id, job.JobId, url, 1), ct);
        logger.LogInformation("Sync {JobId} of {Module} from partner {PartnerId} started ({Mode})", job.JobId, module, partner.Id, job.Mode);
        return job;
    }

    internal Task EnqueuePageAsync(SyncPageMessage message, CancellationToken ct) =>
        queue.SendAsync(QueueName, JsonSerializer.SerializeToUtf8Bytes(message, SyncJson.Default.SyncPageMessage), ct: ct);
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Sync;

/// <summary>
/// The pull channel of every module that declares one: a counterpart fetches the owner's objects (an eMSP a CPO's
/// locations, a CPO an eMSP's tokens) by following the Link header page by page, one queue message per page, so a
/// pull of any size survives a restart and never holds a request open.
/// </summary>
public sealed class SyncService(ISyncJobStore jobs, IWorkQueue queue, ModuleCatalog catalog, PartnerClients clients, IOptions<RoamingOptions> options,
    TimeProvider clock, ILogger<SyncService> logger)
{
    public const string QueueName = "ocpi-sync";

    /// <summary>Whether we can pull the module from the partner: it holds the owner role and offers the sender interface, and we host a counterpart.</summary>
    public bool CanPull(Partner partner, string module) =>
        catalog.FindModule(module) is { Pulls: true, Owner: { } owner } declaration
        && partner.HasRole(owner)
        && clients.Offers(partner, module, InterfaceRole.Sender)
        && OwnCounterpart(declaration) is not null;

    /// <summary>Our party that reads the module's objects: the first own party in a counterpart role.</summary>
    public PartyKey? OwnCounterpart(ModuleDeclaration module) =>
        options.Value.Parties.FirstOrDefault(p => module.Counterparts.Contains(p.Role))?.Key;

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

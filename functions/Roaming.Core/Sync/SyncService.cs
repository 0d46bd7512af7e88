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
/// pull of any size survives a restart and never holds a request open. A partner platform with several parties is
/// crawled once per party, each request from our party to that one (the spec's direct request); a hub once, addressed
/// to the hub (GET All via Hubs). Every request names the end of its window (date_to), so no server default cuts it.
/// </summary>
public sealed class SyncService(ISyncJobStore jobs, IWorkQueue queue, ModuleCatalog catalog, PartnerClients clients, IOptions<RoamingOptions> options,
    TimeProvider clock, ILogger<SyncService> logger)
{
    public const string QueueName = "ocpi-sync";

    /// <summary>
    /// Whether we can pull the module from the partner: it holds the owner role (or is a hub, which speaks for owners
    /// behind it) and offers the sender interface, and we host a counterpart.
    /// </summary>
    public bool CanPull(Partner partner, string module) =>
        catalog.FindModule(module) is { Pulls: true, Owner: { } owner } declaration
        && (partner.HasRole(owner) || partner.HasRole(Role.Hub))
        && clients.Offers(partner, module, InterfaceRole.Sender)
        && OwnCounterpart(declaration) is not null;

    /// <summary>Our party that reads the module's objects: the first own party in a counterpart role.</summary>
    public PartyKey? OwnCounterpart(ModuleDeclaration module) =>
        options.Value.Parties.FirstOrDefault(p => module.Counterparts.Contains(p.Role))?.Key;

    /// <summary>The parties a pull addresses, one crawl each: a hub itself, otherwise each party the partner holds in the owner role.</summary>
    public static List<PartyKey> Addressed(Partner partner, Role owner) =>
        partner.HasRole(Role.Hub)
            ? partner.Roles.Where(r => r.Role == Role.Hub).Select(r => r.Key).Take(1).ToList()
            : partner.Roles.Where(r => r.Role == owner).Select(r => r.Key).Distinct().ToList();

    /// <param name="maxRemovalShare">the share of objects a full pull may remove (null: Roaming:SyncMaxRemovalShare)</param>
    /// <param name="after">
    /// how long the first page waits for a partner that registered with us to store our token (null: it is fetched at
    /// once); a 401 in the job's first minute then puts the page off rather than failing it
    /// </param>
    public async Task<SyncJob> StartAsync(Partner partner, string module, SyncMode mode, double? maxRemovalShare, CancellationToken ct, TimeSpan? after = null)
    {
        if (!CanPull(partner, module))
            throw new InvalidParametersException($"Partner {partner.Id} offers no {module} sender interface to pull from.");
        var o = options.Value;
        DateTimeOffset? from = null;
        if (mode == SyncMode.Delta)
        {
            var last = (await jobs.ListAsync(partner.Id, ct)).Where(j => j.Module == module && j.State == SyncState.Succeeded).MaxBy(j => j.Started);
            from = last?.Watermark;
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
            DateTo = started + o.SyncClockSkew,
            Parties = Addressed(partner, catalog.Module(module).Owner!.Value).Select(p => p.ToString()).ToList(),
            MaxRemovalShare = maxRemovalShare ?? o.SyncMaxRemovalShare,
        };
        await jobs.CreateAsync(job, ct);
        await EnqueuePageAsync(new SyncPageMessage(partner.Id, job.JobId, FirstPage(partner, job), 1, Registering: after is not null), ct, after);
        logger.LogInformation("Sync {JobId} of {Module} from partner {PartnerId} started ({Mode}, {Parties})", job.JobId, module, partner.Id, job.Mode,
            string.Join(", ", job.Parties));
        return job;
    }

    /// <summary>The first page of a crawl: the partner's sender URL with the job's window, as every later page of it keeps.</summary>
    public static string FirstPage(Partner partner, SyncJob job)
    {
        var url = partner.FindEndpoint(job.Module, InterfaceRole.Sender)!.Url!;
        if (job.DateFrom is { } f) url = WithQuery(url, "date_from=" + Uri.EscapeDataString(OcpiDateTime.Format(f)));
        if (job.DateTo is { } t) url = WithQuery(url, "date_to=" + Uri.EscapeDataString(OcpiDateTime.Format(t)));
        return url;
    }

    public static string WithQuery(string url, string query) => url + (url.Contains('?') ? "&" : "?") + query;

    internal Task EnqueuePageAsync(SyncPageMessage message, CancellationToken ct, TimeSpan? after = null) =>
        queue.SendAsync(QueueName, JsonSerializer.SerializeToUtf8Bytes(message, SyncJson.Default.SyncPageMessage), after, ct);
}

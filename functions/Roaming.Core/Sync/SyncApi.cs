using System.Net;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Roaming.Core.Operator;
using Roaming.Core.Platform;
using Roaming.Core.Partners;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Sync;

/// <summary>
/// The operator starts a pull and follows it: POST /operator/partners/{id}/sync {"module","mode","max_removal_share"}, then
/// GET /operator/partners/{id}/sync[/{job}] for pages, objects fetched, stored, failed, removed and removals held.
/// </summary>
public sealed class SyncApi(PartnerRegistry registry, SyncService sync, ISyncJobStore jobs) : IRouteGroup
{
    public void Map(RouteTable routes)
    {
        routes.Map("POST", "/operator/partners/{id}/sync", RouteAccess.Operator, Start);
        routes.Map("GET", "/operator/partners/{id}/sync", RouteAccess.Operator, List);
        routes.Map("GET", "/operator/partners/{id}/sync/{job}", RouteAccess.Operator, Get);
    }

    private async Task<OcpiResult> Start(OcpiContext ctx)
    {
        var request = ctx.Body(SyncApiJson.Default.SyncRequest);
        var partner = await FindAsync(ctx);
        var job = await sync.StartAsync(partner, request.Module!, request.Mode ?? SyncMode.Full, request.MaxRemovalShare, ctx.Cancellation);
        return OcpiResult.Json(job, SyncJson.Default.SyncJob, HttpStatusCode.Accepted);
    }

    private async Task<OcpiResult> List(OcpiContext ctx)
    {
        var partner = await FindAsync(ctx);
        var list = (await jobs.ListAsync(partner.Id, ctx.Cancellation)).OrderByDescending(j => j.JobId).Take(50).ToList();
        return OcpiResult.Json(list, SyncJson.Default.ListSyncJob);
    }

    private async Task<OcpiResult> Get(OcpiContext ctx)
    {
        var partner = await FindAsync(ctx);
        var id = ctx.Value("job");
        var job = id.Length <= 40 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? await jobs.GetAsync(partner.Id, id, ctx.Cancellation) : null;
        return OcpiResult.Json(job ?? throw new NotFoundException($"No sync job {id}."), SyncJson.Default.SyncJob);
    }

    private async Task<Partner> FindAsync(OcpiContext ctx)
    {
        var id = ctx.Value("id");
        if (!PartnerRegistry.IsPartnerId(id)) throw new NotFoundException($"No partner {id}.");
        return await registry.Store.GetAsync(id, ctx.Cancellation) ?? throw new NotFoundException($"No partner {id}.");
    }
}

public sealed record SyncRequest : IOcpiValidatable
{
    public string? Module { get; init; }
    public SyncMode? Mode { get; init; }
    /// <summary>The share of the module's objects a full pull may remove, for this pull (the operator confirms a held removal with 1).</summary>
    public double? MaxRemovalShare { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("module", Module, 32);
        if (MaxRemovalShare is < 0 or > 1) v.Fail("max_removal_share", "must be between 0 and 1");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    Converters = [typeof(JsonStringEnumConverter<SyncMode>)])]
[JsonSerializable(typeof(SyncRequest))]
public sealed partial class SyncApiJson : JsonSerializerContext;

/// <summary>Something to do once a partner connection is registered (both directions of the handshake).</summary>
public interface IRegistrationListener
{
    /// <param name="partnerFinishing">the partner registered with us and is still finishing its side of the handshake with
    /// our answer: it may refuse its token on other modules until then</param>
    Task OnRegisteredAsync(Partner partner, bool partnerFinishing, CancellationToken ct);
}

/// <summary>
/// Right after registration, every module we can pull from the new partner is pulled in full (an eMSP platform pulls
/// a CPO's locations and tariffs, a CPO platform an eMSP's tokens).
/// </summary>
public sealed class SyncOnRegistration(SyncService sync, IEnumerable<IPullHandler> handlers, ILogger<SyncOnRegistration> logger) : IRegistrationListener
{
    // Time for a partner to store our answer to its POST of credentials. Seen: a pull sent at once was refused (401,
    // registration not complete), and the queue's retry came only after its visibility timeout.
    private static readonly TimeSpan PartnerFinishing = TimeSpan.FromSeconds(3);

    public async Task OnRegisteredAsync(Partner partner, bool partnerFinishing, CancellationToken ct)
    {
        foreach (var handler in handlers)
        {
            if (!sync.CanPull(partner, handler.Module)) continue;
            try { await sync.StartAsync(partner, handler.Module, SyncMode.Full, null, ct, partnerFinishing ? PartnerFinishing : null); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The registration stands; the operator can start the sync by hand.
                logger.LogWarning(e, "Could not start the first {Module} sync of partner {PartnerId}", handler.Module, partner.Id);
            }
        }
    }
}

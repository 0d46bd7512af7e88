using System.Net;
using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Sync;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Cdrs;

/// <summary>
/// The CDRs receiver interface (eMSP): POST of a new CDR by a partner CPO for a party it holds, answered 201 with the
/// Location where it can be read back (GET <c>{cdrs}/{country_code}/{party_id}/{id}</c>, by its owner only). A CDR is never
/// replaced: the same CDR posted again (a retry) is answered as the first time and stored once; another CDR under an id
/// already received is refused with 2001. Every new CDR is queued for verification.
/// </summary>
public sealed class CdrsReceiver(IPartyObjectStore<Cdr> store, CdrVerifications verifications, PartnerAccess access)
{
    public void Map(InterfaceRoutes routes, IWire<Cdr> wire)
    {
        routes.Post("", ctx => PostAsync(ctx, wire, routes.Interface.Path));
        routes.Get("/{country_code}/{party_id}/{id}", ctx => GetAsync(ctx, wire));
    }

    private async Task<OcpiResult> PostAsync(OcpiContext ctx, IWire<Cdr> wire, string path)
    {
        var cdr = wire.Read(ctx.Request.Body);
        var party = new PartyKey(cdr.CountryCode!, cdr.PartyId!);
        var owner = ctx.Interface!.Module.Owner!.Value;
        // The party is in the body, not the URL: held by the connection, or (a hub) known behind it, as the operator granted.
        if (!await access.MayActForAsync(ctx.Partner, party, owner, ctx.Cancellation))
            throw new InvalidParametersException([new FieldError("country_code", $"{party} is not a {owner.ToString().ToUpperInvariant()} party of this connection; it cannot post CDRs for it")]);
        var location = ctx.Url($"{path}/{Uri.EscapeDataString(party.CountryCode)}/{Uri.EscapeDataString(party.PartyId)}/{Uri.EscapeDataString(cdr.Id!)}");
        if (await store.AddAsync(DataScope.Received, cdr, null, ctx.Cancellation))
        {
            await verifications.EnqueueAsync(party, cdr.Id!, cdr, ctx.Cancellation);
            return OcpiResult.Ok(HttpStatusCode.Created).WithHeader("Location", location);
        }
        var stored = await store.GetAsync(DataScope.Received, party, cdr.Id!, ctx.Cancellation);
        if (stored is null || !JsonSerializer.SerializeToUtf8Bytes(stored, CdrsJson.Default.Cdr).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(cdr, CdrsJson.Default.Cdr)))
            throw new InvalidParametersException([new FieldError("id", $"CDR {cdr.Id} of {party} was received before with other content; a CDR is never changed (send a credit CDR, then a new one)")]);
        await verifications.EnsureQueuedAsync(party, cdr.Id!, ctx.Cancellation);
        return OcpiResult.Ok().WithHeader("Location", location);
    }

    private async Task<OcpiResult> GetAsync(OcpiContext ctx, IWire<Cdr> wire)
    {
        var party = ClientOwnedObjects.Owner(ctx, CdrsModule.Kind.MaxIdLength, "id");
        var cdr = await store.GetAsync(DataScope.Received, party, ctx.Value("id"), ctx.Cancellation) ?? throw new NotFoundException($"Unknown CDR {ctx.Value("id")}.");
        return OcpiResult.Ok(w => wire.Write(w, cdr));
    }
}

/// <summary>
/// POSTs our new CDRs to the receiver of the eMSP of their token (the push channel retries with backoff) and records the
/// Location it answered. A retried POST that the eMSP had already taken is answered as the first one by a receiver keeping
/// to the spec, so the CDR is held there once.
/// </summary>
public sealed class CdrsPushSource(IPartyObjectStore<Cdr> cdrs, IPartyObjectStore<CdrDelivery> deliveries, TimeProvider clock) : IPushSource
{
    public string Module => ModuleIds.Cdrs;

    public async Task SendAsync(PushChange change, PushContent? content, InterfaceClient client, CancellationToken ct)
    {
        if (change.Kind != PushKind.Post) throw new PushObjectGoneException($"CDR {change.Party}/{change.ObjectId}: a CDR is only ever POSTed, not sent as {change.Kind}");
        var cdr = await cdrs.GetAsync(DataScope.Own, change.Party, change.ObjectId, ct) ?? throw new PushObjectGoneException($"CDR {change.Party}/{change.ObjectId} is gone");
        var wire = client.Wire<IWire<Cdr>>(Module);
        var response = await client.SendAsync<JsonElement>(HttpMethod.Post, [], null, w => wire.Write(w, cdr), ct: ct);
        // The first delivery is the one on record; a repeat (a retried message) found the CDR there already.
        await deliveries.AddAsync(DataScope.Own, new CdrDelivery
        {
            CountryCode = cdr.CountryCode, PartyId = cdr.PartyId, Id = cdr.Id, PartnerId = client.Partner.Id, Location = response.Location,
            DeliveredAt = OcpiDateTime.Normalize(clock.GetUtcNow()), LastUpdated = cdr.LastUpdated,
        }, null, ct);
    }
}

/// <summary>
/// Stores CDRs pulled from a partner CPO (each read in its version, only for parties it holds as CPO) and queues each new
/// one for verification. A CDR already received stays as it is; none is ever removed (billing records outlive a CPO's list).
/// </summary>
public sealed class CdrsPullHandler(IPartyObjectStore<Cdr> store, CdrVerifications verifications, ModuleCatalog catalog) : IPullHandler
{
    public string Module => ModuleIds.Cdrs;

    public async Task<(int Stored, List<string> Errors)> StoreAsync(PullScope scope, IReadOnlyList<JsonElement> objects, CancellationToken ct)
    {
        var version = scope.Partner.Version;
        var wire = catalog.Wire<IWire<Cdr>>(Module, version) ?? throw new InvalidOperationException($"{Module} is not served in {version}.");
        var (valid, errors) = PulledObjects.Read(scope, objects, wire, "cdr", c => new PartyKey(c.CountryCode!, c.PartyId!), c => c.Id);
        await Parallel.ForEachAsync(valid, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (cdr, token) =>
        {
            if (await store.AddAsync(DataScope.Received, cdr, null, token)) await verifications.EnqueueAsync(new PartyKey(cdr.CountryCode!, cdr.PartyId!), cdr.Id!, cdr, token);
        });
        return (valid.Count, errors);
    }

    /// <summary>Nothing counts as missing: a CDR the CPO no longer lists is still billed (and a full pull never holds back on it).</summary>
    public Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct) => Task.FromResult(new NotSeenCount(0, 0));

    public Task<int> RemoveNotSeenAsync(NotSeenQuery query, CancellationToken ct) => Task.FromResult(0);
}

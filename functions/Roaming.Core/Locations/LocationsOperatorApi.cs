using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Web;
using Microsoft.Extensions.Logging;
using Roaming.Core.Operator;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations;

/// <summary>
/// The back office's side of Locations on /operator/locations: a CSO publishes its locations and EVSE status
/// changes (validated as OCPI objects, stored with their push, pushed to partners through the queue; the call never
/// waits for a partner), and reads what partner CPOs sent (scope=received), filtered and paged. last_updated of a
/// change is the time it is applied, later than the one before.
/// </summary>
public sealed class LocationsOperatorApi(ILocationStore store, TimeProvider clock, ILogger<LocationsOperatorApi> logger) : IRouteGroup
{
    private const string Base = "/operator/locations";

    public void Map(RouteTable routes)
    {
        routes.Map("GET", Base, RouteAccess.Operator, List);
        routes.Map("GET", Base + "/{country_code}/{party_id}/{location_id}", RouteAccess.Operator, Get);
        routes.Map("PUT", Base + "/{country_code}/{party_id}/{location_id}", RouteAccess.Operator, PutLocation);
        routes.Map("PATCH", Base + "/{country_code}/{party_id}/{location_id}", RouteAccess.Operator, PatchLocation);
        routes.Map("PUT", Base + "/{country_code}/{party_id}/{location_id}/{evse_uid}", RouteAccess.Operator, PutEvse);
        routes.Map("PATCH", Base + "/{country_code}/{party_id}/{location_id}/{evse_uid}", RouteAccess.Operator, PatchEvse);
        routes.Map("POST", Base + "/evse-statuses", RouteAccess.Operator, BulkStatuses);
    }

    private async Task<OcpiResult> List(OcpiContext ctx)
    {
        var q = HttpUtility.ParseQueryString(ctx.Request.QueryString);
        var scope = OperatorQuery.Scope(q["scope"]);
        var party = OperatorQuery.Party(q);
        var page = ctx.Page();
        EvseStatus? status = null;
        if (q["status"] is { } s)
        {
            try { status = JsonSerializer.Deserialize(JsonSerializer.Serialize(s, OperatorLocationsJson.Default.String), OperatorLocationsJson.Default.EvseStatus); }
            catch (JsonException) { throw new InvalidParametersException([new FieldError("status", $"'{s}' is not an EVSE status")]); }
        }
        var result = await store.ListAsync(scope, new LocationQuery(party, page.DateFrom, page.DateTo, status, page.Offset, page.Limit, page.Continuation), ctx.Cancellation);
        var next = OperatorQuery.NextLink(ctx, page, Base, result.Items.Count, result.Continuation, q);
        return OcpiResult.Json(new LocationList(result.TotalCount, result.Items.ToList(), next), OperatorLocationsJson.Default.LocationList);
    }

    private async Task<OcpiResult> Get(OcpiContext ctx)
    {
        var scope = OperatorQuery.Scope(HttpUtility.ParseQueryString(ctx.Request.QueryString)["scope"]);
        var (party, id) = Target(ctx, mustBeOwn: false);
        var location = await store.GetAsync(scope, party, id, ctx.Cancellation) ?? throw new NotFoundException($"Unknown location {party}/{id}.", OcpiStatus.UnknownLocation);
        return OcpiResult.Json(location, LocationsJson.Default.Location);
    }

    private async Task<OcpiResult> PutLocation(OcpiContext ctx)
    {
        var (party, id) = Target(ctx, mustBeOwn: true);
        var now = Now();
        var location = Stamp(OperatorQuery.Parse(ctx, LocationsJson.Default.Location), now) with { CountryCode = party.CountryCode, PartyId = party.PartyId, Id = id };
        OcpiValidator.ThrowIfInvalid(location);
        LocationLimits.CheckEvses(location.Evses?.Count);
        var outcome = await store.PutAsync(DataScope.Own, location, onlyIfNewer: false, Change(PushKind.Put, party, id), ctx.Cancellation);
        return OcpiResult.Json(location, LocationsJson.Default.Location, outcome == PutOutcome.Created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> PatchLocation(OcpiContext ctx)
    {
        var (party, id) = Target(ctx, mustBeOwn: true);
        var patch = OcpiJson.ReadObject(ctx.Request.Body);
        foreach (var forbidden in new[] { "country_code", "party_id", "id", "evses" })
            if (patch.TryGetProperty(forbidden, out _)) throw new InvalidParametersException([new FieldError(forbidden, "cannot be changed with a location PATCH")]);
        var result = await store.UpdateAsync(DataScope.Own, party, id, new LocationUpdate(
            Fields: current => JsonMerge.Apply(current, patch, LocationsJson.Default.Location) with { LastUpdated = OcpiDateTime.LaterThan(Now(), current.LastUpdated) },
            FieldsPush: _ => Change(PushKind.Patch, party, id, fields: Names(patch))), ctx.Cancellation);
        return OcpiResult.Json(result.Fields, LocationsJson.Default.Location);
    }

    private async Task<OcpiResult> PutEvse(OcpiContext ctx)
    {
        var (party, id) = Target(ctx, mustBeOwn: true);
        var uid = ctx.Value("evse_uid");
        var sent = OperatorQuery.Parse(ctx, LocationsJson.Default.Evse) with { Uid = uid };
        OcpiValidator.ThrowIfInvalid(Stamp(sent, Now()));
        var outcome = await UpdateOneAsync(party, id, new EvseUpdate(uid, before => Stamp(sent, OcpiDateTime.LaterThan(Now(), before?.LastUpdated)), _ => Change(PushKind.Put, party, id, uid)), ctx);
        return OcpiResult.Json(outcome.Evse!, LocationsJson.Default.Evse, outcome.Change == EvseChange.Created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> PatchEvse(OcpiContext ctx)
    {
        var (party, id) = Target(ctx, mustBeOwn: true);
        var uid = ctx.Value("evse_uid");
        var patch = OcpiJson.ReadObject(ctx.Request.Body);
        if (patch.TryGetProperty("uid", out _)) throw new InvalidParametersException([new FieldError("uid", "cannot be changed")]);
        var outcome = await UpdateOneAsync(party, id, new EvseUpdate(uid,
            before =>
            {
                var evse = before ?? throw UnknownEvse(uid);
                return JsonMerge.Apply(evse, patch, LocationsJson.Default.Evse) with { LastUpdated = OcpiDateTime.LaterThan(Now(), evse.LastUpdated) };
            },
            _ => Change(PushKind.Patch, party, id, uid, Names(patch))), ctx);
        return OcpiResult.Json(outcome.Evse!, LocationsJson.Default.Evse);
    }

    private async Task<EvseOutcome> UpdateOneAsync(PartyKey party, string id, EvseUpdate update, OcpiContext ctx)
    {
        var result = await store.UpdateAsync(DataScope.Own, party, id, new LocationUpdate(Evses: [update]), ctx.Cancellation);
        return result.Evses[0].Error is { } error ? throw error : result.Evses[0];
    }

    /// <summary>
    /// Many EVSE status changes in one call: the items of one location are applied together (one read, one transaction
    /// per hundred rows), locations side by side. Each item gets its own result; every change stored is pushed (its
    /// push is stored with it), whatever happens to the others.
    /// </summary>
    private async Task<OcpiResult> BulkStatuses(OcpiContext ctx)
    {
        var items = ctx.Body(OperatorLocationsJson.Default.ListEvseStatusUpdate);
        var v = new OcpiValidator();
        v.List("(body)", items);
        if (items.Count > LocationLimits.MaxStatusUpdates) v.Fail("(body)", $"{items.Count} items; at most {LocationLimits.MaxStatusUpdates} in one call");
        v.ThrowIfInvalid();
        var own = ctx.Options.Parties.Where(p => p.Role == Role.Cpo).Select(p => p.Key).ToHashSet();
        var failed = new List<BulkFailure>();
        var updated = 0;
        void Fail(int index, OcpiException e)
        {
            lock (failed) failed.Add(new BulkFailure(index, e.Message, e.StatusCode));
        }

        var groups = items.Select((item, index) => (Item: item, Index: index))
            .GroupBy(x => (Party: new PartyKey(x.Item.CountryCode!.ToUpperInvariant(), x.Item.PartyId!.ToUpperInvariant()), Location: x.Item.LocationId!.ToUpperInvariant()));
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ctx.Cancellation }, async (group, ct) =>
        {
            var (party, locationId) = group.Key;
            var list = group.ToList();
            if (!own.Contains(party))
            {
                foreach (var x in list) Fail(x.Index, new InvalidParametersException($"{party} is not a CPO party of this platform."));
                return;
            }
            try
            {
                var result = await store.UpdateAsync(DataScope.Own, party, locationId,
                    new LocationUpdate(Evses: list.Select(x => EvseStatusChanges.Update(party, locationId, x.Item.EvseUid!, x.Item.Status!.Value, Now())).ToList()), ct);
                for (var i = 0; i < list.Count; i++)
                {
                    if (result.Evses[i].Error is { } error) Fail(list[i].Index, error);
                    else Interlocked.Increment(ref updated);
                }
            }
            catch (OcpiException e)
            {
                foreach (var x in list) Fail(x.Index, e);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Storage failed for this location; whatever of it was stored carries its push.
                logger.LogWarning(e, "EVSE status updates of location {Party}/{Location} failed", party, locationId);
                foreach (var x in list) Fail(x.Index, new TryAgainLaterException("Storage failed for this location; try again."));
            }
        });
        return OcpiResult.Json(new BulkResult(updated, failed.OrderBy(f => f.Index).ToList()), OperatorLocationsJson.Default.BulkResult);
    }

    private static (PartyKey, string) Target(OcpiContext ctx, bool mustBeOwn) =>
        OperatorQuery.Target(ctx, "location_id", mustBeOwn ? Role.Cpo : null, "evse_uid");

    private static PushChange Change(PushKind kind, PartyKey party, string id, string? evseUid = null, List<string>? fields = null) =>
        new(ModuleIds.Locations, kind, party.CountryCode, party.PartyId, id, evseUid, Fields: fields);

    private DateTimeOffset Now() => OcpiDateTime.Normalize(clock.GetUtcNow());


    private static NotFoundException UnknownEvse(string uid) => new($"Unknown EVSE {uid}.", OcpiStatus.UnknownLocation);

    /// <summary>The back office may leave last_updated out: it is then the time of this call.</summary>
    private static Location Stamp(Location l, DateTimeOffset now) =>
        l with { LastUpdated = l.LastUpdated ?? now, Evses = l.Evses?.Select(e => Stamp(e, now)).ToList() };

    private static Evse Stamp(Evse e, DateTimeOffset now) =>
        e with { LastUpdated = e.LastUpdated ?? now, Connectors = e.Connectors?.Select(c => c with { LastUpdated = c.LastUpdated ?? now }).ToList() };

    private static List<string> Names(JsonElement patch) => patch.EnumerateObject().Select(p => p.Name).ToList();
}

public sealed record EvseStatusUpdate : IOcpiValidatable
{
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    public string? LocationId { get; init; }
    public string? EvseUid { get; init; }
    public EvseStatus? Status { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.CiString("country_code", CountryCode, 2);
        v.CiString("party_id", PartyId, 3);
        v.CiString("location_id", LocationId, 36);
        v.CiString("evse_uid", EvseUid, 36);
        v.Required("status", Status);
    }
}

public sealed record BulkFailure(int Index, string Error, int StatusCode);
public sealed record BulkResult(int Updated, List<BulkFailure> Failed);
public sealed record LocationList(int Total, List<Location> Items, string? Next);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(List<EvseStatusUpdate>))]
[JsonSerializable(typeof(BulkResult))]
[JsonSerializable(typeof(LocationList))]
[JsonSerializable(typeof(EvseStatus))]
[JsonSerializable(typeof(string))]
public sealed partial class OperatorLocationsJson : JsonSerializerContext;

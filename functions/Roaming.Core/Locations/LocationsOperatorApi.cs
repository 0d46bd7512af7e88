using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Web;
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
/// changes (validated as OCPI objects, stored, then pushed to partners through the queue; the call never waits
/// for a partner), and reads what partner CPOs sent (scope=received), filtered and paged.
/// </summary>
public sealed class LocationsOperatorApi(ILocationStore store, TimeProvider clock) : IRouteGroup
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
        var created = await store.PutAsync(DataScope.Own, location, Change(PushKind.Put, party, id), ctx.Cancellation);
        return OcpiResult.Json(location, LocationsJson.Default.Location, created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> PatchLocation(OcpiContext ctx)
    {
        var (party, id) = Target(ctx, mustBeOwn: true);
        var patch = OcpiJson.ReadObject(ctx.Request.Body);
        foreach (var forbidden in new[] { "country_code", "party_id", "id", "evses" })
            if (patch.TryGetProperty(forbidden, out _)) throw new InvalidParametersException([new FieldError(forbidden, "cannot be changed with a location PATCH")]);
        var now = Now();
        var updated = await store.UpdateHeaderAsync(DataScope.Own, party, id,
            current => JsonMerge.Apply(current, patch, LocationsJson.Default.Location) with { LastUpdated = now },
            Change(PushKind.Patch, party, id, fields: Names(patch)), ctx.Cancellation);
        return OcpiResult.Json(updated, LocationsJson.Default.Location);
    }

    private async Task<OcpiResult> PutEvse(OcpiContext ctx)
    {
        var (party, id) = Target(ctx, mustBeOwn: true);
        var uid = ctx.Value("evse_uid");
        var now = Now();
        var evse = Stamp(OperatorQuery.Parse(ctx, LocationsJson.Default.Evse), now) with { Uid = uid };
        OcpiValidator.ThrowIfInvalid(evse);
        var created = false;
        await store.UpdateEvseAsync(DataScope.Own, party, id, uid, before => { created = before is null; return evse; }, now, Change(PushKind.Put, party, id, uid), ctx.Cancellation);
        return OcpiResult.Json(evse, LocationsJson.Default.Evse, created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> PatchEvse(OcpiContext ctx)
    {
        var (party, id) = Target(ctx, mustBeOwn: true);
        var uid = ctx.Value("evse_uid");
        var patch = OcpiJson.ReadObject(ctx.Request.Body);
        if (patch.TryGetProperty("uid", out _)) throw new InvalidParametersException([new FieldError("uid", "cannot be changed")]);
        var now = Now();
        var evse = await store.UpdateEvseAsync(DataScope.Own, party, id, uid,
            before => JsonMerge.Apply(before ?? throw new NotFoundException($"Unknown EVSE {uid}.", OcpiStatus.UnknownLocation), patch, LocationsJson.Default.Evse) with { LastUpdated = now },
            now, Change(PushKind.Patch, party, id, uid, Names(patch)), ctx.Cancellation);
        return OcpiResult.Json(evse, LocationsJson.Default.Evse);
    }

    /// <summary>Many EVSE status changes in one call: each applied on its own, all pushed together.</summary>
    private async Task<OcpiResult> BulkStatuses(OcpiContext ctx)
    {
        var items = ctx.Body(OperatorLocationsJson.Default.ListEvseStatusUpdate);
        var v = new OcpiValidator();
        v.List("(body)", items);
        v.ThrowIfInvalid();
        var own = ctx.Options.Parties.Where(p => p.Role == Role.Cpo).Select(p => p.Key).ToHashSet();
        var now = Now();
        var failed = new List<BulkFailure>();
        var updated = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ctx.Cancellation }, async (i, ct) =>
        {
            var item = items[i];
            var party = new PartyKey(item.CountryCode!, item.PartyId!);
            try
            {
                if (!own.Contains(party)) throw new InvalidParametersException($"{party} is not a CPO party of this platform.");
                await EvseStatusChanges.SetAsync(store, party, item.LocationId!, item.EvseUid!, item.Status!.Value, now, ct);
                Interlocked.Increment(ref updated);
            }
            catch (OcpiException e)
            {
                lock (failed) failed.Add(new BulkFailure(i, e.Message));
            }
        });
        return OcpiResult.Json(new BulkResult(updated, failed.OrderBy(f => f.Index).ToList()), OperatorLocationsJson.Default.BulkResult);
    }

    private static (PartyKey, string) Target(OcpiContext ctx, bool mustBeOwn) =>
        OperatorQuery.Target(ctx, "location_id", mustBeOwn ? Role.Cpo : null, "evse_uid");

    private static PushChange Change(PushKind kind, PartyKey party, string id, string? evseUid = null, List<string>? fields = null) =>
        new(ModuleIds.Locations, kind, party.CountryCode, party.PartyId, id, evseUid, Fields: fields);

    private DateTimeOffset Now() => OcpiDateTime.Normalize(clock.GetUtcNow());

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

public sealed record BulkFailure(int Index, string Error);
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

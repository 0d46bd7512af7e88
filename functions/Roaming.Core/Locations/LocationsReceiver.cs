using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Locations;

/// <summary>
/// Locations, Receiver interface (eMSP side): a CPO pushes its Locations, EVSEs and Connectors with PUT and
/// PATCH, and may GET them back. A partner writes only under a party it holds as CPO (a hub, for any party it
/// speaks for); everything else is refused before anything is stored. Pushes may arrive out of order: at every level
/// (location, EVSE, connector) an object older than the stored one (by last_updated) is dropped, so nothing goes back
/// in time; an equal one applies, so two PATCHes of one moment both take effect.
/// </summary>
public sealed class LocationsReceiver(ILocationStore store)
{
    private const string LocationPath = "/{country_code}/{party_id}/{location_id}";
    private const string EvsePath = LocationPath + "/{evse_uid}";
    private const string ConnectorPath = EvsePath + "/{connector_id}";

    public void Map(InterfaceRoutes routes, LocationsWire wire)
    {
        routes.Get(LocationPath, ctx => GetLocation(ctx, wire));
        routes.Get(EvsePath, ctx => GetEvse(ctx, wire));
        routes.Get(ConnectorPath, ctx => GetConnector(ctx, wire));
        routes.Put(LocationPath, ctx => PutLocation(ctx, wire));
        routes.Put(EvsePath, ctx => PutEvse(ctx, wire));
        routes.Put(ConnectorPath, ctx => PutConnector(ctx, wire));
        routes.Patch(LocationPath, ctx => PatchLocation(ctx, wire));
        routes.Patch(EvsePath, ctx => PatchEvse(ctx, wire));
        routes.Patch(ConnectorPath, ctx => PatchConnector(ctx, wire));
    }

    private async Task<OcpiResult> GetLocation(OcpiContext ctx, LocationsWire wire)
    {
        var (party, id) = Target(ctx);
        var location = await store.GetAsync(DataScope.Received, party, id, ctx.Cancellation) ?? throw Unknown($"location {id}");
        return OcpiResult.Ok(w => wire.Location.Write(w, location));
    }

    private async Task<OcpiResult> GetEvse(OcpiContext ctx, LocationsWire wire)
    {
        var evse = await FindEvseAsync(ctx);
        return OcpiResult.Ok(w => wire.Evse.Write(w, evse));
    }

    private async Task<OcpiResult> GetConnector(OcpiContext ctx, LocationsWire wire)
    {
        var connector = FindConnector(await FindEvseAsync(ctx), ctx.Value("connector_id"));
        return OcpiResult.Ok(w => wire.Connector.Write(w, connector));
    }

    private async Task<OcpiResult> PutLocation(OcpiContext ctx, LocationsWire wire)
    {
        var (party, id) = Target(ctx);
        var location = wire.Location.Read(ctx.Request.Body);
        ClientOwnedObjects.SameIdentity(location.CountryCode, party.CountryCode, "country_code");
        ClientOwnedObjects.SameIdentity(location.PartyId, party.PartyId, "party_id");
        ClientOwnedObjects.SameIdentity(location.Id, id, "id");
        LocationLimits.CheckEvses(location.Evses?.Count);
        var outcome = await store.PutAsync(DataScope.Received, location, onlyIfNewer: true, null, ctx.Cancellation);
        return OcpiResult.Ok(outcome == PutOutcome.Created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> PutEvse(OcpiContext ctx, LocationsWire wire)
    {
        var (party, id) = Target(ctx);
        var evse = wire.Evse.Read(ctx.Request.Body);
        ClientOwnedObjects.SameIdentity(evse.Uid, ctx.Value("evse_uid"), "uid");
        var outcome = await UpdateEvseAsync(party, id, evse.Uid!, before => Older(evse.LastUpdated, before?.LastUpdated) ? null : evse, ctx);
        return OcpiResult.Ok(outcome.Change == EvseChange.Created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> PutConnector(OcpiContext ctx, LocationsWire wire)
    {
        var (party, id) = Target(ctx);
        var connector = wire.Connector.Read(ctx.Request.Body);
        ClientOwnedObjects.SameIdentity(connector.Id, ctx.Value("connector_id"), "id");
        var created = false;
        await UpdateEvseAsync(party, id, ctx.Value("evse_uid"), before =>
        {
            var evse = before ?? throw Unknown($"EVSE {ctx.Value("evse_uid")}");
            var list = new List<Connector>(evse.Connectors ?? []);
            var index = list.FindIndex(c => SameId(c.Id, connector.Id));
            created = index < 0;
            if (!created && Older(connector.LastUpdated, list[index].LastUpdated)) return null;
            if (created) list.Add(connector); else list[index] = connector;
            return evse with { Connectors = list, LastUpdated = Later(evse.LastUpdated, connector.LastUpdated) };
        }, ctx);
        return OcpiResult.Ok(created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> PatchLocation(OcpiContext ctx, LocationsWire wire)
    {
        var (party, id) = Target(ctx);
        var patch = OcpiJson.ReadObject(ctx.Request.Body);
        var lastUpdated = JsonMerge.RequireLastUpdated(patch);
        foreach (var key in new[] { "country_code", "party_id", "id" })
            if (patch.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String)
                ClientOwnedObjects.SameIdentity(value.GetString(), key == "id" ? id : key == "party_id" ? party.PartyId : party.CountryCode, key);
        var evsePatches = EvsePatches(patch, lastUpdated);

        // Everything the PATCH would produce is checked against one read before anything is written, so a refused
        // PATCH changes nothing; the writes then merge again onto what is stored at that moment.
        var stored = await store.GetAsync(DataScope.Received, party, id, ctx.Cancellation) ?? throw Unknown($"location {id}");
        JsonMerge.Apply(stored with { Evses = null }, patch, wire.Location, ignore: ["evses"]);
        for (var i = 0; i < evsePatches.Count; i++)
            MergeEvse(stored.Evses?.FirstOrDefault(e => SameId(e.Uid, evsePatches[i].Uid)), evsePatches[i].Patch, $"evses[{i}]", wire);

        // Only fields of its own change the location itself; EVSEs alone carry its last_updated with theirs.
        var ownFields = patch.EnumerateObject().Any(p => p.Name is not ("evses" or "last_updated"));
        var result = await store.UpdateAsync(DataScope.Received, party, id, new LocationUpdate(
            Fields: ownFields ? current => Older(lastUpdated, current.LastUpdated) ? null : JsonMerge.Apply(current, patch, wire.Location, ignore: ["evses"]) : null,
            Evses: evsePatches.Select(e => new EvseUpdate(e.Uid, before =>
                Older(lastUpdated, before?.LastUpdated) ? null : MergeEvse(before, e.Patch, "evses", wire) with { LastUpdated = lastUpdated })).ToList()),
            ctx.Cancellation);
        if (result.Evses.FirstOrDefault(e => e.Error is not null)?.Error is { } error) throw error;
        return OcpiResult.Ok();
    }

    /// <summary>The EVSEs of a location PATCH, each with the PATCH's last_updated where it names none (spec: a change below a location carries its time).</summary>
    private static List<(string Uid, JsonElement Patch)> EvsePatches(JsonElement patch, DateTimeOffset lastUpdated)
    {
        if (!patch.TryGetProperty("evses", out var evses)) return [];
        if (evses.ValueKind != JsonValueKind.Array) throw new InvalidParametersException([new FieldError("evses", "must be an array")]);
        LocationLimits.CheckEvses(evses.GetArrayLength());
        var list = new List<(string, JsonElement)>(evses.GetArrayLength());
        var i = 0;
        foreach (var evsePatch in evses.EnumerateArray())
        {
            var uid = evsePatch.ValueKind == JsonValueKind.Object && evsePatch.TryGetProperty("uid", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : null;
            if (uid is null) throw new InvalidParametersException([new FieldError($"evses[{i}].uid", "required")]);
            var element = evsePatch;
            if (!evsePatch.TryGetProperty("last_updated", out _))
            {
                var node = JsonObject.Create(evsePatch)!;
                node["last_updated"] = OcpiDateTime.Format(lastUpdated);
                element = JsonSerializer.SerializeToElement(node);
            }
            list.Add((uid, element));
            i++;
        }
        return list;
    }

    /// <summary>An EVSE in a location PATCH: merged into the stored one, or, when new, complete on its own.</summary>
    private static Evse MergeEvse(Evse? before, JsonElement patch, string path, LocationsWire wire)
    {
        try
        {
            return before is null
                ? wire.Evse.Read(patch, "EVSE")
                : JsonMerge.Apply(before, patch, wire.Evse);
        }
        catch (InvalidParametersException e) when (e.Errors.Count > 0)
        {
            throw new InvalidParametersException(e.Errors.Select(f => f with { Field = $"{path}.{f.Field}" }).ToList());
        }
    }

    private async Task<OcpiResult> PatchEvse(OcpiContext ctx, LocationsWire wire)
    {
        var (party, id) = Target(ctx);
        var uid = ctx.Value("evse_uid");
        var patch = OcpiJson.ReadObject(ctx.Request.Body);
        var lastUpdated = JsonMerge.RequireLastUpdated(patch);
        if (patch.TryGetProperty("uid", out var u) && u.ValueKind == JsonValueKind.String) ClientOwnedObjects.SameIdentity(u.GetString(), uid, "uid");
        await UpdateEvseAsync(party, id, uid, before =>
        {
            var evse = before ?? throw Unknown($"EVSE {uid}");
            return Older(lastUpdated, evse.LastUpdated) ? null : JsonMerge.Apply(evse, patch, wire.Evse);
        }, ctx);
        return OcpiResult.Ok();
    }

    private async Task<OcpiResult> PatchConnector(OcpiContext ctx, LocationsWire wire)
    {
        var (party, id) = Target(ctx);
        var uid = ctx.Value("evse_uid");
        var connectorId = ctx.Value("connector_id");
        var patch = OcpiJson.ReadObject(ctx.Request.Body);
        var lastUpdated = JsonMerge.RequireLastUpdated(patch);
        if (patch.TryGetProperty("id", out var cid) && cid.ValueKind == JsonValueKind.String) ClientOwnedObjects.SameIdentity(cid.GetString(), connectorId, "id");
        await UpdateEvseAsync(party, id, uid, before =>
        {
            var evse = before ?? throw Unknown($"EVSE {uid}");
            var list = new List<Connector>(evse.Connectors ?? []);
            var index = list.FindIndex(c => SameId(c.Id, connectorId));
            if (index < 0) throw Unknown($"connector {connectorId}");
            if (Older(lastUpdated, list[index].LastUpdated)) return null;
            list[index] = JsonMerge.Apply(list[index], patch, wire.Connector);
            return evse with { Connectors = list, LastUpdated = Later(evse.LastUpdated, lastUpdated) };
        }, ctx);
        return OcpiResult.Ok();
    }

    /// <summary>One EVSE changed from its stored state; its failure (unknown EVSE, invalid merge) is the request's.</summary>
    private async Task<EvseOutcome> UpdateEvseAsync(PartyKey party, string locationId, string uid, Func<Evse?, Evse?> change, OcpiContext ctx)
    {
        var result = await store.UpdateAsync(DataScope.Received, party, locationId, new LocationUpdate(Evses: [new EvseUpdate(uid, change)]), ctx.Cancellation);
        var outcome = result.Evses[0];
        return outcome.Error is { } error ? throw error : outcome;
    }

    /// <summary>Whether an incoming object is older than the stored one: then it is dropped (it arrived out of order).</summary>
    private static bool Older(DateTimeOffset? incoming, DateTimeOffset? stored) => incoming < stored;

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a > b ? a : b ?? a;

    private async Task<Evse> FindEvseAsync(OcpiContext ctx)
    {
        var (party, id) = Target(ctx);
        return await store.GetEvseAsync(DataScope.Received, party, id, ctx.Value("evse_uid"), ctx.Cancellation)
            ?? throw Unknown(await store.GetHeaderAsync(DataScope.Received, party, id, ctx.Cancellation) is null ? $"location {id}" : $"EVSE {ctx.Value("evse_uid")}");
    }

    internal static Connector FindConnector(Evse evse, string connectorId) =>
        evse.Connectors?.FirstOrDefault(c => SameId(c.Id, connectorId)) ?? throw Unknown($"connector {connectorId}");

    private static (PartyKey Party, string LocationId) Target(OcpiContext ctx) =>
        (ClientOwnedObjects.Owner(ctx, "location_id", "evse_uid", "connector_id"), ctx.Value("location_id"));

    private static bool SameId(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static NotFoundException Unknown(string what) => new($"Unknown {what}.", OcpiStatus.UnknownLocation);
}

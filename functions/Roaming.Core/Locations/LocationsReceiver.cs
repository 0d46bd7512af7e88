using System.Net;
using System.Text.Json;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Locations;

/// <summary>
/// Locations, Receiver interface (eMSP side): a CPO pushes its Locations, EVSEs and Connectors with PUT and
/// PATCH, and may GET them back. A partner writes only under a party it holds as CPO (a hub, for any party it
/// speaks for); everything else is refused before anything is stored.
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
        var created = await store.PutAsync(DataScope.Received, location, null, ctx.Cancellation);
        return OcpiResult.Ok(created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> PutEvse(OcpiContext ctx, LocationsWire wire)
    {
        var (party, id) = Target(ctx);
        var evse = wire.Evse.Read(ctx.Request.Body);
        ClientOwnedObjects.SameIdentity(evse.Uid, ctx.Value("evse_uid"), "uid");
        var created = false;
        await store.UpdateEvseAsync(DataScope.Received, party, id, evse.Uid!, before => { created = before is null; return evse; }, evse.LastUpdated!.Value, null, ctx.Cancellation);
        return OcpiResult.Ok(created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> PutConnector(OcpiContext ctx, LocationsWire wire)
    {
        var (party, id) = Target(ctx);
        var connector = wire.Connector.Read(ctx.Request.Body);
        ClientOwnedObjects.SameIdentity(connector.Id, ctx.Value("connector_id"), "id");
        var created = false;
        await store.UpdateEvseAsync(DataScope.Received, party, id, ctx.Value("evse_uid"), before =>
        {
            var evse = before ?? throw Unknown($"EVSE {ctx.Value("evse_uid")}");
            var connectors = evse.Connectors ?? [];
            var index = connectors.FindIndex(c => SameId(c.Id, connector.Id));
            created = index < 0;
            var list = new List<Connector>(connectors);
            if (created) list.Add(connector); else list[index] = connector;
            return evse with { Connectors = list, LastUpdated = connector.LastUpdated };
        }, connector.LastUpdated!.Value, null, ctx.Cancellation);
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

        // Everything the PATCH would produce is checked before anything is written, so a refused PATCH changes
        // nothing; the writes then merge again onto what is stored at that moment (ETag-guarded).
        var header = await store.GetHeaderAsync(DataScope.Received, party, id, ctx.Cancellation) ?? throw Unknown($"location {id}");
        JsonMerge.Apply(header, patch, wire.Location, ignore: ["evses"]);
        var evsePatches = new List<(string Uid, JsonElement Patch)>();
        if (patch.TryGetProperty("evses", out var evses))
        {
            if (evses.ValueKind != JsonValueKind.Array) throw new InvalidParametersException([new FieldError("evses", "must be an array")]);
            var i = 0;
            foreach (var evsePatch in evses.EnumerateArray())
            {
                var uid = evsePatch.ValueKind == JsonValueKind.Object && evsePatch.TryGetProperty("uid", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : null;
                if (uid is null) throw new InvalidParametersException([new FieldError($"evses[{i}].uid", "required")]);
                MergeEvse(await store.GetEvseAsync(DataScope.Received, party, id, uid, ctx.Cancellation), evsePatch, $"evses[{i}]", wire);
                evsePatches.Add((uid, evsePatch));
                i++;
            }
        }
        foreach (var (uid, evsePatch) in evsePatches)
            await store.UpdateEvseAsync(DataScope.Received, party, id, uid, before => MergeEvse(before, evsePatch, "evses", wire), lastUpdated, null, ctx.Cancellation);
        await store.UpdateHeaderAsync(DataScope.Received, party, id,
            current => JsonMerge.Apply(current, patch, wire.Location, ignore: ["evses"]) with { LastUpdated = lastUpdated }, null, ctx.Cancellation);
        return OcpiResult.Ok();
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
        await store.UpdateEvseAsync(DataScope.Received, party, id, uid,
            before => JsonMerge.Apply(before ?? throw Unknown($"EVSE {uid}"), patch, wire.Evse), lastUpdated, null, ctx.Cancellation);
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
        await store.UpdateEvseAsync(DataScope.Received, party, id, uid, before =>
        {
            var evse = before ?? throw Unknown($"EVSE {uid}");
            var list = new List<Connector>(evse.Connectors ?? []);
            var index = list.FindIndex(c => SameId(c.Id, connectorId));
            if (index < 0) throw Unknown($"connector {connectorId}");
            list[index] = JsonMerge.Apply(list[index], patch, wire.Connector);
            return evse with { Connectors = list, LastUpdated = lastUpdated };
        }, lastUpdated, null, ctx.Cancellation);
        return OcpiResult.Ok();
    }

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

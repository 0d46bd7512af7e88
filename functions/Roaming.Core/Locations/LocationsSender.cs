using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Locations;

/// <summary>
/// Locations, Sender interface (CPO side): the paginated list of our own locations (date_from/date_to on
/// last_updated) and single Location, EVSE or Connector objects; 2003 for an unknown one.
/// </summary>
public sealed class LocationsSender(ILocationStore store)
{
    public void Map(InterfaceRoutes routes, LocationsWire wire)
    {
        var path = routes.Interface.Path;
        routes.Get("", ctx => ListAsync(ctx, wire, path));
        routes.Get("/{location_id}", ctx => GetLocationAsync(ctx, wire));
        routes.Get("/{location_id}/{evse_uid}", ctx => GetEvseAsync(ctx, wire));
        routes.Get("/{location_id}/{evse_uid}/{connector_id}", ctx => GetConnectorAsync(ctx, wire));
    }

    private async Task<OcpiResult> ListAsync(OcpiContext ctx, LocationsWire wire, string path)
    {
        var page = ctx.Page();
        // Addressed to one of our CPO parties: that party's locations; otherwise all we publish.
        PartyKey? party = ctx.Routing.To is not null ? ctx.OwnParty().Key : null;
        var result = await store.ListAsync(DataScope.Own,
            new LocationQuery(party, page.DateFrom, page.DateTo, null, page.Offset, page.Limit, page.Continuation), ctx.Cancellation);
        return page.AddHeaders(OcpiResult.Ok(w => wire.Location.WriteList(w, result.Items)), ctx.Url(path), result.Items.Count, result.TotalCount, result.Continuation);
    }

    private async Task<OcpiResult> GetLocationAsync(OcpiContext ctx, LocationsWire wire)
    {
        var (party, id) = await FindAsync(ctx);
        var location = await store.GetAsync(DataScope.Own, party, id, ctx.Cancellation) ?? throw Unknown($"location {id}");
        return OcpiResult.Ok(w => wire.Location.Write(w, location));
    }

    private async Task<OcpiResult> GetEvseAsync(OcpiContext ctx, LocationsWire wire)
    {
        var evse = await FindEvseAsync(ctx);
        return OcpiResult.Ok(w => wire.Evse.Write(w, evse));
    }

    private async Task<OcpiResult> GetConnectorAsync(OcpiContext ctx, LocationsWire wire)
    {
        var connector = LocationsReceiver.FindConnector(await FindEvseAsync(ctx), ctx.Value("connector_id"));
        return OcpiResult.Ok(w => wire.Connector.Write(w, connector));
    }

    private async Task<Evse> FindEvseAsync(OcpiContext ctx)
    {
        var (party, id) = await FindAsync(ctx);
        return await store.GetEvseAsync(DataScope.Own, party, id, ctx.Value("evse_uid"), ctx.Cancellation) ?? throw Unknown($"EVSE {ctx.Value("evse_uid")}");
    }

    /// <summary>The own CPO party holding the location: the one addressed, else the first that has it.</summary>
    private async Task<(PartyKey, string)> FindAsync(OcpiContext ctx)
    {
        var id = ctx.Value("location_id");
        var v = new OcpiValidator();
        v.CiString("location_id", id, 36);
        if (ctx.RouteValues.TryGetValue("evse_uid", out var uid)) v.CiString("evse_uid", uid, 36);
        if (ctx.RouteValues.TryGetValue("connector_id", out var cid)) v.CiString("connector_id", cid, 36);
        v.ThrowIfInvalid();
        var cpos = ctx.Options.Parties.Where(p => p.Role == Role.Cpo).ToList();
        // One CPO party (the usual case) or one addressed: no lookup needed, the read that follows answers 2003.
        if (ctx.Routing.To is not null || cpos.Count == 1) return (ctx.OwnParty().Key, id);
        foreach (var party in cpos)
        {
            if (await store.GetHeaderAsync(DataScope.Own, party.Key, id, ctx.Cancellation) is null) continue;
            ctx.AnsweringParty = party.Key;
            return (party.Key, id);
        }
        throw Unknown($"location {id}");
    }

    private static NotFoundException Unknown(string what) => new($"Unknown {what}.", OcpiStatus.UnknownLocation);
}

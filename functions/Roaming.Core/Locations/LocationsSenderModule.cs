using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations;

/// <summary>
/// Locations, Sender interface (CPO side): the paginated list of our own locations (date_from/date_to on
/// last_updated) and single Location, EVSE or Connector objects; 2003 for an unknown one.
/// </summary>
public sealed class LocationsSenderModule(ILocationStore store) : IOcpiModule
{
    private static readonly string Base = OcpiPaths.ForRole(Role.Cpo, ModuleIds.Locations);

    public IEnumerable<ModuleEndpoint> Endpoints => [new(ModuleIds.Locations, InterfaceRole.Sender, Role.Cpo, Base)];

    public void Map(RouteTable routes)
    {
        routes.Map("GET", Base, RouteAccess.Registered, List, functional: true);
        routes.Map("GET", Base + "/{location_id}", RouteAccess.Registered, GetLocation, functional: true);
        routes.Map("GET", Base + "/{location_id}/{evse_uid}", RouteAccess.Registered, GetEvse, functional: true);
        routes.Map("GET", Base + "/{location_id}/{evse_uid}/{connector_id}", RouteAccess.Registered, GetConnector, functional: true);
    }

    private async Task<OcpiResult> List(OcpiContext ctx)
    {
        var page = ctx.Page();
        // Addressed to one of our CPO parties: that party's locations; otherwise all we publish.
        PartyKey? party = ctx.Routing.To is not null ? ctx.OwnParty(Role.Cpo).Key : null;
        var result = await store.ListAsync(DataScope.Own,
            new LocationQuery(party, page.DateFrom, page.DateTo, null, page.Offset, page.Limit, page.Continuation), ctx.Cancellation);
        return page.AddHeaders(OcpiResult.Ok(result.Items.ToList(), LocationsJson.Default.ListLocation), ctx.Url(Base), result.Items.Count, result.TotalCount, result.Continuation);
    }

    private async Task<OcpiResult> GetLocation(OcpiContext ctx)
    {
        var (party, id) = await FindAsync(ctx);
        var location = await store.GetAsync(DataScope.Own, party, id, ctx.Cancellation) ?? throw Unknown($"location {id}");
        return OcpiResult.Ok(location, LocationsJson.Default.Location);
    }

    private async Task<OcpiResult> GetEvse(OcpiContext ctx)
    {
        var (party, id) = await FindAsync(ctx);
        var evse = await store.GetEvseAsync(DataScope.Own, party, id, ctx.Value("evse_uid"), ctx.Cancellation) ?? throw Unknown($"EVSE {ctx.Value("evse_uid")}");
        return OcpiResult.Ok(evse, LocationsJson.Default.Evse);
    }

    private async Task<OcpiResult> GetConnector(OcpiContext ctx)
    {
        var (party, id) = await FindAsync(ctx);
        var evse = await store.GetEvseAsync(DataScope.Own, party, id, ctx.Value("evse_uid"), ctx.Cancellation) ?? throw Unknown($"EVSE {ctx.Value("evse_uid")}");
        return OcpiResult.Ok(LocationsReceiverModule.FindConnector(evse, ctx.Value("connector_id")), LocationsJson.Default.Connector);
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
        if (ctx.Routing.To is not null || cpos.Count == 1) return (ctx.OwnParty(Role.Cpo).Key, id);
        foreach (var party in cpos)
            if (await store.GetHeaderAsync(DataScope.Own, party.Key, id, ctx.Cancellation) is not null) return (party.Key, id);
        throw Unknown($"location {id}");
    }

    private static NotFoundException Unknown(string what) => new($"Unknown {what}.", OcpiStatus.UnknownLocation);
}

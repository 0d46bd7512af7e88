using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.PartyObjects;

/// <summary>
/// The paginated list of a sender interface (tariffs, tokens, sessions, CDRs): our own objects of the party the
/// request is addressed to (all of the role's parties without OCPI-to), date_from/date_to on last_updated, Link to
/// the next page; for the module's counterparts only.
/// </summary>
public sealed class PartyObjectSender<T>(IPartyObjectStore<T> store) where T : class
{
    /// <param name="recipientColumn">
    /// the column (see <see cref="PartyObjectKind{T}.Columns"/>) naming the party an object is for ("CC/PID"): a caller
    /// then lists only the objects of its own parties (a session or CDR goes only to its token's eMSP); a hub, which
    /// speaks for many, lists all.
    /// </param>
    public void MapList(InterfaceRoutes routes, IWire<T> wire, string? recipientColumn = null) =>
        routes.Get("", ctx => ListAsync(ctx, wire, routes.Interface.Path, recipientColumn));

    private async Task<OcpiResult> ListAsync(OcpiContext ctx, IWire<T> wire, string path, string? recipientColumn)
    {
        SenderAccess.RequireCounterpart(ctx);
        var page = ctx.Page();
        PartyKey? party = ctx.Routing.To is not null ? ctx.OwnParty().Key : null;
        var where = recipientColumn is null || ctx.Partner.HasRole(Role.Hub) ? null
            : new Dictionary<string, IReadOnlyCollection<string>> { [recipientColumn] = ctx.Partner.Roles.Select(r => r.Key.ToString()).ToHashSet() };
        var query = new ObjectQuery(party, page.DateFrom, page.DateTo, page.Offset, page.Limit, page.Continuation, where);
        var result = await store.ListAsync(DataScope.Own, query, ctx.Cancellation);
        return page.AddHeaders(OcpiResult.Ok(w => wire.WriteList(w, result.Items)), ctx.Url(path), result.Items.Count, result.TotalCount, result.Continuation);
    }
}

/// <summary>Who a sender interface serves.</summary>
public static class SenderAccess
{
    /// <summary>
    /// A sender interface serves the module's counterparts (a CPO reads an eMSP's tokens; a hub for those behind it):
    /// a connection holding none of those roles learns nothing from it, as an object not its own would (404).
    /// </summary>
    public static void RequireCounterpart(OcpiContext ctx)
    {
        var module = ctx.Interface?.Module ?? throw new InvalidOperationException("Not a module route.");
        if (ctx.Partner.Roles.Any(r => r.Role is { } role && module.Counterparts.Contains(role))) return;
        throw new NotFoundException($"This connection holds no party in a role the {module.Identifier} sender interface serves ("
            + string.Join(", ", module.Counterparts.Select(r => r.ToString().ToUpperInvariant())) + ").");
    }
}

using Roaming.Core.Partners;
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
public sealed class PartyObjectSender<T>(IPartyObjectStore<T> store, PartnerAccess access) where T : class
{
    /// <param name="recipientColumn">
    /// the column (see <see cref="PartyObjectKind{T}.Columns"/>) naming the party an object is for ("CC/PID"): a caller
    /// then lists only the objects of the parties it may act for (a session or CDR goes only to its token's eMSP): those
    /// its connection holds, and for a hub those known behind it.
    /// </param>
    public void MapList(InterfaceRoutes routes, IWire<T> wire, string? recipientColumn = null) =>
        routes.Get("", ctx => ListAsync(ctx, wire, routes.Interface.Path, recipientColumn));

    private async Task<OcpiResult> ListAsync(OcpiContext ctx, IWire<T> wire, string path, string? recipientColumn)
    {
        SenderAccess.RequireCounterpart(ctx);
        var page = ctx.Page();
        PartyKey? party = ctx.Routing.To is not null ? ctx.OwnParty().Key : null;
        var where = recipientColumn is null ? null
            : new Dictionary<string, IReadOnlyCollection<string>> { [recipientColumn] = await RecipientsAsync(ctx) };
        var query = new ObjectQuery(party, page.DateFrom, page.DateTo, page.Offset, page.Limit, page.Continuation, where);
        var result = await store.ListAsync(DataScope.Own, query, ctx.Cancellation);
        return page.AddHeaders(OcpiResult.Ok(w => wire.WriteList(w, result.Items)), ctx.Url(path), result.Items.Count, result.TotalCount, result.Continuation);
    }

    /// <summary>The parties whose objects the caller reads: what it acts for in this request and, for a hub, every party known behind it in a counterpart role.</summary>
    private async Task<IReadOnlyCollection<string>> RecipientsAsync(OcpiContext ctx)
    {
        var parties = ctx.Acting.Parties.Select(p => p.Key).ToHashSet();
        if (ctx.Partner.HasRole(Role.Hub))
            foreach (var role in ctx.Interface!.Module.Counterparts)
                parties.UnionWith(await access.BehindHubAsync(ctx.Partner, role, ctx.Cancellation));
        return parties.Select(p => p.ToString()).ToHashSet();
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

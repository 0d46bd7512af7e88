using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Core.Operator;

/// <summary>
/// The operator's hand on what a connection may act for: approve or refuse the roles a partner added in a
/// credentials update, set the roles granted, list the parties behind a hub. Each answers the partner as
/// <c>GET /operator/partners/{id}</c> shows it.
/// </summary>
public sealed class PartnerAccessApi(PartnerAccess access) : IRouteGroup
{
    public void Map(RouteTable routes)
    {
        routes.Map("POST", "/operator/partners/{id}/roles/approve", RouteAccess.Operator, ctx => Answer(access.ApproveAsync(Id(ctx), Roles(ctx), ctx.Cancellation)));
        routes.Map("POST", "/operator/partners/{id}/roles/refuse", RouteAccess.Operator, ctx => Answer(access.RefuseAsync(Id(ctx), Roles(ctx), ctx.Cancellation)));
        routes.Map("PUT", "/operator/partners/{id}/roles", RouteAccess.Operator, ctx =>
            Answer(access.SetRolesAsync(Id(ctx), Roles(ctx) ?? throw new InvalidParametersException([new FieldError("roles", "required")]), ctx.Cancellation)));
        routes.Map("PUT", "/operator/partners/{id}/hub-parties", RouteAccess.Operator, ctx =>
            Answer(access.SetHubPartiesAsync(Id(ctx), PartyRoles.Normalized(ctx.Body(OperatorJson.Default.HubPartiesRequest).Parties)!, ctx.Cancellation)));
    }

    private static string Id(OcpiContext ctx)
    {
        var id = ctx.Value("id");
        return PartnerRegistry.IsPartnerId(id) ? id : throw new NotFoundException($"No partner {id}.");
    }

    private static List<PartyRole>? Roles(OcpiContext ctx) =>
        ctx.Request.Body.IsEmpty ? null : PartyRoles.Normalized(ctx.Body(OperatorJson.Default.RolesRequest).Roles);

    private static async Task<OcpiResult> Answer(Task<Partner> change) => OcpiResult.Json(PartnerView.Of(await change), OperatorJson.Default.PartnerView);
}

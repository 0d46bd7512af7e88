using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Tariffs;

/// <summary>Tariffs, Sender interface (CPO side): the paginated list of our tariffs, date_from/date_to on last_updated.</summary>
public sealed class TariffsSenderModule(ITariffStore store) : IOcpiModule
{
    private static readonly string Base = OcpiPaths.ForRole(Role.Cpo, ModuleIds.Tariffs);

    public IEnumerable<ModuleEndpoint> Endpoints => [new(ModuleIds.Tariffs, InterfaceRole.Sender, Role.Cpo, Base)];

    public void Map(RouteTable routes) => routes.Map("GET", Base, RouteAccess.Registered, List, functional: true);

    private async Task<OcpiResult> List(OcpiContext ctx)
    {
        var page = ctx.Page();
        PartyKey? party = ctx.Routing.To is not null ? ctx.OwnParty(Role.Cpo).Key : null;
        var result = await store.ListAsync(DataScope.Own, new TariffQuery(party, page.DateFrom, page.DateTo, page.Offset, page.Limit, page.Continuation), ctx.Cancellation);
        return page.AddHeaders(OcpiResult.Ok(result.Items.ToList(), TariffsJson.Default.ListTariff), ctx.Url(Base), result.Items.Count, result.TotalCount, result.Continuation);
    }
}

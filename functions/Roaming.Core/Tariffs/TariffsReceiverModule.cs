using System.Net;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Tariffs;

/// <summary>Tariffs, Receiver interface (eMSP side): GET, PUT and DELETE of a partner CPO's tariffs under its own party.</summary>
public sealed class TariffsReceiverModule(ITariffStore store) : IOcpiModule
{
    private static readonly string Base = OcpiPaths.ForRole(Role.Emsp, ModuleIds.Tariffs);
    private const string Path = "/{country_code}/{party_id}/{tariff_id}";

    public IEnumerable<ModuleEndpoint> Endpoints => [new(ModuleIds.Tariffs, InterfaceRole.Receiver, Role.Emsp, Base)];

    public void Map(RouteTable routes)
    {
        routes.Map("GET", Base + Path, RouteAccess.Registered, Get, functional: true);
        routes.Map("PUT", Base + Path, RouteAccess.Registered, Put, functional: true);
        routes.Map("DELETE", Base + Path, RouteAccess.Registered, Delete, functional: true);
    }

    private async Task<OcpiResult> Get(OcpiContext ctx)
    {
        var party = ClientOwnedObjects.Owner(ctx, "tariff_id");
        var tariff = await store.GetAsync(DataScope.Received, party, ctx.Value("tariff_id"), ctx.Cancellation) ?? throw Unknown(ctx);
        return OcpiResult.Ok(tariff, TariffsJson.Default.Tariff);
    }

    private async Task<OcpiResult> Put(OcpiContext ctx)
    {
        var party = ClientOwnedObjects.Owner(ctx, "tariff_id");
        var tariff = ctx.Body(TariffsJson.Default.Tariff);
        ClientOwnedObjects.SameIdentity(tariff.CountryCode, party.CountryCode, "country_code");
        ClientOwnedObjects.SameIdentity(tariff.PartyId, party.PartyId, "party_id");
        ClientOwnedObjects.SameIdentity(tariff.Id, ctx.Value("tariff_id"), "id");
        var created = await store.PutAsync(DataScope.Received, tariff, ctx.Cancellation);
        return OcpiResult.Ok(created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> Delete(OcpiContext ctx)
    {
        var party = ClientOwnedObjects.Owner(ctx, "tariff_id");
        if (!await store.DeleteAsync(DataScope.Received, party, ctx.Value("tariff_id"), ctx.Cancellation)) throw Unknown(ctx);
        return OcpiResult.Ok();
    }

    private static NotFoundException Unknown(OcpiContext ctx) => new($"Unknown tariff {ctx.Value("tariff_id")}.");
}

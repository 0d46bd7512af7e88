using System.Net;
using System.Text.Json.Serialization;
using System.Web;
using Roaming.Core.Operator;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Tariffs;

/// <summary>
/// The back office's side of Tariffs on /operator/tariffs: add, replace or remove our tariffs (stored, then
/// pushed), and read ours or partners' (scope=received), paged.
/// </summary>
public sealed class TariffsOperatorApi(ITariffStore store, PushOutbox outbox, TimeProvider clock) : IOperatorApi
{
    private const string Base = "/operator/tariffs";
    private const string One = Base + "/{country_code}/{party_id}/{tariff_id}";

    public void Map(RouteTable routes)
    {
        routes.Map("GET", Base, RouteAccess.Operator, List);
        routes.Map("GET", One, RouteAccess.Operator, Get);
        routes.Map("PUT", One, RouteAccess.Operator, Put);
        routes.Map("DELETE", One, RouteAccess.Operator, Delete);
    }

    private async Task<OcpiResult> List(OcpiContext ctx)
    {
        var q = HttpUtility.ParseQueryString(ctx.Request.QueryString);
        var scope = OperatorQuery.Scope(q["scope"]);
        var party = OperatorQuery.Party(q);
        var page = ctx.Page();
        var result = await store.ListAsync(scope, new TariffQuery(party, page.DateFrom, page.DateTo, page.Offset, page.Limit, page.Continuation), ctx.Cancellation);
        var next = OperatorQuery.NextLink(ctx, page, Base, result.Items.Count, result.TotalCount, result.Continuation, q);
        return OcpiResult.Json(new TariffList(result.TotalCount, result.Items.ToList(), next), OperatorTariffsJson.Default.TariffList);
    }

    private async Task<OcpiResult> Get(OcpiContext ctx)
    {
        var scope = OperatorQuery.Scope(HttpUtility.ParseQueryString(ctx.Request.QueryString)["scope"]);
        var (party, id) = OperatorQuery.Target(ctx, "tariff_id", mustBeOwnCpo: false);
        var tariff = await store.GetAsync(scope, party, id, ctx.Cancellation) ?? throw new NotFoundException($"Unknown tariff {party}/{id}.");
        return OcpiResult.Json(tariff, TariffsJson.Default.Tariff);
    }

    private async Task<OcpiResult> Put(OcpiContext ctx)
    {
        var (party, id) = OperatorQuery.Target(ctx, "tariff_id", mustBeOwnCpo: true);
        var t = OperatorQuery.Parse(ctx, TariffsJson.Default.Tariff);
        var tariff = t with { CountryCode = party.CountryCode, PartyId = party.PartyId, Id = id, LastUpdated = t.LastUpdated ?? OcpiDateTime.Normalize(clock.GetUtcNow()) };
        OcpiValidator.ThrowIfInvalid(tariff);
        var created = await store.PutAsync(DataScope.Own, tariff, ctx.Cancellation);
        await outbox.EnqueueAsync(new PushChange(ModuleIds.Tariffs, PushKind.Put, party.CountryCode, party.PartyId, id));
        return OcpiResult.Json(tariff, TariffsJson.Default.Tariff, created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> Delete(OcpiContext ctx)
    {
        var (party, id) = OperatorQuery.Target(ctx, "tariff_id", mustBeOwnCpo: true);
        if (!await store.DeleteAsync(DataScope.Own, party, id, ctx.Cancellation)) throw new NotFoundException($"Unknown tariff {party}/{id}.");
        await outbox.EnqueueAsync(new PushChange(ModuleIds.Tariffs, PushKind.Delete, party.CountryCode, party.PartyId, id));
        return OcpiResult.Json(new DeletedResponse(id), OperatorJson.Default.DeletedResponse);
    }
}

public sealed record TariffList(int Total, List<Tariff> Items, string? Next);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(TariffList))]
public sealed partial class OperatorTariffsJson : JsonSerializerContext;

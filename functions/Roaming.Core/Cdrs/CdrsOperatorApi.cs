using System.Web;
using Roaming.Core.Operator;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Transport;

namespace Roaming.Core.Cdrs;

/// <summary>
/// The back office's CDRs on /operator/cdrs. POST a finished session's record: checked here (400 naming the field), then
/// queued on "sdrs-in" like the CSMS's own (202), where it is priced, stored and sent. GET lists ours or partners'
/// (scope=received) by party and date, and received ones by verdict (verdict=matches|differs|unverifiable); reads one;
/// /verifications lists the verdicts themselves, each disputed one with its differences and the engine's breakdown.
/// /{cc}/{pid}/{id}/delivery tells where one of ours went (the Location the eMSP answered); /{cc}/{pid}/{id}/reprice
/// prices one again: a received CDR gets a new verdict (after its tariff arrived, say), one of ours is compared, never changed.
/// </summary>
public sealed class CdrsOperatorApi(PartyObjectsOperatorApi<Cdr> api, PartyObjectsOperatorApi<CdrVerification> verdictsApi, CdrBuilder builder,
    IPartyObjectStore<Cdr> cdrs, IPartyObjectStore<CdrVerification> verdicts, IPartyObjectStore<CdrDelivery> deliveries, CdrVerifier verifier,
    CdrVerifications verifications, IWorkQueue queue, TimeProvider clock) : IRouteGroup
{
    private const string Base = "/operator/cdrs";
    private const string One = Base + "/{country_code}/{party_id}/{id}";

    private static readonly ColumnFilter VerdictFilter = new("verdict", CdrsModule.VerdictColumn, ParseVerdict);

    public void Map(RouteTable routes)
    {
        routes.Map("POST", Base, RouteAccess.Operator, PostAsync);
        routes.Map("GET", Base, RouteAccess.Operator, ListAsync);
        api.Map(routes, Base, complete: null, delete: false, list: false);
        verdictsApi.Map(routes, Base + "/verifications", complete: null, delete: false, filters: [VerdictFilter], scope: DataScope.Received);
        routes.Map("GET", One + "/delivery", RouteAccess.Operator, DeliveryAsync);
        routes.Map("POST", One + "/reprice", RouteAccess.Operator, RepriceAsync);
    }

    private async Task<OcpiResult> PostAsync(OcpiContext ctx)
    {
        builder.ReadRecord(ctx.Request.Body, OcpiDateTime.Normalize(clock.GetUtcNow()));
        // Queued as sent, byte for byte: signed_data must reach the CDR exactly as the meter signed it.
        await queue.SendAsync(SdrsInProcessor.Name, ctx.Request.Body, ct: ctx.Cancellation);
        return Queued.Answer(SdrsInProcessor.Name);
    }

    private async Task<OcpiResult> ListAsync(OcpiContext ctx)
    {
        var q = HttpUtility.ParseQueryString(ctx.Request.QueryString);
        if (q["verdict"] is not { } verdict) return await api.ListAsync(Base)(ctx);
        if (OperatorQuery.Scope(q["scope"], DataScope.Received) != DataScope.Received)
            throw new InvalidParametersException([new FieldError("verdict", "only received CDRs have a verdict (scope=received)")]);
        // The CDRs with that verdict: the verdicts are listed (they hold it as a column) and each CDR read.
        var page = ctx.Page();
        var where = new Dictionary<string, IReadOnlyCollection<string>> { [CdrsModule.VerdictColumn] = [ParseVerdict(verdict)] };
        var result = await verdicts.ListAsync(DataScope.Received,
            new ObjectQuery(OperatorQuery.Party(q), page.DateFrom, page.DateTo, page.Offset, page.Limit, page.Continuation, where), ctx.Cancellation);
        var items = new List<Cdr>(result.Items.Count);
        foreach (var v in result.Items)
            if (await cdrs.GetAsync(DataScope.Received, new(v.CountryCode!, v.PartyId!), v.Id!, ctx.Cancellation) is { } cdr) items.Add(cdr);
        var next = OperatorQuery.NextLink(ctx, page, Base, result.Items.Count, result.Continuation, q);
        return OcpiResult.Json(w => OperatorList.Write(w, result.TotalCount, items, CdrsJson.Default.Cdr, next));
    }

    private async Task<OcpiResult> DeliveryAsync(OcpiContext ctx)
    {
        var (party, id) = OperatorQuery.Target(ctx, "id", CdrsModule.Kind.MaxIdLength, mustBeOwn: null);
        var delivery = await deliveries.GetAsync(DataScope.Own, party, id, ctx.Cancellation)
            ?? throw new NotFoundException($"CDR {party}/{id} has not been delivered (yet).");
        return OcpiResult.Json(delivery, CdrRecordsJson.Default.CdrDelivery);
    }

    private async Task<OcpiResult> RepriceAsync(OcpiContext ctx)
    {
        var (party, id) = OperatorQuery.Target(ctx, "id", CdrsModule.Kind.MaxIdLength, mustBeOwn: null);
        var scope = OperatorQuery.Scope(HttpUtility.ParseQueryString(ctx.Request.QueryString)["scope"]);
        CdrVerification? result;
        if (scope == DataScope.Received) result = await verifications.VerifyAsync(party, id, again: true, null, ctx.Cancellation);
        else result = await cdrs.GetAsync(DataScope.Own, party, id, ctx.Cancellation) is { } cdr ? await verifier.VerifyAsync(DataScope.Own, cdr, ctx.Cancellation) : null;
        return OcpiResult.Json(result ?? throw new NotFoundException($"Unknown CDR {party}/{id}."), CdrRecordsJson.Default.CdrVerification);
    }

    private static string ParseVerdict(string value) =>
        Enum.TryParse<Verdict>(value, ignoreCase: true, out var verdict) && Enum.IsDefined(verdict)
            ? verdict.ToString()
            : throw new InvalidParametersException([new FieldError("verdict", "must be matches, differs or unverifiable")]);
}

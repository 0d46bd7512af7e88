using System.Text.Json;
using System.Text.Json.Nodes;
using System.Web;
using Roaming.Core.Operator;
using Roaming.Core.PartyObjects;
using Roaming.Core.Storage;
using Roaming.Core.Transport;

namespace Roaming.Core.Commands;

/// <summary>
/// The back office's view of a module's asynchronous requests on /operator/{module}: one by id (sent or received), and
/// lists (<c>?scope=sent|received</c>, <c>country_code</c>+<c>party_id</c> of our party, date_from/date_to, paged as
/// {"total","items","next"}). A sent request's secret never shows: only its hash is kept, and that is left out too.
/// The back office reports the charge point's answer to a request we received with <c>POST /{id}/result</c>, carried
/// out by the module's <see cref="IRequestResults"/>, as a message on "command-results-in" is.
/// </summary>
public sealed class RequestsOperatorApi(RequestBooks books, IEnumerable<IRequestResults> results)
{
    public void Map(RouteTable routes, string module, string basePath)
    {
        routes.Map("GET", basePath, RouteAccess.Operator, ctx => ListAsync(ctx, module, basePath));
        routes.Map("GET", basePath + "/{id}", RouteAccess.Operator, ctx => GetAsync(ctx, module));
        var report = results.Single(r => r.Module == module);
        routes.Map("POST", basePath + "/{id}/result", RouteAccess.Operator, ctx => ReportAsync(ctx, report));
    }

    private static async Task<OcpiResult> ReportAsync(OcpiContext ctx, IRequestResults report)
    {
        var updated = await report.ReportAsync(ctx.Value("id"), ctx.Request.Body, again: false, ctx.Cancellation);
        return OcpiResult.Json(w => View(updated).WriteTo(w));
    }

    private async Task<OcpiResult> GetAsync(OcpiContext ctx, string module)
    {
        var id = ctx.Value("id");
        if (await books.FindSentAsync(module, id, ctx.Cancellation) is { } sent) return OcpiResult.Json(w => View(sent).WriteTo(w));
        if (await books.FindReceivedAsync(module, id, ctx.Cancellation) is { } received) return OcpiResult.Json(w => View(received).WriteTo(w));
        throw new NotFoundException($"No {module} request {id}.");
    }

    private async Task<OcpiResult> ListAsync(OcpiContext ctx, string module, string basePath)
    {
        var q = HttpUtility.ParseQueryString(ctx.Request.QueryString);
        var page = ctx.Page();
        var query = new ObjectQuery(OperatorQuery.Party(q), page.DateFrom, page.DateTo, page.Offset, page.Limit, page.Continuation);
        var book = books.For(module);
        var (total, items, continuation) = q["scope"] switch
        {
            null or "sent" => await ListAsync(book.Sent, query, View, ctx.Cancellation),
            "received" => await ListAsync(book.Received, query, View, ctx.Cancellation),
            _ => throw new InvalidParametersException([new FieldError("scope", "must be 'sent' or 'received'")]),
        };
        var next = OperatorQuery.NextLink(ctx, page, basePath, items.Count, continuation, q);
        return OcpiResult.Json(w => OperatorList.Write(w, total, items, RequestsJson.Default.JsonObject, next));
    }

    private static async Task<(int, List<JsonObject>, string?)> ListAsync<T>(IPartyObjectStore<T> store, ObjectQuery query, Func<T, JsonObject> view,
        CancellationToken ct) where T : class
    {
        var page = await store.ListAsync(DataScope.Own, query, ct);
        return (page.TotalCount, page.Items.Select(view).ToList(), page.Continuation);
    }

    /// <summary>A request we sent as the operator sees it: "scope": "sent", never its callback hash.</summary>
    public static JsonObject View(SentRequest r) =>
        WithScope(JsonSerializer.SerializeToNode(r with { CallbackHash = null }, RequestsJson.Default.SentRequest)!.AsObject(), "sent");

    public static JsonObject View(ReceivedRequest r) =>
        WithScope(JsonSerializer.SerializeToNode(r, RequestsJson.Default.ReceivedRequest)!.AsObject(), "received");

    private static JsonObject WithScope(JsonObject view, string scope)
    {
        view.Insert(0, "scope", scope);
        return view;
    }
}

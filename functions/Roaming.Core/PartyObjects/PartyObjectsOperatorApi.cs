using System.Net;
using System.Text.Json;
using System.Web;
using Roaming.Core.Operator;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.PartyObjects;

/// <summary>
/// The back office's side of a flat object module on /operator/{module}: list and read ours or partners' objects
/// (scope=own|received, country_code+party_id, date_from/date_to, paged as {"total","items","next"}); put and
/// delete ours (validated as the OCPI object, stored with its push in one transaction, pushed by the queue).
/// </summary>
public sealed class PartyObjectsOperatorApi<T>(IPartyObjectStore<T> store, ModuleCatalog catalog, TimeProvider clock) where T : class
{
    private PartyObjectKind<T> Kind => store.Kind;

    /// <param name="complete">fills in the URL's identity and, when the back office left it out, last_updated</param>
    /// <param name="list">map the list here; false when the module maps its own list (and may call <see cref="ListAsync"/>)</param>
    /// <param name="filters">query parameters that filter the list on a column of the kind</param>
    /// <param name="scope">the scope read without a scope parameter</param>
    public void Map(RouteTable routes, string basePath, Func<T, PartyKey, string, DateTimeOffset, T>? complete, bool delete = true,
        bool list = true, IReadOnlyList<ColumnFilter>? filters = null, DataScope scope = DataScope.Own)
    {
        var one = basePath + "/{country_code}/{party_id}/{id}";
        if (list) routes.Map("GET", basePath, RouteAccess.Operator, ListAsync(basePath, filters, scope));
        routes.Map("GET", one, RouteAccess.Operator, ctx => GetAsync(ctx, scope));
        if (complete is not null) routes.Map("PUT", one, RouteAccess.Operator, ctx => PutAsync(ctx, complete));
        if (delete) routes.Map("DELETE", one, RouteAccess.Operator, DeleteAsync);
    }

    public OcpiHandler ListAsync(string basePath, IReadOnlyList<ColumnFilter>? filters = null, DataScope scope = DataScope.Own) => async ctx =>
    {
        var q = HttpUtility.ParseQueryString(ctx.Request.QueryString);
        var page = ctx.Page();
        Dictionary<string, IReadOnlyCollection<string>>? where = null;
        foreach (var filter in filters ?? [])
            if (q[filter.Parameter] is { } value) (where ??= [])[filter.Column] = [filter.Value(value)];
        var result = await store.ListAsync(OperatorQuery.Scope(q["scope"], scope),
            new ObjectQuery(OperatorQuery.Party(q), page.DateFrom, page.DateTo, page.Offset, page.Limit, page.Continuation, where), ctx.Cancellation);
        var next = OperatorQuery.NextLink(ctx, page, basePath, result.Items.Count, result.Continuation, q);
        return OcpiResult.Json(w => OperatorList.Write(w, result.TotalCount, result.Items, Kind.Stored, next));
    };

    private async Task<OcpiResult> GetAsync(OcpiContext ctx, DataScope fallback)
    {
        var scope = OperatorQuery.Scope(HttpUtility.ParseQueryString(ctx.Request.QueryString)["scope"], fallback);
        var (party, id) = OperatorQuery.Target(ctx, "id", Kind.MaxIdLength, mustBeOwn: null);
        var value = await store.GetAsync(scope, party, id, ctx.Cancellation) ?? throw Unknown(party, id);
        return OcpiResult.Json(value, Kind.Stored);
    }

    /// <summary>A new or replaced object of ours: stored, then pushed whole.</summary>
    public async Task<OcpiResult> PutAsync(OcpiContext ctx, Func<T, PartyKey, string, DateTimeOffset, T> complete)
    {
        var (party, id) = OperatorQuery.Target(ctx, "id", Owner);
        var value = complete(OperatorQuery.Parse(ctx, Kind.Stored), party, id, OcpiDateTime.Normalize(clock.GetUtcNow()));
        if (value is IOcpiValidatable validatable) OcpiValidator.ThrowIfInvalid(validatable);
        var outcome = await store.PutAsync(DataScope.Own, value, Change(PushKind.Put, party, id), onlyIfNewer: false, ctx.Cancellation);
        return OcpiResult.Json(value, Kind.Stored, outcome == PutOutcome.Created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> DeleteAsync(OcpiContext ctx)
    {
        var (party, id) = OperatorQuery.Target(ctx, "id", Owner);
        if (!await store.DeleteAsync(DataScope.Own, party, id, Change(PushKind.Delete, party, id), ctx.Cancellation)) throw Unknown(party, id);
        return OcpiResult.Json(new DeletedResponse(id), OperatorJson.Default.DeletedResponse);
    }

    private Role Owner => catalog.Module(Kind.Module).Owner!.Value;

    public PushChange Change(PushKind kind, PartyKey party, string id, List<string>? fields = null) =>
        new(Kind.Module, kind, party.CountryCode, party.PartyId, id, Fields: fields);

    private NotFoundException Unknown(PartyKey party, string id) => new($"Unknown {Kind.Module} object {party}/{id}.");
}

/// <summary>A list filter of the operator API: query parameter <paramref name="Parameter"/> to column <paramref name="Column"/>.</summary>
/// <param name="Value">checks the parameter (2001 naming it when it is wrong) and gives the column's value</param>
public sealed record ColumnFilter(string Parameter, string Column, Func<string, string> Value);

/// <summary>An operator list: {"total": n, "items": [...], "next": url-or-absent}.</summary>
public static class OperatorList
{
    public static void Write<T>(Utf8JsonWriter w, int total, IEnumerable<T> items, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string? next)
    {
        w.WriteStartObject();
        w.WriteNumber("total"u8, total);
        w.WritePropertyName("items"u8);
        w.WriteStartArray();
        foreach (var item in items) JsonSerializer.Serialize(w, item, type);
        w.WriteEndArray();
        if (next is not null) w.WriteString("next"u8, next);
        w.WriteEndObject();
    }
}

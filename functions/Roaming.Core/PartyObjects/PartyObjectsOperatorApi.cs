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
/// (scope=own|received, country_code+party_id, date_from/date_to, paged as {"total","items","next"}); put, patch
/// and delete ours (validated as the OCPI object, stored with its push in one transaction, pushed by the queue).
/// </summary>
public sealed class PartyObjectsOperatorApi<T>(IPartyObjectStore<T> store, ModuleCatalog catalog, TimeProvider clock) where T : class
{
    private PartyObjectKind<T> Kind => store.Kind;

    /// <param name="complete">fills in the URL's identity and, when the back office left it out, last_updated</param>
    /// <param name="delete">ours may be deleted (pushed as a DELETE)</param>
    /// <param name="patch">the object with its last_updated set: ours may be patched (pushed as a PATCH of the fields named)</param>
    /// <param name="identify">the object a URL addresses, when more than its id segment names it (a token's type from the query)</param>
    /// <param name="list">map the list here; false when the module maps its own list (and may call <see cref="ListAsync"/>)</param>
    /// <param name="filters">query parameters that filter the list on a column of the kind</param>
    /// <param name="scope">the scope read without a scope parameter</param>
    public void Map(RouteTable routes, string basePath, Func<T, PartyKey, ObjectAddress, DateTimeOffset, T>? complete, bool delete = true,
        Func<T, DateTimeOffset, T>? patch = null, Func<OcpiContext, ObjectAddress>? identify = null,
        bool list = true, IReadOnlyList<ColumnFilter>? filters = null, DataScope scope = DataScope.Own)
    {
        var one = basePath + "/{country_code}/{party_id}/{id}";
        identify ??= ctx => new ObjectAddress(ctx.Value("id"));
        if (list) routes.Map("GET", basePath, RouteAccess.Operator, ListAsync(basePath, filters, scope));
        routes.Map("GET", one, RouteAccess.Operator, ctx => GetAsync(ctx, identify, scope));
        if (complete is not null) routes.Map("PUT", one, RouteAccess.Operator, ctx => PutAsync(ctx, complete, identify));
        if (patch is not null) routes.Map("PATCH", one, RouteAccess.Operator, ctx => PatchAsync(ctx, patch, identify));
        if (delete) routes.Map("DELETE", one, RouteAccess.Operator, ctx => DeleteAsync(ctx, identify));
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

    private async Task<OcpiResult> GetAsync(OcpiContext ctx, Func<OcpiContext, ObjectAddress> identify, DataScope fallback)
    {
        var scope = OperatorQuery.Scope(HttpUtility.ParseQueryString(ctx.Request.QueryString)["scope"], fallback);
        var (party, address) = Target(ctx, identify, mustBeOwn: false);
        var value = await store.GetAsync(scope, party, address.StoredId, ctx.Cancellation) ?? throw Unknown(party, address);
        return OcpiResult.Json(value, Kind.Stored);
    }

    /// <summary>A new or replaced object of ours: stored, then pushed whole.</summary>
    private async Task<OcpiResult> PutAsync(OcpiContext ctx, Func<T, PartyKey, ObjectAddress, DateTimeOffset, T> complete, Func<OcpiContext, ObjectAddress> identify)
    {
        var (party, address) = Target(ctx, identify, mustBeOwn: true);
        var value = complete(OperatorQuery.Parse(ctx, Kind.Stored), party, address, OcpiDateTime.Normalize(clock.GetUtcNow()));
        var outcome = await PutOwnAsync(value, ctx.Cancellation);
        return OcpiResult.Json(value, Kind.Stored, outcome == PutOutcome.Created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    /// <summary>Validates an object of ours and stores it with its push (a PUT of the whole object).</summary>
    public Task<PutOutcome> PutOwnAsync(T value, CancellationToken ct)
    {
        if (value is IOcpiValidatable validatable) OcpiValidator.ThrowIfInvalid(validatable);
        return store.PutAsync(DataScope.Own, value, Change(PushKind.Put, Kind.Party(value), Kind.AddressOf(value)), onlyIfNewer: false, ct);
    }

    /// <summary>Some fields of ours: merged, validated whole, stored with a push of the fields named (and last_updated).</summary>
    private async Task<OcpiResult> PatchAsync(OcpiContext ctx, Func<T, DateTimeOffset, T> stamp, Func<OcpiContext, ObjectAddress> identify)
    {
        var (party, address) = Target(ctx, identify, mustBeOwn: true);
        var patch = OcpiJson.ReadObject(ctx.Request.Body);
        var fields = patch.EnumerateObject().Select(p => p.Name).Where(n => n != "last_updated").ToList();
        if (fields.Count == 0) throw new InvalidParametersException([new FieldError("(body)", "names no field to change")]);
        var now = OcpiDateTime.Normalize(clock.GetUtcNow());
        var updated = await store.UpdateAsync(DataScope.Own, party, address.StoredId, current =>
        {
            var merged = stamp(JsonMerge.Apply(current, patch, Kind.Stored, ignore: ["last_updated"]), now);
            // The identity is the URL's; a patch may not move the object.
            ClientOwnedObjects.SameIdentity(Kind.Party(merged).ToString(), party.ToString(), "country_code, party_id");
            ClientOwnedObjects.SameIdentity(Kind.Id(merged), address.StoredId, Kind.IdName);
            return merged;
        }, _ => Change(PushKind.Patch, party, address, fields), ctx.Cancellation);
        return OcpiResult.Json(updated ?? throw Unknown(party, address), Kind.Stored);
    }

    private async Task<OcpiResult> DeleteAsync(OcpiContext ctx, Func<OcpiContext, ObjectAddress> identify)
    {
        var (party, address) = Target(ctx, identify, mustBeOwn: true);
        if (!await store.DeleteAsync(DataScope.Own, party, address.StoredId, Change(PushKind.Delete, party, address), ctx.Cancellation))
            throw Unknown(party, address);
        return OcpiResult.Json(new DeletedResponse(address.Id), OperatorJson.Default.DeletedResponse);
    }

    private (PartyKey Party, ObjectAddress Address) Target(OcpiContext ctx, Func<OcpiContext, ObjectAddress> identify, bool mustBeOwn)
    {
        var (party, _) = OperatorQuery.Target(ctx, "id", Kind.MaxIdLength, mustBeOwn ? Owner : null);
        return (party, identify(ctx));
    }

    private Role Owner => catalog.Module(Kind.Module).Owner!.Value;

    private PushChange Change(PushKind kind, PartyKey party, ObjectAddress address, List<string>? fields = null) =>
        new(Kind.Module, kind, party.CountryCode, party.PartyId, address.Id, Fields: fields, Variant: address.Variant);

    private NotFoundException Unknown(PartyKey party, ObjectAddress address) => new($"Unknown {Kind.Module} object {party}/{address.Id}.");
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

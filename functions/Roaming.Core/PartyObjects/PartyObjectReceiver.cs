using System.Net;
using System.Text.Json;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.PartyObjects;

/// <summary>
/// A receiver interface for flat client-owned objects under <c>{country_code}/{party_id}/{id}</c>: the owner (a
/// partner holding that party in the module's owner role) reads, puts, patches or deletes its objects; every id in
/// the body must be the id in the URL; an older version never replaces a newer one. What the module's receiver
/// offers (GET/PUT/PATCH/DELETE) is chosen when it maps its routes.
/// </summary>
public sealed class PartyObjectReceiver<T>(IPartyObjectStore<T> store) where T : class
{
    private PartyObjectKind<T> Kind => store.Kind;

    /// <summary>The route template below the interface path; the last segment names the id.</summary>
    public const string Path = "/{country_code}/{party_id}/{id}";

    /// <param name="identify">the object the request addresses, when more than the id segment names it (a token's type from the query)</param>
    /// <param name="maxIdLength">the CiString length of the id in the URL; the kind's when not given</param>
    /// <param name="merge">
    /// how a PATCH applies to the stored object (null: not at all), when it is not field by field; told whether the stored
    /// object is newer than the PATCH (which then only leaves it as it is, unless part of the PATCH is additive: a session's
    /// charging_periods)
    /// </param>
    public void Map(InterfaceRoutes routes, IWire<T> wire, ReceiverMethods methods, Func<OcpiContext, ObjectAddress>? identify = null, int? maxIdLength = null,
        Func<T, JsonElement, IWire<T>, bool, T?>? merge = null)
    {
        identify ??= ctx => new ObjectAddress(ctx.Value("id"));
        // Arrived out of order: the stored object is newer, so this PATCH is already overtaken.
        merge ??= (current, patch, w, overtaken) => overtaken ? null : JsonMerge.Apply(current, patch, w);
        var idLength = maxIdLength ?? Kind.MaxIdLength;
        if (methods.HasFlag(ReceiverMethods.Get)) routes.Get(Path, ctx => GetAsync(ctx, wire, identify, idLength));
        if (methods.HasFlag(ReceiverMethods.Put)) routes.Put(Path, ctx => PutAsync(ctx, wire, identify, idLength));
        if (methods.HasFlag(ReceiverMethods.Patch)) routes.Patch(Path, ctx => PatchAsync(ctx, wire, identify, idLength, merge));
        if (methods.HasFlag(ReceiverMethods.Delete)) routes.Delete(Path, ctx => DeleteAsync(ctx, identify, idLength));
    }

    private async Task<OcpiResult> GetAsync(OcpiContext ctx, IWire<T> wire, Func<OcpiContext, ObjectAddress> identify, int maxIdLength)
    {
        var (party, id) = Target(ctx, identify, maxIdLength);
        var value = await store.GetAsync(DataScope.Received, party, id, ctx.Cancellation) ?? throw Unknown(ctx);
        return OcpiResult.Ok(w => wire.Write(w, value));
    }

    private async Task<OcpiResult> PutAsync(OcpiContext ctx, IWire<T> wire, Func<OcpiContext, ObjectAddress> identify, int maxIdLength)
    {
        var (party, id) = Target(ctx, identify, maxIdLength);
        var value = wire.Read(ctx.Request.Body);
        ClientOwnedObjects.SameIdentity(Kind.Party(value).CountryCode, party.CountryCode, "country_code");
        ClientOwnedObjects.SameIdentity(Kind.Party(value).PartyId, party.PartyId, "party_id");
        ClientOwnedObjects.SameIdentity(Kind.Id(value), id, Kind.IdName);
        var outcome = await store.PutAsync(DataScope.Received, value, null, onlyIfNewer: true, ctx.Cancellation);
        return OcpiResult.Ok(outcome == PutOutcome.Created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private async Task<OcpiResult> PatchAsync(OcpiContext ctx, IWire<T> wire, Func<OcpiContext, ObjectAddress> identify, int maxIdLength,
        Func<T, JsonElement, IWire<T>, bool, T?> merge)
    {
        var (party, id) = Target(ctx, identify, maxIdLength);
        var patch = OcpiJson.ReadObject(ctx.Request.Body);
        var lastUpdated = JsonMerge.RequireLastUpdated(patch);
        foreach (var (field, expected) in new[] { ("country_code", party.CountryCode), ("party_id", party.PartyId) })
            if (patch.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                ClientOwnedObjects.SameIdentity(value.GetString(), expected, field);
        var updated = await store.UpdateAsync(DataScope.Received, party, id, current =>
        {
            var merged = merge(current, patch, wire, Kind.LastUpdated(current) is { } stored && stored > lastUpdated);
            if (merged is null) return null;
            ClientOwnedObjects.SameIdentity(Kind.Id(merged), id, Kind.IdName);
            return merged;
        }, null, ctx.Cancellation);
        return updated is null ? throw Unknown(ctx) : OcpiResult.Ok();
    }

    private async Task<OcpiResult> DeleteAsync(OcpiContext ctx, Func<OcpiContext, ObjectAddress> identify, int maxIdLength)
    {
        var (party, id) = Target(ctx, identify, maxIdLength);
        return await store.DeleteAsync(DataScope.Received, party, id, null, ctx.Cancellation) ? OcpiResult.Ok() : throw Unknown(ctx);
    }

    private static (PartyKey Party, string Id) Target(OcpiContext ctx, Func<OcpiContext, ObjectAddress> identify, int maxIdLength) =>
        (ClientOwnedObjects.Owner(ctx, maxIdLength, "id"), identify(ctx).StoredId);

    private NotFoundException Unknown(OcpiContext ctx) => new($"Unknown {Kind.Module} object {ctx.Value("id")}.");
}

[Flags]
public enum ReceiverMethods
{
    Get = 1,
    Put = 2,
    Patch = 4,
    Delete = 8,
}

using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;

namespace Roaming.Core.PartyObjects;

/// <summary>
/// Pushes flat party objects to a partner's receiver interface: PUT of the whole current object, PATCH of the
/// changed fields with last_updated, DELETE; at <c>{country_code}/{party_id}/{id}</c> (plus the module's query,
/// e.g. a token's type). The object is read when the push is sent.
/// </summary>
/// <param name="wire">picks the object's mapper from the module's wire set of a version</param>
/// <param name="query">the query a module adds to the object's URL (tokens: type=...)</param>
/// <param name="shown">an object id as messages may show it (<see cref="Platform.ModuleDeclaration.Shown"/>)</param>
public sealed class PartyObjectPushSource<T>(IPartyObjectStore<T> store, Func<object, IWire<T>> wire,
    Func<PushChange, string?>? query = null, Func<string, string>? shown = null) : IPushSource where T : class
{
    public string Module => store.Kind.Module;

    private string Shown(PushChange change) => $"{change.Party}/{(shown is null ? change.ObjectId : shown(change.ObjectId))}";

    /// <param name="content">the object as read with its slot or as its commit wrote it; without it, the object is read</param>
    public async Task SendAsync(PushChange change, PushContent? content, InterfaceClient client, CancellationToken ct)
    {
        string[] address = [change.CountryCode, change.PartyId, change.ObjectId];
        var q = query?.Invoke(change);
        var current = content is { } at ? at.Read(store.Kind.Stored) : await store.GetAsync(DataScope.Own, change.Party, StoredId(change), ct);
        if (change.Kind == PushKind.Delete)
        {
            // Deleted and put back since: the put that followed carries the truth.
            if (current is not null) throw new PushObjectGoneException($"{Module} {Shown(change)} exists again; its delete is moot");
            await client.SendAsync<JsonElement>(HttpMethod.Delete, address, null, query: q, ct: ct);
            return;
        }
        if (current is null) throw new PushObjectGoneException($"{Module} {Shown(change)} is gone");
        var mapper = wire(client.Wire<object>(Module));
        if (change.Kind == PushKind.Patch)
        {
            var patch = PatchBody.Fields(mapper.ToNode(current), change.Fields);
            await client.SendAsync<JsonElement>(HttpMethod.Patch, address, null, patch.Writer(), q, ct);
        }
        else
        {
            await client.SendAsync<JsonElement>(HttpMethod.Put, address, null, w => mapper.Write(w, current), q, ct);
        }
    }

    /// <summary>
    /// A refused PATCH ends in a PUT of the whole object (transport_and_format: GET, and PUT where it is missing). The
    /// GET is left out: a flat object is PUT whole whether the partner lacks it or holds a copy the PATCH did not fit.
    /// </summary>
    public async Task<bool> RecoverAsync(PushChange change, InterfaceClient client, PartnerCallException refused, CancellationToken ct)
    {
        if (change.Kind != PushKind.Patch) return false;
        await SendAsync(change with { Kind = PushKind.Put, Fields = null }, null, client, ct);
        return true;
    }

    /// <summary>The stored id: the object id, joined with its variant when the module's identity has one.</summary>
    public static string StoredId(PushChange change) => new ObjectAddress(change.ObjectId, change.Variant).StoredId;
}

/// <summary>
/// The body of a pushed PATCH: only the changed fields, and always last_updated (a PATCH must carry it). A field named
/// as a slice, <c>name[n:]</c> (see <see cref="Slice"/>), sends the items of a list from index n on: for lists a PATCH
/// appends to (a session's charging_periods); of several slices of one list the widest is sent.
/// </summary>
public static class PatchBody
{
    public static System.Text.Json.Nodes.JsonObject Fields(System.Text.Json.Nodes.JsonObject whole, IEnumerable<string>? fields)
    {
        var patch = new System.Text.Json.Nodes.JsonObject();
        var slices = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var field in (fields ?? []).Append("last_updated").Distinct())
        {
            if (TryParseSlice(field, out var list, out var from)) slices[list] = Math.Min(from, slices.GetValueOrDefault(list, int.MaxValue));
            else if (whole[field] is { } value) patch[field] = value.DeepClone();
        }
        foreach (var (list, from) in slices)
            if (!patch.ContainsKey(list) && whole[list] is System.Text.Json.Nodes.JsonArray items)
                patch[list] = new System.Text.Json.Nodes.JsonArray(items.Skip(from).Select(i => i?.DeepClone()).ToArray());
        return patch;
    }

    /// <summary>The field name that sends the items of <paramref name="list"/> from index <paramref name="from"/> on.</summary>
    public static string Slice(string list, int from) => $"{list}[{from.ToString(System.Globalization.CultureInfo.InvariantCulture)}:]";

    private static bool TryParseSlice(string field, out string list, out int from)
    {
        list = "";
        from = 0;
        var open = field.IndexOf('[');
        if (open <= 0 || !field.EndsWith(":]", StringComparison.Ordinal)) return false;
        list = field[..open];
        return int.TryParse(field.AsSpan(open + 1, field.Length - open - 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out from);
    }

    public static Action<System.Text.Json.Utf8JsonWriter> Writer(this System.Text.Json.Nodes.JsonObject body) => w => body.WriteTo(w);
}

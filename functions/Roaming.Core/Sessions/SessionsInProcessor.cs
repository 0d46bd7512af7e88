using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Sessions;

/// <summary>
/// Queue "sessions-in": the sessions the back office reports, written there by the CSMS directly or by the operator API.
/// A message is <c>{"session": Session}</c> (new or replaced, whole) or <c>{"update": {country_code, party_id, id, ...fields}}</c>
/// (PATCH semantics: charging_periods are added, other fields replace; last_updated defaults to when the message was
/// queued). Each change is validated, priced (the running total_cost), stored with its push in one transaction, and pushed
/// to the eMSP of the session's token: PUT for a new or replaced session, PATCH of the changed fields (only the new
/// charging periods) otherwise. An update older than the stored session adds its periods and nothing else. A message seen
/// twice changes nothing. An invalid message is parked with its reason; an update of a session not stored yet is retried
/// (its session may be behind it in the queue) and parked after the last try.
/// </summary>
public sealed class SessionsInProcessor(IPartyObjectStore<Session> store, SessionPricing pricing, IOptions<RoamingOptions> options, TimeProvider clock)
    : IQueueProcessor
{
    public const string Name = "sessions-in";

    private static readonly IWire<Session> Wire = SessionsModule.Canonical;

    public string QueueName => Name;

    public async Task ProcessAsync(QueueWork work, CancellationToken ct)
    {
        var received = OcpiDateTime.Normalize(work.InsertedOn ?? clock.GetUtcNow());
        // The back office's input, read as strictly as the operator API reads it: refused, not repaired.
        using var strict = InputNotes.Begin(lenient: false);
        try
        {
            var (session, update) = Read(work.Body);
            if (session is not null) await PutAsync(session.Value, received, ct);
            else await UpdateAsync(update!.Value, received, ct);
        }
        catch (InvalidParametersException e)
        {
            throw new UnprocessableMessageException(e.Message, e);
        }
    }

    private async Task PutAsync(JsonElement element, DateTimeOffset received, CancellationToken ct)
    {
        var session = Wire.Bind(element);
        session = session with { LastUpdated = session.LastUpdated ?? received };
        OcpiValidator.ThrowIfInvalid(session, "session");
        CheckOwn(session.Party);
        session = pricing.Price(session, await pricing.ResolveAsync(session, ct));
        await store.PutAsync(DataScope.Own, session, Change(PushKind.Put, session, null), onlyIfNewer: true, ct);
    }

    private async Task UpdateAsync(JsonElement update, DateTimeOffset received, CancellationToken ct)
    {
        var v = new OcpiValidator();
        string? Text(string field) => update.TryGetProperty(field, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        v.CiString("update.country_code", Text("country_code"), 2);
        v.CiString("update.party_id", Text("party_id"), 3);
        v.CiString("update.id", Text("id"), 36);
        v.ThrowIfInvalid();
        var party = new PartyKey(Text("country_code")!, Text("party_id")!);
        var id = Text("id")!;
        CheckOwn(party);
        var at = update.TryGetProperty("last_updated", out _) ? JsonMerge.RequireLastUpdated(update) : received;

        var current = await store.GetAsync(DataScope.Own, party, id, ct)
            ?? throw new InvalidOperationException($"session {party}/{id} is not known (yet); its session message may still be queued");
        var applied = await pricing.ResolveAsync(Apply(current, update, at), ct);
        Session? before = null;
        await store.UpdateAsync(DataScope.Own, party, id, stored =>
        {
            before = stored;
            var next = pricing.Price(Apply(stored, update, at), applied);
            return JsonNode.DeepEquals(Wire.ToNode(stored), Wire.ToNode(next)) ? null : next;
        }, next =>
        {
            var (kind, fields) = Changes(before!, next);
            return Change(kind, next, fields);
        }, ct);
    }

    /// <summary>The update applied as a PATCH dated <paramref name="at"/>; one older than the stored session only adds its charging periods.</summary>
    private static Session Apply(Session stored, JsonElement update, DateTimeOffset at)
    {
        var patch = new JsonObject();
        foreach (var property in update.EnumerateObject())
            if (property.Name is not ("country_code" or "party_id" or "id")) patch[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        patch["last_updated"] = OcpiDateTime.Format(at);
        return SessionPatch.Apply(stored, JsonSerializer.SerializeToElement(patch), Wire, overtaken: stored.LastUpdated is { } last && at < last) ?? stored;
    }

    /// <summary>
    /// How the eMSP learns of a change: a PATCH of the changed fields, with only the periods added since (a receiver adds
    /// what a PATCH carries); a PUT of the whole session when a stored period changed or a field went away, which a PATCH cannot say.
    /// </summary>
    public static (PushKind Kind, List<string>? Fields) Changes(Session before, Session after)
    {
        var a = Wire.ToNode(before);
        var b = Wire.ToNode(after);
        var fields = new List<string>();
        foreach (var name in a.Select(p => p.Key).Union(b.Select(p => p.Key)))
        {
            if (name == "last_updated" || JsonNode.DeepEquals(a[name], b[name])) continue;
            if (b[name] is null) return (PushKind.Put, null);
            if (name != SessionPatch.Periods) { fields.Add(name); continue; }
            var old = a[name] as JsonArray ?? [];
            var now = (JsonArray)b[name]!;
            if (now.Count < old.Count || old.Where((p, i) => !JsonNode.DeepEquals(p, now[i])).Any()) return (PushKind.Put, null);
            fields.Add(PatchBody.Slice(name, old.Count));
        }
        return (PushKind.Patch, fields);
    }

    private static PushChange Change(PushKind kind, Session session, List<string>? fields) =>
        new(ModuleIds.Sessions, kind, session.Party.CountryCode, session.Party.PartyId, session.Id!, Fields: fields,
            ToCountryCode: session.TokenParty?.CountryCode, ToPartyId: session.TokenParty?.PartyId);

    private void CheckOwn(PartyKey party)
    {
        if (!options.Value.Parties.Any(p => p.Role == Role.Cpo && p.Key == party))
            throw new UnprocessableMessageException($"{party} is not a CPO party of this platform");
    }

    private static (JsonElement? Session, JsonElement? Update) Read(ReadOnlyMemory<byte> body)
    {
        var root = OcpiJson.ReadObject(body);
        var session = root.TryGetProperty("session", out var s) && s.ValueKind == JsonValueKind.Object ? s : (JsonElement?)null;
        var update = root.TryGetProperty("update", out var u) && u.ValueKind == JsonValueKind.Object ? u : (JsonElement?)null;
        if ((session is null) == (update is null))
            throw new UnprocessableMessageException("a sessions-in message holds either \"session\" (a whole Session) or \"update\" (country_code, party_id, id and the changed fields) as an object");
        return (session, update);
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Roaming.Core.Partners;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Push;

public enum PushKind
{
    /// <summary>Send the whole object (new or replaced).</summary>
    Put,
    /// <summary>Send the named fields with last_updated.</summary>
    Patch,
    Delete,
    /// <summary>Send a new object to the receiver's endpoint itself (CDRs: POST, the receiver answers its Location).</summary>
    Post,
}

/// <summary>
/// One change of our own data to tell partners about. It names the object, not its content: the content is read
/// when the push is sent, so a retried push carries the current state and can never undo a newer one.
/// </summary>
/// <param name="CountryCode">the owning party (ours)</param>
/// <param name="Variant">a part of the object's identity besides its id (a token's type)</param>
/// <param name="ToCountryCode">set when only the partner holding this party takes the change (a session goes to its token's eMSP)</param>
/// <param name="PartnerId">
/// set when the change answers a request of one partner connection (a command's result to the response_url it gave):
/// only that connection takes it, through the module's <see cref="IPushSource.Target"/> interface, listed or not
/// </param>
public sealed record PushChange(string Module, PushKind Kind, string CountryCode, string PartyId, string ObjectId,
    string? EvseUid = null, string? ConnectorId = null, List<string>? Fields = null,
    string? Variant = null, string? ToCountryCode = null, string? ToPartyId = null, string? PartnerId = null)
{
    [JsonIgnore]
    public PartyKey Party => new(CountryCode, PartyId);

    [JsonIgnore]
    public PartyKey? To => ToCountryCode is not null && ToPartyId is not null ? new PartyKey(ToCountryCode, ToPartyId) : null;

    /// <summary>Changes of one object keep their order; changes of different objects may travel side by side.</summary>
    [JsonIgnore]
    public (string, string, string, string, string?) ObjectKey => (Module, Party.CountryCode, Party.PartyId, ObjectId.ToUpperInvariant(), Variant);

    /// <summary>Whether this change's target holds the other's: the same object, and the same or a higher level (location ⊇ EVSE ⊇ connector).</summary>
    public bool Covers(PushChange other) =>
        ObjectKey == other.ObjectKey
        && (EvseUid is null || (Same(EvseUid, other.EvseUid) && (ConnectorId is null || Same(ConnectorId, other.ConnectorId))));

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Pending changes folded together. Content is read when a push is sent, so a change only says what to send: a PUT
/// sends everything below it (a PATCH under a pending PUT adds nothing, a PUT replaces the changes it covers),
/// PATCHes of one target become one with the fields of both, a DELETE replaces what was pending for its object.
/// </summary>
public static class PushChanges
{
    public static List<PushChange> Coalesce(IEnumerable<PushChange> changes)
    {
        var pending = new List<PushChange>();
        foreach (var change in changes) Add(pending, change);
        return pending;
    }

    public static void Add(List<PushChange> pending, PushChange next)
    {
        switch (next.Kind)
        {
            case PushKind.Put:
            case PushKind.Delete:
                pending.RemoveAll(p => p.Kind != PushKind.Post && next.Covers(p));
                pending.Add(next);
                break;
            case PushKind.Patch:
                if (pending.Any(p => p.Kind == PushKind.Put && p.Covers(next))) break;
                var same = pending.FindIndex(p => p.Kind == PushKind.Patch && p.Covers(next) && next.Covers(p));
                if (same < 0) pending.Add(next);
                else pending[same] = pending[same] with { Fields = [.. (pending[same].Fields ?? []).Union(next.Fields ?? [])] };
                break;
            default:
                pending.Add(next);
                break;
        }
    }
}

/// <summary>A queue message: many changes (one message per change would cap throughput at the queue's rate).</summary>
/// <param name="Changes">changes to send (a retry carries the ones a partner did not take)</param>
/// <param name="PartnerId">null: every partner that takes the module; set: a retry for that partner.</param>
/// <param name="Slots">pending pushes in the outbox, read when the message is processed (messages of earlier versions; a slot is named by <paramref name="States"/> now)</param>
/// <param name="States">slots by their opening, some with what their commit wrote (see <see cref="PushSlotState"/>)</param>
/// <param name="PutOffSince">when the partner's rate limit (or our pace for it) first put these changes off; such waits are not tries</param>
public sealed record PushMessage(List<PushChange>? Changes = null, string? PartnerId = null, int Attempt = 0, List<PushSlotRef>? Slots = null,
    List<PushSlotState>? States = null, DateTimeOffset? PutOffSince = null);

/// <summary>Where an outbox keeps the pending pushes of one target (a table row beside the object).</summary>
public sealed record PushSlotRef(string Table, string Partition, string Row);

/// <summary>The pending changes of a slot as read, with the version they were read at.</summary>
public sealed record PushSlot(PushSlotRef Ref, IReadOnlyList<PushChange> Changes, string Version)
{
    /// <summary>Which opening of the slot this is (a slot cleared and opened again at the same place is another one); null: a slot of an earlier version.</summary>
    public string? Id { get; init; }

    /// <summary>The object the changes are about, read with the slot or as its commit wrote it; null: not at hand (the source reads it).</summary>
    public PushContent? Content { get; init; }
}

/// <summary>The object a slot's changes are about, in the module's stored JSON; a null value: the object is gone.</summary>
public sealed class PushContent(JsonElement? value)
{
    public JsonElement? Value { get; } = value;

    private object? _read;

    /// <summary>
    /// The object, deserialized once for every partner the slot goes to (they are sent side by side); sources only
    /// write what they read, so one instance serves them all.
    /// </summary>
    public T? Read<T>(JsonTypeInfo<T> type) where T : class
    {
        if (Value is not { } json) return null;
        if (Volatile.Read(ref _read) is T read) return read;
        var fresh = json.Deserialize(type);
        return Interlocked.CompareExchange(ref _read, fresh, null) as T ?? fresh;
    }
}

/// <summary>
/// A slot named by its opening (<paramref name="Id"/>): a message drains only the slot it names, never a later one
/// opened at the same place (that one's own message sends it), so an old message cannot send its slot's state after a
/// newer one. The commit that opened a slot adds, for a module whose objects hold no personal data and when small, its
/// version, its changes and the object as written (<see cref="Carries"/>): the first send then reads nothing; when
/// the slot has changed since (another change joined it), clearing it fails on the version and the slot is read and
/// sent again, so a partner gets each state in order. A message seen a second time or late is read afresh.
/// </summary>
public sealed record PushSlotState(PushSlotRef Slot, string? Id, string? Version = null, List<PushChange>? Changes = null, JsonElement? Content = null)
{
    [JsonIgnore]
    [MemberNotNullWhen(true, nameof(Version), nameof(Changes))]
    public bool Carries => Version is not null && Changes is { Count: > 0 } && Content is not null;
}

/// <summary>
/// The outbox the push channel drains. A store writes a change and the push it causes into a slot beside the object,
/// in one transaction; while a slot is pending, further changes of its target join it instead of queueing another
/// message, so one push at a time is under way per target (its order kept across workers and instances) and
/// repeated changes are sent once.
/// </summary>
public interface IPushOutbox
{
    /// <returns>null when nothing is pending any more</returns>
    Task<PushSlot?> ReadAsync(PushSlotRef slot, CancellationToken ct);

    /// <summary>Clears the slot if nothing joined it since it was read.</summary>
    /// <returns>false when new changes joined (read it again and send those)</returns>
    Task<bool> CompleteAsync(PushSlot slot, CancellationToken ct);

    /// <summary>Leaves the slot to a new message (a target changing faster than it can be pushed).</summary>
    Task HandOverAsync(PushSlot slot, CancellationToken ct);
}

/// <summary>
/// A module's side of the push channel: sends one change of its objects to one partner through the partner's receiver
/// interface, reading the object's current state. The channel chooses the partners, sets the routing headers and the
/// token (in <paramref name="client"/>), keeps per-object order and retries.
/// </summary>
public interface IPushSource
{
    string Module { get; }

    /// <summary>
    /// The partner's interface the module's pushes go to: its receiver (objects of an owner), or its sender interface
    /// (the asynchronous answers of commands and charging profiles, which the spec's senders receive).
    /// </summary>
    InterfaceRole Target => InterfaceRole.Receiver;

    /// <param name="content">
    /// the object as read with its slot or as its commit wrote it, for a source that can use it instead of reading the
    /// object again; null: not at hand (a retry, a change without a slot), the source reads it
    /// </param>
    Task SendAsync(PushChange change, PushContent? content, InterfaceClient client, CancellationToken ct);

    /// <summary>
    /// After the partner refused a change in a way no retry changes (<see cref="PartnerCallFailures.IsRetryable"/>):
    /// whatever the module's rules offer instead (transport_and_format: a failed PATCH is followed by a GET and, where
    /// the object is missing, a PUT of it). Returns false when there is nothing to try; the change is then parked.
    /// </summary>
    Task<bool> RecoverAsync(PushChange change, InterfaceClient client, PartnerCallException refused, CancellationToken ct) => Task.FromResult(false);
}

/// <summary>Raised by a source when the object to push no longer exists; the change is skipped, not retried.</summary>
public sealed class PushObjectGoneException(string message) : Exception(message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter), typeof(JsonStringEnumConverter<PushKind>)])]
[JsonSerializable(typeof(PushMessage))]
[JsonSerializable(typeof(PushChange))]
[JsonSerializable(typeof(List<PushChange>))]
[JsonSerializable(typeof(PushSlotState))]
public sealed partial class PushJson : JsonSerializerContext;

using System.Text.Json.Serialization;
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
}

/// <summary>A queue message: many changes (one message per change would cap throughput at the queue's rate).</summary>
/// <param name="PartnerId">null: every partner that takes the module; set: a retry for that partner.</param>
/// <param name="Reason">in the poison queue: why the changes were parked there</param>
public sealed record PushMessage(List<PushChange> Changes, string? PartnerId = null, int Attempt = 0, string? Reason = null);

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

    Task SendAsync(PushChange change, InterfaceClient client, CancellationToken ct);

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
public sealed partial class PushJson : JsonSerializerContext;

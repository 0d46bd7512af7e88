using System.Text.Json.Serialization;
using Roaming.Core.Partners;
using Roaming.Core.Transport;

namespace Roaming.Core.Push;

public enum PushKind
{
    /// <summary>Send the whole object (new or replaced).</summary>
    Put,
    /// <summary>Send the named fields with last_updated.</summary>
    Patch,
    Delete,
}

/// <summary>
/// One change of our own data to tell partners about. It names the object, not its content: the content is
/// read when the push is sent, so a retried push carries the current state and can never undo a newer one.
/// </summary>
public sealed record PushChange(string Module, PushKind Kind, string CountryCode, string PartyId, string ObjectId,
    string? EvseUid = null, string? ConnectorId = null, List<string>? Fields = null);

/// <summary>A queue message: many changes (one message per change would cap throughput at the queue's rate).</summary>
/// <param name="PartnerId">null: every partner that takes the module; set: a retry for that partner.</param>
public sealed record PushMessage(List<PushChange> Changes, string? PartnerId = null, int Attempt = 0);

/// <summary>Sends one module's changes to one partner.</summary>
public interface IPushSender
{
    string Module { get; }
    /// <summary>Whether the partner takes pushes of this module (its receiver endpoint and role).</summary>
    bool Wants(Partner partner);
    Task SendAsync(Partner partner, PushChange change, CancellationToken ct);
}

/// <summary>Raised by a sender when the object to push no longer exists; the change is skipped, not retried.</summary>
public sealed class PushObjectGoneException(string message) : Exception(message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter), typeof(JsonStringEnumConverter<PushKind>)])]
[JsonSerializable(typeof(PushMessage))]
public sealed partial class PushJson : JsonSerializerContext;

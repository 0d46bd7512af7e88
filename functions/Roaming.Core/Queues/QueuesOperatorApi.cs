using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Web;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Core.Queues;

/// <summary>
/// The queues on /operator/queues, the same for every queue: how many messages wait (work, poison, outbound), the
/// poison messages of a work queue with the reason each was parked for, and replaying one (as it was, or corrected)
/// or discarding it. Only the queues of this endpoint are reachable, never another name.
/// </summary>
public sealed class QueuesOperatorApi(IEnumerable<IQueueProcessor> processors, IEnumerable<OutboundQueue> outbound, IQueueAdmin admin, IWorkQueue queue)
    : IRouteGroup
{
    private const string Base = "/operator/queues";
    /// <summary>The most messages Storage Queues shows at once.</summary>
    private const int MaxPeek = 32;

    private readonly HashSet<string> _work = processors.Select(p => p.QueueName).ToHashSet(StringComparer.Ordinal);
    private readonly HashSet<string> _outbound = outbound.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);

    public void Map(RouteTable routes)
    {
        routes.Map("GET", Base, RouteAccess.Operator, ListQueues);
        routes.Map("GET", Base + "/{queue}/poison", RouteAccess.Operator, ListPoison);
        routes.Map("POST", Base + "/{queue}/poison/{message_id}/replay", RouteAccess.Operator, Replay);
        routes.Map("DELETE", Base + "/{queue}/poison/{message_id}", RouteAccess.Operator, Discard);
    }

    private async Task<OcpiResult> ListQueues(OcpiContext ctx)
    {
        var list = new List<QueueView>();
        foreach (var name in _work.Order())
            list.Add(new QueueView(name, "work", await admin.CountAsync(name, ctx.Cancellation), await admin.CountAsync(QueueRules.PoisonQueueName(name), ctx.Cancellation)));
        foreach (var name in _outbound.Order())
            list.Add(new QueueView(name, "outbound", await admin.CountAsync(name, ctx.Cancellation), null));
        return OcpiResult.Json(list, QueuesApiJson.Default.ListQueueView);
    }

    private async Task<OcpiResult> ListPoison(OcpiContext ctx)
    {
        var name = WorkQueue(ctx);
        var q = HttpUtility.ParseQueryString(ctx.Request.QueryString);
        var limit = q["limit"] is { } l ? int.TryParse(l, out var n) && n is > 0 and <= MaxPeek ? n
            : throw new InvalidParametersException([new FieldError("limit", $"must be 1 to {MaxPeek}")]) : MaxPeek;
        var poison = QueueRules.PoisonQueueName(name);
        var total = await admin.CountAsync(poison, ctx.Cancellation);
        var items = (await admin.PeekAsync(poison, limit, ctx.Cancellation)).Select(View).ToList();
        return OcpiResult.Json(w => OperatorList.Write(w, total, items, QueuesApiJson.Default.PoisonView, null));
    }

    /// <summary>Back onto its work queue: the message as it was (after fixing what it needed), or the corrected one given.</summary>
    private async Task<OcpiResult> Replay(OcpiContext ctx)
    {
        var name = WorkQueue(ctx);
        var id = MessageId(ctx);
        ReadOnlyMemory<byte>? replacement = null;
        if (!ctx.Request.Body.IsEmpty)
        {
            var request = OcpiJson.ReadObject(ctx.Request.Body);
            if (request.TryGetProperty("message", out var message)) replacement = Encoding.UTF8.GetBytes(message.GetRawText());
            else if (request.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.String) replacement = Encoding.UTF8.GetBytes(body.GetString()!);
            else throw new InvalidParametersException([new FieldError("message", "give the corrected message as \"message\" (JSON) or \"body\" (text), or send no body")]);
        }
        var found = await admin.TakeAsync(QueueRules.PoisonQueueName(name), id, async stored =>
            await queue.SendAsync(name, replacement ?? PoisonedMessage.Read(stored.Body).Original, ct: ctx.Cancellation), ctx.Cancellation);
        return found ? OcpiResult.Json(new QueueActionResult(id, name, "replayed"), QueuesApiJson.Default.QueueActionResult) : throw NoSuch(name, id);
    }

    private async Task<OcpiResult> Discard(OcpiContext ctx)
    {
        var name = WorkQueue(ctx);
        var id = MessageId(ctx);
        var found = await admin.TakeAsync(QueueRules.PoisonQueueName(name), id, _ => Task.CompletedTask, ctx.Cancellation);
        return found ? OcpiResult.Json(new QueueActionResult(id, name, "discarded"), QueuesApiJson.Default.QueueActionResult) : throw NoSuch(name, id);
    }

    private static PoisonView View(StoredMessage m)
    {
        var (reason, original) = PoisonedMessage.Read(m.Body);
        var text = PoisonedMessage.TryUtf8(original.Span);
        return new PoisonView(m.MessageId, m.InsertedOn, reason?.Reason, reason?.FailedAt, reason?.Attempts, text, text is null ? Convert.ToBase64String(original.Span) : null);
    }

    private string WorkQueue(OcpiContext ctx)
    {
        var name = ctx.Value("queue");
        return _work.Contains(name) ? name : throw new NotFoundException($"No work queue {name}; GET {Base} lists them.");
    }

    private static string MessageId(OcpiContext ctx)
    {
        var id = ctx.Value("message_id");
        return id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? id : throw new NotFoundException($"No message {id}.");
    }

    private static NotFoundException NoSuch(string queue, string id) =>
        new($"No message {id} among the oldest {MaxPeek} in {QueueRules.PoisonQueueName(queue)}.");
}

/// <param name="Poison">messages parked in its poison queue (work queues only)</param>
public sealed record QueueView(string Name, string Kind, int Messages, int? Poison);

/// <param name="Reason">why it was parked; null for a message moved there without one (e.g. by the Functions runtime)</param>
public sealed record PoisonView(string MessageId, DateTimeOffset? InsertedOn, string? Reason, DateTimeOffset? FailedAt, long? Attempts,
    string? Message, string? MessageBase64);

public sealed record QueueActionResult(string MessageId, string Queue, string Done);

/// <summary>What the operator API answers for work it queued (HTTP 202): the queue it went to.</summary>
public sealed record QueuedResponse(string Queued);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(List<QueueView>))]
[JsonSerializable(typeof(PoisonView))]
[JsonSerializable(typeof(QueueActionResult))]
[JsonSerializable(typeof(QueuedResponse))]
public sealed partial class QueuesApiJson : JsonSerializerContext;

public static class Queued
{
    /// <summary>HTTP 202 naming the queue: the back office's work is accepted and will be processed from there.</summary>
    public static OcpiResult Answer(string queue) => OcpiResult.Json(new QueuedResponse(queue), QueuesApiJson.Default.QueuedResponse, System.Net.HttpStatusCode.Accepted);
}

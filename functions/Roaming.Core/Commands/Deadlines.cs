using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Roaming.Core.Queues;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Types;

namespace Roaming.Core.Commands;

/// <summary>A record with a deadline: which kind, of which module, of which of our parties.</summary>
/// <param name="Kind">"sent" and "received" requests, a "reservation"</param>
public sealed record DeadlineMessage(string Kind, string Module, string CountryCode, string PartyId, string Id)
{
    [JsonIgnore]
    public PartyKey Party => new(CountryCode, PartyId);
}

/// <summary>What is due when a deadline passes (a request's TIMEOUT, a reservation's end).</summary>
public interface IDeadlineHandler
{
    string Kind { get; }

    /// <summary>Acts on the record if its deadline has passed; returns when to look again (a deadline later than the message), or null when done.</summary>
    Task<DateTimeOffset?> DueAsync(DeadlineMessage message, CancellationToken ct);
}

/// <summary>
/// Deadlines as queue messages made visible when they are due (queue "ocpi-deadlines"): both hosts run the processor,
/// so a timeout is recorded with no timer and no scan. A message is sent before the work it guards starts, so a host
/// that stops midway still leaves the deadline behind; one due early (the record's deadline moved later) looks again
/// then. Storage Queues hide a message for at most seven days, so a later deadline is reached in steps.
/// </summary>
public sealed class Deadlines(IWorkQueue queue, TimeProvider clock)
{
    public const string QueueName = "ocpi-deadlines";
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(6);

    public Task ScheduleAsync(DeadlineMessage message, DateTimeOffset at, CancellationToken ct)
    {
        var wait = at - clock.GetUtcNow();
        var delay = wait <= TimeSpan.Zero ? TimeSpan.Zero : wait > LongestWait ? LongestWait : wait;
        return queue.SendAsync(QueueName, JsonSerializer.SerializeToUtf8Bytes(message, DeadlinesJson.Default.DeadlineMessage), delay, ct);
    }
}

public sealed class DeadlineProcessor(IEnumerable<IDeadlineHandler> handlers, Deadlines deadlines, IWorkQueue queue, ILogger<DeadlineProcessor> logger) : IQueueProcessor
{
    private readonly Dictionary<string, IDeadlineHandler> _handlers = handlers.ToDictionary(h => h.Kind);

    public string QueueName => Deadlines.QueueName;

    public async Task ProcessAsync(QueueWork work, CancellationToken ct)
    {
        DeadlineMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(work.Body.Span, DeadlinesJson.Default.DeadlineMessage);
        }
        catch (JsonException)
        {
            message = null;
        }
        if (message is null || !_handlers.TryGetValue(message.Kind, out var handler))
        {
            // Unreadable work can never succeed: park it for a person instead of retrying it.
            logger.LogError("Unreadable deadline message {MessageId}; moved to the poison queue", work.MessageId);
            await queue.SendAsync(QueueRules.PoisonQueueName(QueueName), work.Body, ct: ct);
            return;
        }
        if (await handler.DueAsync(message, ct) is { } later) await deadlines.ScheduleAsync(message, later, ct);
    }
}

public static class DeadlineRecords
{
    /// <summary>
    /// A stored record's deadline, as its message comes: a record still open whose deadline lies ahead says when to look
    /// again; one whose deadline has passed is expired (with its push, in one write), once however often the message comes.
    /// </summary>
    /// <param name="due">the record's deadline while it is open, null once it is closed</param>
    /// <returns>when to look again, and the record as expired now (null when it was not)</returns>
    public static async Task<(DateTimeOffset? Later, T? Expired)> ExpireAsync<T>(IPartyObjectStore<T> store, DeadlineMessage message, DateTimeOffset now,
        Func<T, DateTimeOffset?> due, Func<T, T> expire, Func<T, PushChange?>? push, CancellationToken ct) where T : class
    {
        DateTimeOffset? later = null;
        var expired = false;
        var updated = await store.UpdateAsync(DataScope.Own, message.Party, message.Id, r =>
        {
            (later, expired) = (null, false);
            if (due(r) is not { } deadline) return null;
            if (deadline > now)
            {
                later = deadline;
                return null;
            }
            expired = true;
            return expire(r);
        }, push, ct);
        return (later, expired ? updated : null);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeadlineMessage))]
public sealed partial class DeadlinesJson : JsonSerializerContext;

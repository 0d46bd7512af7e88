using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Transport;

namespace Roaming.Core.Queues;

/// <summary>
/// A message that can never succeed as it is (unreadable, invalid, a record its tariff cannot price): it goes to the
/// poison queue with this reason at once instead of being tried again. The reason is read by an operator; it never
/// carries a token uid or contract id.
/// </summary>
public sealed class UnprocessableMessageException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>
/// What a poison queue holds for a message parked by <see cref="PoisonQueue"/>: the message (text, or Base64 when it
/// was not UTF-8) and why, when and after how many tries it failed. A message moved there by anything else (the Functions
/// runtime, when parking itself failed) is kept as it was; <see cref="Read"/> takes either.
/// </summary>
public sealed record PoisonedMessage
{
    public required PoisonReason Poisoned { get; init; }
    public string? Body { get; init; }
    public string? BodyBase64 { get; init; }

    public static byte[] Wrap(ReadOnlyMemory<byte> body, PoisonReason reason)
    {
        var text = TryUtf8(body.Span);
        var message = new PoisonedMessage
        {
            Poisoned = reason,
            Body = text,
            BodyBase64 = text is null ? Convert.ToBase64String(body.Span) : null,
        };
        return JsonSerializer.SerializeToUtf8Bytes(message, QueueJson.Default.PoisonedMessage);
    }

    /// <summary>The reason (null when none was recorded) and the original message.</summary>
    public static (PoisonReason? Reason, ReadOnlyMemory<byte> Original) Read(ReadOnlyMemory<byte> stored)
    {
        try
        {
            if (JsonSerializer.Deserialize(stored.Span, QueueJson.Default.PoisonedMessage) is { Poisoned: { } reason } m && (m.Body ?? m.BodyBase64) is not null)
                return (reason, m.Body is { } body ? Encoding.UTF8.GetBytes(body) : Convert.FromBase64String(m.BodyBase64!));
        }
        catch (Exception e) when (e is JsonException or FormatException or NotSupportedException) { }
        return (null, stored);
    }

    /// <summary>The bytes as text, or null when they are not UTF-8.</summary>
    public static string? TryUtf8(ReadOnlySpan<byte> body)
    {
        try { return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body); }
        catch (DecoderFallbackException) { return null; }
    }
}

/// <param name="Attempts">the dequeue count of the last try</param>
public sealed record PoisonReason(string Queue, string Reason, DateTimeOffset FailedAt, long Attempts, string? MessageId);

/// <summary>
/// Parks messages in "&lt;queue&gt;-poison" with their reason, in the one format the operator's poison API reads
/// (<see cref="PoisonedMessage"/>): whatever parks a message, for whichever queue, parks it here.
/// </summary>
public sealed class PoisonQueue(IWorkQueue queue, TimeProvider clock, ILogger<PoisonQueue> logger)
{
    /// <summary>Parks the message a processor was handed.</summary>
    public Task ParkAsync(string queueName, QueueWork work, string reason, CancellationToken ct) =>
        ParkAsync(queueName, work.Body, reason, work.DequeueCount, work.MessageId, ct);

    /// <summary>Parks a message of a queue's format that the processor made (a push channel's changes one partner refused).</summary>
    /// <param name="attempts">how many times the work was tried</param>
    /// <param name="messageId">the message it came from, when one did</param>
    public async Task ParkAsync(string queueName, ReadOnlyMemory<byte> body, string reason, long attempts, string? messageId, CancellationToken ct)
    {
        logger.LogWarning("Message {MessageId} on {Queue} parked in the poison queue: {Reason}", messageId ?? "(new)", queueName, reason);
        var parked = PoisonedMessage.Wrap(body, new PoisonReason(queueName, reason, clock.GetUtcNow(), attempts, messageId));
        await queue.SendAsync(QueueRules.PoisonQueueName(queueName), parked, ct: ct);
    }
}

/// <summary>
/// Wraps a queue processor so that nothing it cannot do is lost or silent: an <see cref="UnprocessableMessageException"/>
/// parks the message in "&lt;queue&gt;-poison" at once, any other failure is retried by the queue and parked at its last
/// try (the same maxDequeueCount both hosts apply), each time with the reason, so an operator can read why, fix it and
/// replay it (<see cref="QueuesOperatorApi"/>). Every processor runs inside it, in both hosts, so a poison message looks
/// the same whatever the queue and the host.
/// </summary>
public sealed class ParkWithReason(IQueueProcessor inner, PoisonQueue poison, IOptions<QueueRules> rules) : IQueueProcessor
{
    public string QueueName => inner.QueueName;

    public async Task ProcessAsync(QueueWork work, CancellationToken ct)
    {
        try
        {
            await inner.ProcessAsync(work, ct);
        }
        catch (UnprocessableMessageException e)
        {
            await poison.ParkAsync(QueueName, work, e.Message, ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && work.DequeueCount >= rules.Value.MaxDequeueCount)
        {
            await poison.ParkAsync(QueueName, work, $"failed {work.DequeueCount} tries; the last: {e.Message}", ct);
        }
    }
}

/// <summary>A message as a queue holds it, for an operator to look at.</summary>
public sealed record StoredMessage(string MessageId, DateTimeOffset? InsertedOn, long DequeueCount, ReadOnlyMemory<byte> Body);

/// <summary>What the operator API needs of the queues beyond sending: counting, looking, taking one message off by id.</summary>
public interface IQueueAdmin
{
    /// <summary>About how many messages wait (Storage Queues count approximately).</summary>
    Task<int> CountAsync(string queueName, CancellationToken ct);

    /// <summary>The oldest visible messages, without taking them (at most 32, the most Storage Queues shows at once).</summary>
    Task<IReadOnlyList<StoredMessage>> PeekAsync(string queueName, int max, CancellationToken ct);

    /// <summary>
    /// Finds a message by id among the oldest visible ones, hands it to <paramref name="use"/>, and deletes it once that
    /// succeeded (a failure leaves it where it was). False when no such message is visible.
    /// </summary>
    Task<bool> TakeAsync(string queueName, string messageId, Func<StoredMessage, Task> use, CancellationToken ct);
}

/// <summary>A queue the endpoint writes for the back office to read (verified CDRs to billing, charging preferences and commands to the CSMS, command results to the CSP's app); created at start.</summary>
public sealed record OutboundQueue(string Name);

public static class QueueRegistration
{
    /// <summary>A queue processor whose failures are parked with their reason (<see cref="ParkWithReason"/>): every processor is added so.</summary>
    public static IServiceCollection AddParkingQueueProcessor<TProcessor>(this IServiceCollection services) where TProcessor : class, IQueueProcessor
    {
        services.TryAddSingleton<PoisonQueue>();
        services.AddSingleton<TProcessor>();
        services.AddSingleton<IQueueProcessor>(sp => ActivatorUtilities.CreateInstance<ParkWithReason>(sp, sp.GetRequiredService<TProcessor>()));
        return services;
    }

    public static IServiceCollection AddOutboundQueue(this IServiceCollection services, string name) => services.AddSingleton(new OutboundQueue(name));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(PoisonedMessage))]
public sealed partial class QueueJson : JsonSerializerContext;

namespace Roaming.Core.Queues;

/// <summary>
/// One queue message handed to a processor. Processing must be idempotent: a message can be seen twice
/// (a host that died after the work but before the delete), and seeing it twice must change nothing.
/// </summary>
public sealed record QueueWork(string MessageId, ReadOnlyMemory<byte> Body, long DequeueCount, DateTimeOffset? InsertedOn);

/// <summary>
/// Work for one queue. Both hosts call it: the Functions app from a queue trigger, the ASP.NET Core host from
/// its polling service that follows the same rules (dequeue count, visibility timeout, poison queue).
/// Throwing means "try again later"; after the last try the message goes to the poison queue.
/// </summary>
public interface IQueueProcessor
{
    string QueueName { get; }
    Task ProcessAsync(QueueWork work, CancellationToken ct);
}

/// <summary>Sends work to a queue. The record the work is about is stored before the message is sent.</summary>
public interface IWorkQueue
{
    Task SendAsync(string queueName, ReadOnlyMemory<byte> body, TimeSpan? visibilityDelay = null, CancellationToken ct = default);
}

/// <summary>
/// The queue rules: host.json's extensions.queues, the section the Functions runtime applies to its queue
/// triggers; both hosts load host.json under this key (app settings AzureFunctionsJobHost__extensions__queues__*
/// override it, as they do for the Functions runtime).
/// </summary>
public sealed class QueueRules
{
    public const string Section = "AzureFunctionsJobHost:extensions:queues";

    /// <summary>Tries before a message goes to its poison queue (Functions: maxDequeueCount).</summary>
    public int MaxDequeueCount { get; set; } = 5;
    /// <summary>How long a failed message stays invisible before its next try (Functions: visibilityTimeout).</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Messages fetched per poll (Functions: batchSize).</summary>
    public int BatchSize { get; set; } = 16;
    /// <summary>The longest wait between polls of an empty queue (Functions: maxPollingInterval).</summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    public static string PoisonQueueName(string queueName) => queueName + "-poison";
}

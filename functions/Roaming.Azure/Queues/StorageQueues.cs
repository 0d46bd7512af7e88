using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;
using Roaming.Core.Queues;

namespace Roaming.Azure.Queues;

/// <summary>The work queues (Base64 messages, as the Functions queue trigger reads them) and their poison queues.</summary>
public sealed class StorageQueues(StorageConnection connection, IOptions<RoamingOptions> options) : IWorkQueue, IQueueAdmin
{
    // Long enough to move a message to its work queue; a host that dies meanwhile lets it reappear where it was.
    private static readonly TimeSpan TakeLease = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, QueueClient> _clients = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _sent = new();
    private readonly string _prefix = options.Value.StoragePrefix;

    /// <param name="name">the queue's name without the deployment's prefix</param>
    public QueueClient Get(string name) => _clients.GetOrAdd(name, n => connection.CreateQueueClient(_prefix + n, "queue:" + n));

    public async Task SendAsync(string queueName, ReadOnlyMemory<byte> body, TimeSpan? visibilityDelay = null, CancellationToken ct = default)
    {
        await Get(queueName).SendMessageAsync(BinaryData.FromBytes(body), visibilityDelay, cancellationToken: ct);
        if (visibilityDelay is null or { Ticks: <= 0 } && _sent.TryRemove(queueName, out var sent)) sent.TrySetResult();
    }

    /// <summary>
    /// Completes when this instance next sends a message that is visible at once to the queue. An idle poller waits for
    /// it beside its back-off, so work this instance queues for itself (a sync's next page, the push of a change it
    /// stored) starts at once instead of after the poller's back-off; messages other instances send still wait for it.
    /// </summary>
    public Task SentAsync(string queueName) =>
        _sent.GetOrAdd(queueName, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async Task CreateAllAsync(IEnumerable<string> queueNames, CancellationToken ct, bool withPoison = true)
    {
        foreach (var name in queueNames)
        {
            foreach (var queue in withPoison ? new[] { name, QueueRules.PoisonQueueName(name) } : [name])
            {
                try { await Get(queue).CreateIfNotExistsAsync(cancellationToken: ct); }
                catch (RequestFailedException e) when (e.Status == 409) { }
            }
        }
    }

    public async Task<int> CountAsync(string queueName, CancellationToken ct)
    {
        try { return (await Get(queueName).GetPropertiesAsync(ct)).Value.ApproximateMessagesCount; }
        catch (RequestFailedException e) when (e.Status == 404) { return 0; }
    }

    public async Task<IReadOnlyList<StoredMessage>> PeekAsync(string queueName, int max, CancellationToken ct)
    {
        PeekedMessage[] messages = await Get(queueName).PeekMessagesAsync(Math.Clamp(max, 1, 32), ct);
        return messages.Select(m => new StoredMessage(m.MessageId, m.InsertedOn, m.DequeueCount, m.Body.ToMemory())).ToList();
    }

    public async Task<bool> TakeAsync(string queueName, string messageId, Func<StoredMessage, Task> use, CancellationToken ct)
    {
        // Storage Queues cannot fetch a message by id: lease the oldest, keep the one asked for, let the others go at once.
        var queue = Get(queueName);
        QueueMessage[] leased = await queue.ReceiveMessagesAsync(32, TakeLease, ct);
        QueueMessage? found = null;
        foreach (var m in leased)
        {
            if (found is null && m.MessageId == messageId) found = m;
            else await ReleaseAsync(queue, m, ct);
        }
        if (found is null) return false;
        try
        {
            await use(new StoredMessage(found.MessageId, found.InsertedOn, found.DequeueCount, found.Body.ToMemory()));
        }
        catch
        {
            await ReleaseAsync(queue, found, CancellationToken.None);
            throw;
        }
        await queue.DeleteMessageAsync(found.MessageId, found.PopReceipt, ct);
        return true;
    }

    private static async Task ReleaseAsync(QueueClient queue, QueueMessage message, CancellationToken ct)
    {
        try { await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: ct); }
        catch (RequestFailedException) { /* the lease ran out meanwhile: it is visible again anyway */ }
    }
}

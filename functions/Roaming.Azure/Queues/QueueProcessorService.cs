using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Queues;

namespace Roaming.Azure.Queues;

/// <summary>
/// Runs the queue processors outside Azure Functions (local runs, containers) by the rules of the Functions
/// queue trigger: batches, the next fetched once half a batch is left, a failed message made visible again after the visibility timeout,
/// moved to "&lt;queue&gt;-poison" when its last try (maxDequeueCount) fails, polling backing off when idle
/// (and woken when this instance queues work for itself).
/// </summary>
public sealed class QueueProcessorService(IEnumerable<IQueueProcessor> processors, StorageQueues queues, IOptions<QueueRules> rules,
    ILogger<QueueProcessorService> logger) : BackgroundService
{
    // Long enough for a batch of partner calls; a host that dies mid-batch lets the messages reappear after it.
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(processors.Select(p => RunAsync(p, stoppingToken)));

    private async Task RunAsync(IQueueProcessor processor, CancellationToken stoppingToken)
    {
        var queue = queues.Get(processor.QueueName);
        var poison = queues.Get(QueueRules.PoisonQueueName(processor.QueueName));
        var idle = TimeSpan.FromMilliseconds(50);
        // As the Functions queue trigger does (newBatchThreshold, half a batch): the next batch is fetched as soon as the
        // messages in hand drop to half a batch, so one slow message never holds the queue up.
        var running = new HashSet<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                running.RemoveWhere(t => t.IsCompleted);
                if (running.Count > rules.Value.BatchSize / 2)
                {
                    await Task.WhenAny(running);
                    continue;
                }
                // Taken before the receive: a message this instance sends while the receive is under way still wakes it.
                var sent = queues.SentAsync(processor.QueueName);
                QueueMessage[] messages = await queue.ReceiveMessagesAsync(rules.Value.BatchSize, Lease, stoppingToken);
                if (messages.Length == 0)
                {
                    await Task.WhenAny(running.Append(Task.Delay(idle, stoppingToken)).Append(sent));
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, rules.Value.MaxPollingInterval.Ticks));
                    continue;
                }
                idle = TimeSpan.FromMilliseconds(50);
                foreach (var message in messages) running.Add(HandleAsync(processor, queue, poison, message, stoppingToken));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Polling queue {Queue} failed; retrying", processor.QueueName);
                await Task.Delay(rules.Value.MaxPollingInterval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        await Task.WhenAll(running);
    }

    private async Task HandleAsync(IQueueProcessor processor, QueueClient queue, QueueClient poison, QueueMessage message, CancellationToken ct)
    {
        try
        {
            await processor.ProcessAsync(new QueueWork(message.MessageId, message.Body.ToMemory(), message.DequeueCount, message.InsertedOn), ct);
            try
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // Done, and gone already: the SDK repeated a removal that had landed but timed out, or the lease ran out
                // and another poller holds it now (processing is idempotent). Not a failed try.
                logger.LogInformation("Message {MessageId} on {Queue} processed; it was no longer there to remove", message.MessageId, processor.QueueName);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: the lease runs out and the message comes back; nothing is lost.
        }
        catch (Exception e)
        {
            try
            {
                if (message.DequeueCount >= rules.Value.MaxDequeueCount)
                {
                    logger.LogError(e, "Message {MessageId} on {Queue} failed its last try ({Count}); moved to the poison queue",
                        message.MessageId, processor.QueueName, message.DequeueCount);
                    await poison.SendMessageAsync(message.Body, cancellationToken: ct);
                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                }
                else
                {
                    logger.LogWarning(e, "Message {MessageId} on {Queue} failed try {Count}; retrying after {Delay}",
                        message.MessageId, processor.QueueName, message.DequeueCount, rules.Value.VisibilityTimeout);
                    await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: rules.Value.VisibilityTimeout, cancellationToken: ct);
                }
            }
            catch (RequestFailedException inner)
            {
                // The lease was lost (another instance took it): that instance now owns the message.
                logger.LogWarning(inner, "Could not settle message {MessageId} on {Queue}", message.MessageId, processor.QueueName);
            }
        }
    }
}

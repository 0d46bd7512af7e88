using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;
using Roaming.Core.Queues;

namespace Roaming.Azure.Queues;

/// <summary>The work queues (Base64 messages, as the Functions queue trigger reads them) and their poison queues.</summary>
public sealed class StorageQueues(StorageConnection connection, IOptions<RoamingOptions> options) : IWorkQueue
{
    private readonly ConcurrentDictionary<string, QueueClient> _clients = new();
    private readonly string _prefix = options.Value.StoragePrefix;

    /// <param name="name">the queue's name without the deployment's prefix</param>
    public QueueClient Get(string name) => _clients.GetOrAdd(name, n => connection.CreateQueueClient(_prefix + n, "queue:" + n));

    public async Task SendAsync(string queueName, ReadOnlyMemory<byte> body, TimeSpan? visibilityDelay = null, CancellationToken ct = default) =>
        await Get(queueName).SendMessageAsync(BinaryData.FromBytes(body), visibilityDelay, cancellationToken: ct);

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
}

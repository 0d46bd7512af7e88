using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Roaming.Azure;

/// <summary>
/// Storage operations made by this host, counted per table (by its name without the prefix) and per queue
/// ("queue:" and its name): one per call, however often the SDK retried it. For tests and benchmarks that bound the
/// work a request does.
/// </summary>
public sealed class StorageOperations
{
    private readonly ConcurrentDictionary<string, long> _counts = new();

    /// <summary>Operations on a table ("locations") or a queue ("queue:ocpi-push") so far.</summary>
    public long this[string resource] => _counts.TryGetValue(resource, out var n) ? n : 0;

    public long Total => _counts.Values.Sum();

    /// <summary>Every table and queue operated on so far, with its count.</summary>
    public IReadOnlyDictionary<string, long> All => new Dictionary<string, long>(_counts);

    internal HttpPipelinePolicy Policy(string resource) => new Counting(this, resource);

    private sealed class Counting(StorageOperations owner, string resource) : HttpPipelineSynchronousPolicy
    {
        public override void OnSendingRequest(HttpMessage message) => owner._counts.AddOrUpdate(resource, 1, (_, n) => n + 1);
    }
}

using System.Collections.Concurrent;
using System.Text;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Azure.Queues;
using Roaming.Core.Queues;

namespace Roaming.Integration.Tests;

/// <summary>
/// The ASP.NET Core host runs queue processors by the Functions queue-trigger rules, on real Azurite queues:
/// done messages are deleted, failing ones retried, and after maxDequeueCount tries moved to "-poison".
/// </summary>
public class QueueProcessorTests
{
    private sealed class TestProcessor : IQueueProcessor
    {
        public string QueueName => "test-work";
        public ConcurrentDictionary<string, int> Attempts { get; } = new();
        public ConcurrentBag<string> Done { get; } = [];

        public Task ProcessAsync(QueueWork work, CancellationToken ct)
        {
            var text = Encoding.UTF8.GetString(work.Body.Span);
            Attempts.AddOrUpdate(text, 1, (_, n) => n + 1);
            if (text.StartsWith("fail", StringComparison.Ordinal)) throw new InvalidOperationException("this message always fails");
            if (text.StartsWith("flaky", StringComparison.Ordinal) && work.DequeueCount < 2) throw new InvalidOperationException("fails once");
            Done.Add(text);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Messages_are_processed_retried_and_poisoned_like_the_Functions_trigger()
    {
        var processor = new TestProcessor();
        await using var endpoint = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")],
            b => b.Services.AddSingleton<IQueueProcessor>(processor),
            new() { ["AzureFunctionsJobHost:extensions:queues:maxDequeueCount"] = "3" });
        var queues = endpoint.Services.GetRequiredService<StorageQueues>();
        var work = endpoint.Services.GetRequiredService<IWorkQueue>();

        await work.SendAsync("test-work", Encoding.UTF8.GetBytes("ok-1"));
        await work.SendAsync("test-work", Encoding.UTF8.GetBytes("flaky-1"));
        await work.SendAsync("test-work", Encoding.UTF8.GetBytes("fail-1"));

        var poison = queues.Get("test-work-poison");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !(processor.Done.Count == 2 && (await poison.GetPropertiesAsync()).Value.ApproximateMessagesCount == 1))
            await Task.Delay(100);

        Assert.Equal(["flaky-1", "ok-1"], processor.Done.Order());
        Assert.Equal(2, processor.Attempts["flaky-1"]);
        Assert.Equal(3, processor.Attempts["fail-1"]);
        var poisoned = (await poison.ReceiveMessagesAsync(10)).Value;
        Assert.Equal("fail-1", Assert.Single(poisoned).Body.ToString());
        // Nothing is left on the work queue.
        var left = await queues.Get("test-work").PeekMessagesAsync(10);
        Assert.Empty(left.Value);
    }

    [Fact]
    public async Task Messages_are_Base64_as_the_Functions_trigger_reads_them()
    {
        await using var endpoint = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")]);
        var queues = endpoint.Services.GetRequiredService<StorageQueues>();
        await queues.CreateAllAsync(["raw-check"], CancellationToken.None);
        await endpoint.Services.GetRequiredService<IWorkQueue>().SendAsync("raw-check", Encoding.UTF8.GetBytes("{\"a\":1}"));

        // Read without decoding: the stored text is the Base64 of the body.
        var raw = new QueueClient(Azurite.ConnectionString, endpoint.Prefix + "raw-check");
        var message = Assert.Single((await raw.ReceiveMessagesAsync(1)).Value);
        Assert.Equal(Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"a\":1}")), message.Body.ToString());
    }
}

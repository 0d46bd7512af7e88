using System.Text.Json;
using System.Threading.Channels;
using Roaming.Core.Queues;

namespace Roaming.Core.Push;

/// <summary>
/// The "ocpi-push" queue, with group commit: changes stored by concurrent calls within a few milliseconds travel in
/// one queue message. Each caller awaits the send of the message holding its change. Stores call it through their
/// outbox relay, after the change and its push record are committed together.
/// </summary>
public sealed class PushQueue : IAsyncDisposable
{
    public const string QueueName = "ocpi-push";
    // A queue message holds 64 KiB of Base64: 150 changes of the longest ids stay well under it.
    private const int MaxChangesPerMessage = 150;

    private readonly IWorkQueue _queue;
    private readonly Channel<(PushChange Change, TaskCompletionSource Sent)> _pending =
        Channel.CreateUnbounded<(PushChange, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly CancellationTokenSource _stop = new();

    public PushQueue(IWorkQueue queue)
    {
        _queue = queue;
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task EnqueueAsync(PushChange change) => EnqueueAsync([change]);

    public async Task EnqueueAsync(IReadOnlyCollection<PushChange> changes)
    {
        if (changes.Count == 0) return;
        if (changes.Count >= MaxChangesPerMessage / 2)
        {
            // A bulk call fills messages by itself.
            foreach (var chunk in changes.Chunk(MaxChangesPerMessage)) await SendAsync([.. chunk], CancellationToken.None);
            return;
        }
        var waits = new List<Task>(changes.Count);
        foreach (var change in changes)
        {
            var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_pending.Writer.TryWrite((change, sent))) throw new ObjectDisposedException(nameof(PushQueue));
            waits.Add(sent.Task);
        }
        await Task.WhenAll(waits);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<(PushChange Change, TaskCompletionSource Sent)>(MaxChangesPerMessage);
        while (await _pending.Reader.WaitToReadAsync())
        {
            // A short wait lets concurrent callers join the message; one caller alone pays a few milliseconds.
            await Task.Delay(5);
            while (batch.Count < MaxChangesPerMessage && _pending.Reader.TryRead(out var item)) batch.Add(item);
            try
            {
                await SendAsync(batch.Select(b => b.Change).ToList(), _stop.Token);
                foreach (var b in batch) b.Sent.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var b in batch) b.Sent.TrySetException(e);
            }
            batch.Clear();
        }
    }

    private Task SendAsync(List<PushChange> changes, CancellationToken ct) =>
        _queue.SendAsync(QueueName, JsonSerializer.SerializeToUtf8Bytes(new PushMessage(changes), PushJson.Default.PushMessage), ct: ct);

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _writer;
        _stop.Dispose();
    }
}

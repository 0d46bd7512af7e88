using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Channels;
using Roaming.Core.Queues;

namespace Roaming.Core.Push;

/// <summary>
/// The "ocpi-push" queue, with group commit: slots opened by concurrent calls within a few milliseconds travel in
/// one queue message. Each caller awaits the send of the message naming its slot. Stores call it through their
/// outbox relay, after the change and its slot are committed together.
/// </summary>
public sealed class PushQueue : IAsyncDisposable
{
    public const string QueueName = "ocpi-push";
    // A queue message holds 64 KiB of Base64: 150 slots of the longest keys stay well under it.
    private const int MaxSlotsPerMessage = 150;
    // Slots with their state (content included) are counted by size: 48 KiB of JSON is 64 KiB of Base64.
    private const int MaxMessageBytes = 44 * 1024;

    private readonly IWorkQueue _queue;
    private readonly Channel<(Item Item, TaskCompletionSource Sent)> _pending =
        Channel.CreateUnbounded<(Item, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>A slot to name, perhaps with its state; <see cref="Size"/> is what it adds to a message, roughly.</summary>
    private sealed record Item(PushSlotState State)
    {
        public int Size { get; } = MaxMessageBytes / MaxSlotsPerMessage + (State.Changes?.Count ?? 0) * 150 + (State.Content is { } c ? JsonMarshal.GetRawUtf8Value(c).Length : 0);
    }

    public PushQueue(IWorkQueue queue)
    {
        _queue = queue;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues slots, some with the state their commit left (the first send then needs no read).</summary>
    public Task EnqueueAsync(IReadOnlyCollection<PushSlotState> states, CancellationToken ct) =>
        EnqueueAsync(states.Select(s => new Item(s)).ToList(), ct);

    private async Task EnqueueAsync(List<Item> items, CancellationToken ct)
    {
        if (items.Count == 0) return;
        if (items.Count >= MaxSlotsPerMessage / 2)
        {
            // A bulk call fills messages by itself.
            foreach (var message in Messages(items)) await SendAsync(message, ct);
            return;
        }
        var waits = new List<Task>(items.Count);
        foreach (var item in items)
        {
            var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_pending.Writer.TryWrite((item, sent))) throw new ObjectDisposedException(nameof(PushQueue));
            waits.Add(sent.Task);
        }
        await Task.WhenAll(waits).WaitAsync(ct);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<(Item Item, TaskCompletionSource Sent)>(MaxSlotsPerMessage);
        while (await _pending.Reader.WaitToReadAsync())
        {
            // A short wait lets concurrent callers join the message; one caller alone pays a few milliseconds.
            await Task.Delay(5);
            var size = 0;
            while (batch.Count < MaxSlotsPerMessage && size < MaxMessageBytes && _pending.Reader.TryRead(out var item))
            {
                batch.Add(item);
                size += item.Item.Size;
            }
            try
            {
                foreach (var message in Messages(batch.Select(b => b.Item).ToList())) await SendAsync(message, _stop.Token);
                foreach (var b in batch) b.Sent.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var b in batch) b.Sent.TrySetException(e);
            }
            batch.Clear();
        }
    }

    /// <summary>The items in messages that fit: at most so many slots, and so many bytes.</summary>
    private static IEnumerable<PushMessage> Messages(List<Item> items)
    {
        var states = new List<PushSlotState>();
        var size = 0;
        foreach (var item in items.DistinctBy(i => (i.State.Slot, i.State.Id)))
        {
            if (states.Count > 0 && (states.Count >= MaxSlotsPerMessage || size + item.Size > MaxMessageBytes))
            {
                yield return new PushMessage(States: states);
                states = [];
                size = 0;
            }
            states.Add(item.State);
            size += item.Size;
        }
        if (states.Count > 0) yield return new PushMessage(States: states);
    }

    private Task SendAsync(PushMessage message, CancellationToken ct) =>
        _queue.SendAsync(QueueName, JsonSerializer.SerializeToUtf8Bytes(message, PushJson.Default.PushMessage), ct: ct);

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        // A send that hangs (storage gone) must not hold the host's shutdown.
        await _stop.CancelAsync();
        await _writer;
        _stop.Dispose();
    }
}

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

    private readonly IWorkQueue _queue;
    private readonly Channel<(PushSlotRef Slot, TaskCompletionSource Sent)> _pending =
        Channel.CreateUnbounded<(PushSlotRef, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private readonly CancellationTokenSource _stop = new();

    public PushQueue(IWorkQueue queue)
    {
        _queue = queue;
        _writer = Task.Run(WriteLoopAsync);
    }

    public async Task EnqueueAsync(IReadOnlyCollection<PushSlotRef> slots, CancellationToken ct)
    {
        if (slots.Count == 0) return;
        if (slots.Count >= MaxSlotsPerMessage / 2)
        {
            // A bulk call fills messages by itself.
            foreach (var chunk in slots.Chunk(MaxSlotsPerMessage)) await SendAsync([.. chunk], ct);
            return;
        }
        var waits = new List<Task>(slots.Count);
        foreach (var slot in slots)
        {
            var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_pending.Writer.TryWrite((slot, sent))) throw new ObjectDisposedException(nameof(PushQueue));
            waits.Add(sent.Task);
        }
        await Task.WhenAll(waits).WaitAsync(ct);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<(PushSlotRef Slot, TaskCompletionSource Sent)>(MaxSlotsPerMessage);
        while (await _pending.Reader.WaitToReadAsync())
        {
            // A short wait lets concurrent callers join the message; one caller alone pays a few milliseconds.
            await Task.Delay(5);
            while (batch.Count < MaxSlotsPerMessage && _pending.Reader.TryRead(out var item)) batch.Add(item);
            try
            {
                await SendAsync(batch.Select(b => b.Slot).Distinct().ToList(), _stop.Token);
                foreach (var b in batch) b.Sent.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var b in batch) b.Sent.TrySetException(e);
            }
            batch.Clear();
        }
    }

    private Task SendAsync(List<PushSlotRef> slots, CancellationToken ct) =>
        _queue.SendAsync(QueueName, JsonSerializer.SerializeToUtf8Bytes(new PushMessage(Slots: slots), PushJson.Default.PushMessage), ct: ct);

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        // A send that hangs (storage gone) must not hold the host's shutdown.
        await _stop.CancelAsync();
        await _writer;
        _stop.Dispose();
    }
}

using System.Collections.Concurrent;
using Grpc.Core;
using Roaming.Functions.Tests.Rpc;

namespace Roaming.Functions.Tests.StandIn;

/// <summary>
/// The host's end of the one EventStream a worker opens: requests go out with a request id (an invocation's id
/// for invocations), the worker's answers come back under the same id, its logs are kept for the tests to read.
/// </summary>
public sealed class WorkerChannel
{
    private readonly TaskCompletionSource<string> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private IServerStreamWriter<StreamingMessage>? _writer;

    public ConcurrentQueue<RpcLog> Logs { get; } = new();

    /// <summary>The worker id of the StartStream message, once the worker has connected.</summary>
    public Task<string> Started => _started.Task;

    /// <summary>Runs for as long as the worker keeps the stream open (the gRPC service's call).</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken ct)
    {
        try
        {
            if (!await requests.MoveNext(ct) || requests.Current.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
                throw new InvalidOperationException("The worker's first message must be StartStream.");
            _writer = responses;
            _started.TrySetResult(requests.Current.StartStream.WorkerId);
            while (await requests.MoveNext(ct))
            {
                var message = requests.Current;
                if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog) Logs.Enqueue(message.RpcLog);
                else if (_pending.TryRemove(message.RequestId, out var waiting)) waiting.TrySetResult(message);
            }
        }
        catch (OperationCanceledException) { }
        catch (IOException) { }
        finally
        {
            _started.TrySetException(new InvalidOperationException("The worker closed its stream before StartStream."));
            _closed.TrySetResult();
            foreach (var waiting in _pending.Values) waiting.TrySetException(new InvalidOperationException("The worker closed its stream."));
        }
    }

    public async Task<StreamingMessage> RequestAsync(StreamingMessage message, TimeSpan timeout)
    {
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[message.RequestId] = answer;
        await SendAsync(message);
        return await answer.Task.WaitAsync(timeout);
    }

    public async Task SendAsync(StreamingMessage message)
    {
        if (_writer is null) throw new InvalidOperationException("No worker is connected.");
        await _writeLock.WaitAsync();
        try { await _writer.WriteAsync(message); }
        finally { _writeLock.Release(); }
    }

    /// <summary>Keeps the gRPC call open until the worker goes away.</summary>
    public Task Closed => _closed.Task;
}

/// <summary>The FunctionRpc service the worker dials (--functions-uri): it hands the stream to the one <see cref="WorkerChannel"/>.</summary>
public sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context) =>
        channel.RunAsync(requestStream, responseStream, context.CancellationToken);
}

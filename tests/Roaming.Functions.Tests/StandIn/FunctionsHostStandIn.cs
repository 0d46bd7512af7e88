using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Roaming.Functions.Tests.Rpc;

namespace Roaming.Functions.Tests.StandIn;

/// <summary>
/// Plays the Azure Functions host for the real, built worker process (the host itself cannot be installed here):
/// <list type="bullet">
/// <item>starts the worker as the host does: worker.config.json's executable and worker path, the host's
/// command-line switches (host, port, worker id, request id, gRPC message size, in both spellings) and
/// environment (FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_APPLICATION_DIRECTORY, the app settings);</item>
/// <item>serves FunctionRpc.EventStream on loopback and runs the start-up the protocol describes: StartStream,
/// WorkerInitRequest (the worker answers with its capabilities, among them the HttpUri of its own ASP.NET Core
/// listener), FunctionsMetadataRequest (worker indexing, as worker.config.json asks), a FunctionLoadRequest per function;</item>
/// <item>HTTP: matches the request to an httpTrigger route (host.json's routePrefix) and method, answers 404 itself
/// when none matches; otherwise sends the InvocationRequest and, alongside, forwards the request as it came
/// (chunked bodies stay chunked) to the worker's HttpUri with the x-ms-invocation-id header that ties the two
/// together, and relays the worker's answer;</item>
/// <item>queues: polls each queueTrigger's queue (queueName's %setting% resolved from the app settings, the
/// connection's connection string), hands a message over as the queue extension's model binding data, deletes it
/// after a successful invocation, makes it visible again after host.json's visibilityTimeout after a failed one, and
/// after maxDequeueCount failed tries moves it to "&lt;queue&gt;-poison".</item>
/// </list>
/// What it cannot prove about the real host: that the real host's HTTP front, proxy and queue listener behave as
/// played here (front-end limits and timeouts, retries of its proxy, lease renewal, the exact JSON of its queue
/// binding data beyond the fields the worker's converter reads, scale-out, app-setting resolution details). Those
/// are the host's; what is proven is the worker side: the app starts with the real configuration names, indexes,
/// loads, and runs each function through the worker's own pipeline and ASP.NET Core integration.
/// </summary>
public sealed class FunctionsHostStandIn : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan InvocationTimeout = TimeSpan.FromMinutes(2);

    private readonly string _appDirectory;
    private readonly Dictionary<string, string?> _settings;
    private readonly WebApplication _grpc;
    private readonly WebApplication _front;
    private readonly StringBuilder _output = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _listeners = [];
    private readonly HttpClient _forwarder = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false, UseCookies = false, UseProxy = false, AutomaticDecompression = DecompressionMethods.None,
    }) { Timeout = Timeout.InfiniteTimeSpan };
    private Process? _worker;
    private Uri? _workerHttpUri;
    private List<HttpRoute> _routes = [];

    public WorkerChannel Channel { get; } = new();
    public Uri BaseUri { get; }
    public WorkerInitResponse? Init { get; private set; }
    public IReadOnlyList<RpcFunctionMetadata> Functions { get; private set; } = [];
    /// <summary>Every invocation the stand-in made, with the worker's result.</summary>
    public ConcurrentQueue<Invocation> Invocations { get; } = new();
    public HostQueueRules QueueRules { get; }

    public sealed record Invocation(string Function, string InvocationId, StatusResult Result);

    /// <summary>The app under test: ROAMING_FUNCTIONS_APP (e.g. the published package), else the app's build output.</summary>
    public static string AppDirectory =>
        Environment.GetEnvironmentVariable("ROAMING_FUNCTIONS_APP") is { Length: > 0 } dir ? Path.GetFullPath(dir)
        : typeof(FunctionsHostStandIn).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FunctionsAppDirectory").Value!;

    private FunctionsHostStandIn(string appDirectory, Dictionary<string, string?> settings)
    {
        _appDirectory = appDirectory;
        _settings = settings;
        QueueRules = HostQueueRules.Read(appDirectory, settings);

        var grpc = WebApplication.CreateSlimBuilder();
        grpc.Logging.ClearProviders();
        grpc.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        grpc.Services.AddGrpc(o => { o.MaxReceiveMessageSize = null; o.MaxSendMessageSize = null; });
        grpc.Services.AddSingleton(Channel);
        _grpc = grpc.Build();
        _grpc.MapGrpcService<FunctionRpcService>();

        var front = WebApplication.CreateSlimBuilder();
        front.Logging.ClearProviders();
        front.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            // The worker's own limits are under test, not the stand-in's: its front takes what the worker may refuse.
            k.Limits.MaxRequestBodySize = null;
            k.Limits.MaxRequestLineSize = 256 * 1024;
            k.Limits.MaxRequestHeadersTotalSize = 256 * 1024;
        });
        _front = front.Build();
        _front.Run(ForwardAsync);
        _front.StartAsync().GetAwaiter().GetResult();
        BaseUri = new Uri(Address(_front));
    }

    /// <summary>Starts the worker with <paramref name="settings"/> as its app settings (configuration keys) and brings it to where the host serves requests.</summary>
    public static async Task<FunctionsHostStandIn> StartAsync(Dictionary<string, string?> settings, string? appDirectory = null)
    {
        var host = new FunctionsHostStandIn(appDirectory ?? AppDirectory, settings);
        try
        {
            await host.StartWorkerAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the worker and waits for it to exit on its own (a worker that refuses to start).</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(Dictionary<string, string?> settings, TimeSpan timeout)
    {
        await using var host = new FunctionsHostStandIn(AppDirectory, settings);
        await host._grpc.StartAsync();
        host.LaunchWorker();
        using var cts = new CancellationTokenSource(timeout);
        await host._worker!.WaitForExitAsync(cts.Token);
        return (host._worker.ExitCode, host.Output);
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    private async Task StartWorkerAsync()
    {
        await _grpc.StartAsync();
        LaunchWorker();
        var exited = _worker!.WaitForExitAsync();
        var started = await Task.WhenAny(Channel.Started, exited, Task.Delay(StartTimeout));
        if (started != Channel.Started)
            throw new InvalidOperationException($"The worker did not open its event stream ({(started == exited ? "it exited" : "timed out")}):\n{Output}");

        var init = await Channel.RequestAsync(new StreamingMessage
        {
            RequestId = NewId(),
            WorkerInitRequest = new WorkerInitRequest
            {
                HostVersion = "4.0.0-standin",
                WorkerDirectory = _appDirectory,
                FunctionAppDirectory = _appDirectory,
            },
        }, StartTimeout);
        Init = init.WorkerInitResponse;
        Check(Init.Result, "WorkerInitRequest");
        if (Init.Capabilities.TryGetValue("HttpUri", out var httpUri)) _workerHttpUri = new Uri(httpUri);

        var metadata = await Channel.RequestAsync(new StreamingMessage
        {
            RequestId = NewId(),
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = _appDirectory },
        }, StartTimeout);
        Check(metadata.FunctionMetadataResponse.Result, "FunctionsMetadataRequest");
        Functions = metadata.FunctionMetadataResponse.FunctionMetadataResults.ToList();

        foreach (var function in Functions)
        {
            var loaded = await Channel.RequestAsync(new StreamingMessage
            {
                RequestId = NewId(),
                FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function },
            }, StartTimeout);
            Check(loaded.FunctionLoadResponse.Result, "FunctionLoadRequest " + function.Name);
        }

        var routePrefix = HostQueueRules.RoutePrefix(_appDirectory);
        foreach (var function in Functions)
        {
            foreach (var raw in function.RawBindings.Select(b => JsonNode.Parse(b)!))
            {
                var type = raw["type"]!.GetValue<string>();
                var name = raw["name"]!.GetValue<string>();
                if (type.Equals("httpTrigger", StringComparison.OrdinalIgnoreCase))
                {
                    var route = raw["route"]?.GetValue<string>() ?? function.Name;
                    var template = string.IsNullOrEmpty(routePrefix) ? route : routePrefix + "/" + route;
                    var methods = raw["methods"]?.AsArray().Select(m => m!.GetValue<string>().ToUpperInvariant()).ToHashSet() ?? [];
                    _routes.Add(new HttpRoute(function, name, new TemplateMatcher(TemplateParser.Parse(template), new RouteValueDictionary()), methods));
                }
                else if (type.Equals("queueTrigger", StringComparison.OrdinalIgnoreCase))
                {
                    var queue = ResolveAppSettings(raw["queueName"]!.GetValue<string>());
                    var connection = _settings.GetValueOrDefault(raw["connection"]?.GetValue<string>() ?? "AzureWebJobsStorage")
                        ?? throw new InvalidOperationException($"No connection string for {function.Name}.");
                    _listeners.Add(ListenAsync(function, name, new QueueServiceClient(connection, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }), queue));
                }
            }
        }
    }

    private void LaunchWorker()
    {
        // As the host reads worker.config.json: "dotnet" + the worker's assembly, then the host's switches.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(_appDirectory, "worker.config.json")))!["description"]!;
        var executable = config["defaultExecutablePath"]!.GetValue<string>();
        var workerPath = Path.Combine(_appDirectory, config["defaultWorkerPath"]!.GetValue<string>());
        var grpcPort = new Uri(Address(_grpc)).Port;
        var workerId = Guid.NewGuid().ToString();
        var requestId = Guid.NewGuid().ToString();
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = _appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            workerPath,
            "--host", "127.0.0.1", "--port", grpcPort.ToString(), "--workerId", workerId, "--requestId", requestId,
            "--grpcMaxMessageLength", int.MaxValue.ToString(),
            "--functions-uri", $"http://127.0.0.1:{grpcPort}/", "--functions-worker-id", workerId, "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", int.MaxValue.ToString(),
        }) start.ArgumentList.Add(arg);
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        start.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = _appDirectory;
        start.Environment["FUNCTIONS_WORKER_DIRECTORY"] = _appDirectory;
        start.Environment["AzureWebJobsScriptRoot"] = _appDirectory;
        foreach (var (key, value) in _settings) start.Environment[key.Replace(":", "__")] = value;

        _worker = new Process { StartInfo = start };
        _worker.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _worker.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _worker.Start();
        _worker.BeginOutputReadLine();
        _worker.BeginErrorReadLine();
    }

    private int _httpInvocationsStarted;

    /// <summary>HTTP invocations started, counted before the request is forwarded (the results come later, in <see cref="Invocations"/>).</summary>
    public int HttpInvocationsStarted => Volatile.Read(ref _httpInvocationsStarted);

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var route = _routes.FirstOrDefault(r => r.Methods.Contains(request.Method.ToUpperInvariant()) && r.Matcher.TryMatch(request.Path, new RouteValueDictionary()));
        if (route is null || _workerHttpUri is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound; // the host's own answer: no function here
            return;
        }

        var invocationId = NewId();
        Interlocked.Increment(ref _httpInvocationsStarted);
        var invocation = InvokeAsync(route.Function, invocationId, new ParameterBinding
        {
            Name = route.BindingName,
            Data = new TypedData { Http = new RpcHttp { Method = request.Method, Url = request.GetEncodedUrl() } },
        }, null);

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_workerHttpUri, request.Path.ToUriComponent() + request.QueryString.ToUriComponent()));
        var chunked = request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase);
        if (request.ContentLength > 0 || chunked)
        {
            forward.Content = new StreamContent(request.Body);
            if (request.ContentLength is { } length) forward.Content.Headers.ContentLength = length;
        }
        foreach (var (name, value) in request.Headers)
        {
            if (name is "Host" or "Connection" or "Transfer-Encoding" or "Keep-Alive" or "Content-Length") continue;
            if (!forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)value)) forward.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)value);
        }
        forward.Headers.TryAddWithoutValidation("x-ms-invocation-id", invocationId);
        forward.Headers.TryAddWithoutValidation("X-Forwarded-Host", request.Host.Value);
        forward.Headers.TryAddWithoutValidation("X-Forwarded-Proto", request.Scheme);
        forward.Headers.TryAddWithoutValidation("X-Forwarded-For", context.Connection.RemoteIpAddress?.ToString());

        using var response = await _forwarder.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, value) in response.Headers.Concat(response.Content.Headers))
        {
            if (name is "Transfer-Encoding" or "Connection" or "Keep-Alive") continue;
            context.Response.Headers[name] = value.ToArray();
        }
        if (!HttpMethods.IsHead(request.Method)) await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        await invocation;
    }

    private async Task ListenAsync(RpcFunctionMetadata function, string bindingName, QueueServiceClient service, string queueName)
    {
        var queue = service.GetQueueClient(queueName);
        var poison = service.GetQueueClient(queueName + "-poison");
        await queue.CreateIfNotExistsAsync();
        var idle = TimeSpan.FromMilliseconds(50);
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                QueueMessage[] messages = await queue.ReceiveMessagesAsync(QueueRules.BatchSize, TimeSpan.FromMinutes(10), _stopping.Token);
                if (messages.Length == 0)
                {
                    await Task.Delay(idle, _stopping.Token);
                    idle = TimeSpan.FromTicks(Math.Min(idle.Ticks * 2, QueueRules.MaxPollingInterval.Ticks));
                    continue;
                }
                idle = TimeSpan.FromMilliseconds(50);
                await Task.WhenAll(messages.Select(m => HandleAsync(function, bindingName, queue, poison, m)));
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task HandleAsync(RpcFunctionMetadata function, string bindingName, QueueClient queue, QueueClient poison, QueueMessage message)
    {
        // The queue extension's binding data: the message as JSON (the fields the worker's QueueMessage converter reads).
        var content = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["MessageId"] = message.MessageId,
            ["PopReceipt"] = message.PopReceipt,
            ["MessageText"] = message.Body.ToString(),
            ["DequeueCount"] = message.DequeueCount,
            ["InsertedOn"] = message.InsertedOn,
            ["ExpiresOn"] = message.ExpiresOn,
            ["NextVisibleOn"] = message.NextVisibleOn,
        });
        var result = await InvokeAsync(function, NewId(), new ParameterBinding
        {
            Name = bindingName,
            Data = new TypedData
            {
                ModelBindingData = new ModelBindingData { Version = "1.0", Source = "AzureStorageQueues", ContentType = "application/json", Content = ByteString.CopyFrom(content) },
            },
        }, new Dictionary<string, TypedData>
        {
            ["Id"] = new() { String = message.MessageId },
            ["DequeueCount"] = new() { Json = message.DequeueCount.ToString() },
        });

        if (result.Status == StatusResult.Types.Status.Success)
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        else if (message.DequeueCount >= QueueRules.MaxDequeueCount)
        {
            await poison.CreateIfNotExistsAsync();
            await poison.SendMessageAsync(message.Body);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
        else
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: QueueRules.VisibilityTimeout);
    }

    /// <summary>
    /// Fires a timer function once, as the host's timer extension does when its schedule comes due (the stand-in keeps
    /// no schedule: the test says when). The binding data is the extension's TimerInfo JSON.
    /// </summary>
    public async Task<StatusResult> InvokeTimerAsync(string functionName)
    {
        var function = Functions.Single(f => f.Name == functionName);
        var binding = JsonNode.Parse(function.RawBindings.Single())!;
        return await InvokeAsync(function, NewId(), new ParameterBinding
        {
            Name = binding["name"]!.GetValue<string>(),
            Data = new TypedData { Json = "{\"Schedule\":{\"AdjustForDST\":true},\"ScheduleStatus\":null,\"IsPastDue\":false}" },
        }, null);
    }

    private async Task<StatusResult> InvokeAsync(RpcFunctionMetadata function, string invocationId, ParameterBinding input, IDictionary<string, TypedData>? triggerMetadata)
    {
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            InputData = { input },
            TraceContext = new RpcTraceContext { TraceParent = $"00-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01" },
        };
        if (triggerMetadata is not null) request.TriggerMetadata.Add(triggerMetadata);
        var answer = await Channel.RequestAsync(new StreamingMessage { RequestId = invocationId, InvocationRequest = request }, InvocationTimeout);
        Invocations.Enqueue(new Invocation(function.Name, invocationId, answer.InvocationResponse.Result));
        return answer.InvocationResponse.Result;
    }

    private string ResolveAppSettings(string value)
    {
        // %name% binding expressions, from the app settings; one that does not resolve fails as the host's indexing does.
        var parts = value.Split('%');
        if (parts.Length % 2 == 0) throw new InvalidOperationException($"Unbalanced % in '{value}'.");
        for (var i = 1; i < parts.Length; i += 2)
            parts[i] = _settings.GetValueOrDefault(parts[i]) is { Length: > 0 } resolved ? resolved
                : throw new InvalidOperationException($"'%{parts[i]}%' does not resolve to a value.");
        return string.Concat(parts);
    }

    private static void Check(StatusResult result, string step)
    {
        if (result.Status != StatusResult.Types.Status.Success)
            throw new InvalidOperationException($"{step} failed: {result.Exception?.Message}\n{result.Exception?.StackTrace}");
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static string NewId() => Guid.NewGuid().ToString();

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        try { await Task.WhenAll(_listeners); } catch (Exception) { /* a listener's last failure is the test's business, not the teardown's */ }
        if (_worker is { HasExited: false })
        {
            try { await Channel.SendAsync(new StreamingMessage { WorkerTerminate = new WorkerTerminate() }); } catch (InvalidOperationException) { }
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await _worker.WaitForExitAsync(grace.Token); }
            catch (OperationCanceledException) { _worker.Kill(entireProcessTree: true); }
        }
        _worker?.Dispose();
        await _front.DisposeAsync();
        await _grpc.DisposeAsync();
        _forwarder.Dispose();
    }

    private sealed record HttpRoute(RpcFunctionMetadata Function, string BindingName, TemplateMatcher Matcher, HashSet<string> Methods);
}

/// <summary>
/// host.json as the host reads it for the triggers (extensions.queues, extensions.http.routePrefix), with the app
/// settings that override it (AzureFunctionsJobHost:extensions:queues:*). Read here independently of the app's own
/// reading, so a test comparing the two compares two readers.
/// </summary>
public sealed record HostQueueRules(int MaxDequeueCount, TimeSpan VisibilityTimeout, int BatchSize, TimeSpan MaxPollingInterval)
{
    public static HostQueueRules Read(string appDirectory, IReadOnlyDictionary<string, string?> settings)
    {
        var queues = HostJson(appDirectory)["extensions"]?["queues"];
        string? Value(string name) =>
            settings.FirstOrDefault(s => s.Key.Equals("AzureFunctionsJobHost:extensions:queues:" + name, StringComparison.OrdinalIgnoreCase)).Value
            ?? queues?[name]?.ToString();
        // The host's own defaults where host.json says nothing.
        return new HostQueueRules(
            int.Parse(Value("maxDequeueCount") ?? "5"),
            TimeSpan.Parse(Value("visibilityTimeout") ?? "00:00:00"),
            int.Parse(Value("batchSize") ?? "16"),
            TimeSpan.Parse(Value("maxPollingInterval") ?? "00:01:00"));
    }

    public static string RoutePrefix(string appDirectory) =>
        HostJson(appDirectory)["extensions"]?["http"]?["routePrefix"]?.GetValue<string>() ?? "api";

    public static JsonNode HostJson(string appDirectory) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(appDirectory, "host.json")), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
}

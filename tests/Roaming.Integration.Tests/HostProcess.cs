using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace Roaming.Integration.Tests;

/// <summary>
/// The ASP.NET Core host (the built Roaming.Host) in a process of its own, configured through its environment, so
/// a test can kill it the way a crash or a scale-in does (SIGKILL: no shutdown, no finally blocks).
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _output = new();

    public HttpClient Http { get; }

    private HostProcess(Process process, Uri baseUri)
    {
        _process = process;
        Http = new HttpClient { BaseAddress = baseUri, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <param name="settings">configuration keys as the host reads them ("Roaming:Parties:0:Role"), passed as environment variables</param>
    public static async Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Roaming.Host.dll")])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__")] = value;
        start.Environment["Urls"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var host = new HostProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}"));
        host._process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (host._process.HasExited) throw new InvalidOperationException("The host process ended at start: " + host.Output);
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var health = await host.Http.GetAsync("/healthz", cts.Token);
                if (health.StatusCode == HttpStatusCode.OK) return host;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException) { }
            await Task.Delay(200);
        }
        host.Kill();
        throw new TimeoutException("The host process did not answer /healthz within 60 s: " + host.Output);
    }

    /// <summary>An operator call; the task completes when (if ever) the host answers.</summary>
    public Task<HttpResponseMessage> OperatorAsync(HttpMethod method, string path, object body)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestEndpoint.OperatorKey);
        return Http.SendAsync(request);
    }

    /// <summary>SIGKILL, and waits until the process is gone.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public string Output
    {
        get { lock (_output) return string.Join("\n", _output); }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 200) _output.Dequeue();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        Http.Dispose();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}

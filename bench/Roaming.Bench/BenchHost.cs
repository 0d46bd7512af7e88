using System.Net;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Roaming.Bench;

/// <summary>What the end-to-end benchmarks share: Azurite, the host built once in Release, options, ports.</summary>
internal static class Bench
{
    public const string OperatorKey = "bench-operator-key-0123456789";

    /// <summary>Starts Azurite (in memory) unless it runs, and builds the host; returns the folder to start hosts from.</summary>
    public static string PrepareHost()
    {
        var root = RepositoryRoot();
        if (!Listening(10002)) Run("bash", $"-c \"AZURITE_IN_MEMORY=1 {root}/scripts/azurite.sh start\"");
        // One build folder per checkout: benchmarks of two worktrees never run each other's host.
        var hostDir = Path.Combine(Path.GetTempPath(), "roaming-bench-host-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(root)))[..12]);
        Console.WriteLine("building the host (Release) ...");
        Run("dotnet", $"build {root}/functions/Roaming.Host -c Release -o {hostDir} -v q -nologo");
        return hostDir;
    }

    public static async Task DeleteStorageAsync(string prefix)
    {
        var tables = new global::Azure.Data.Tables.TableServiceClient("UseDevelopmentStorage=true");
        await foreach (var t in tables.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "{") < 0)) await tables.DeleteTableAsync(t.Name);
        var queues = new global::Azure.Storage.Queues.QueueServiceClient("UseDevelopmentStorage=true");
        await foreach (var q in queues.GetQueuesAsync(prefix: prefix)) await queues.DeleteQueueAsync(q.Name);
    }

    public static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static bool Listening(int port)
    {
        using var client = new TcpClient();
        try { client.Connect("127.0.0.1", port); return true; }
        catch (SocketException) { return false; }
    }

    public static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments))!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode})");
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RoamingFunctions.sln"))) return dir.FullName;
        throw new InvalidOperationException("run from inside the repository");
    }
}

/// <summary>CPU time of the Azurite process (a Node process, single-threaded): what the storage side of a figure costs this machine.</summary>
internal static class AzuriteCpu
{
    public static double Seconds()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!int.TryParse(Path.GetFileName(dir), out _) || !File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("azurite", StringComparison.Ordinal)) continue;
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100/s).
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
            }
            catch (IOException) { }
        }
        return double.NaN;
    }
}

/// <summary>One endpoint host as a separate process on 127.0.0.1, on its own tables and queues in Azurite (removed when disposed).</summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly string _prefix;
    public string Url { get; }
    /// <summary>The prefix of its tables and queues in Azurite.</summary>
    public string Prefix => _prefix;
    public int Pid => _process.Id;

    private BenchHost(Process process, string url, string prefix)
    {
        _process = process;
        Url = url;
        _prefix = prefix;
        _http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Bench.OperatorKey);
    }

    public static async Task<BenchHost> StartAsync(string dir, string party, string role, IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = Bench.FreePort();
        var prefix = "b" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var start = new ProcessStartInfo("dotnet", Path.Combine(dir, "Roaming.Host.dll")) { RedirectStandardOutput = true, RedirectStandardError = true };
        var env = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Storage"] = "UseDevelopmentStorage=true",
            ["Roaming__StoragePrefix"] = prefix,
            // Azurite stops answering for 5-8 s about once a minute once many queue messages have passed through it
            // (seen in 100,000-location seeds); the endpoint's 4 s per try would turn that into 503s the benchmark
            // does not measure.
            ["Roaming__StorageRetry__NetworkTimeout"] = "00:00:30",
            ["Roaming__TokenKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Roaming__OperatorKey"] = Bench.OperatorKey,
            ["Roaming__AllowHttpPartners"] = "true",
            ["Roaming__PublicBaseUrl"] = $"http://127.0.0.1:{port}",
            ["Roaming__Parties__0__CountryCode"] = "NL",
            ["Roaming__Parties__0__PartyId"] = party,
            ["Roaming__Parties__0__Role"] = role,
            ["Roaming__Parties__0__Name"] = "Bench " + role,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) env[k] = v;
        foreach (var (k, v) in env) start.Environment[k] = v;
        var process = Process.Start(start)!;
        // BENCH_HOST_LOG=1 shows the hosts' log lines (warnings and up), to see why a run stalled.
        process.OutputDataReceived += (_, e) => { if (e.Data is not null && Environment.GetEnvironmentVariable("BENCH_HOST_LOG") is not null) Console.Error.WriteLine($"[{role}] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{role}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new BenchHost(process, $"http://127.0.0.1:{port}", prefix);
        for (var i = 0; i < 300 && !Bench.Listening(port); i++) await Task.Delay(100);
        if (!Bench.Listening(port)) throw new InvalidOperationException($"the {role} host did not start");
        return host;
    }

    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body = null) => (await SendAsync(method, path, body, patience: 0)).Body;

    /// <summary>
    /// As a back office sends: an answer 503 (status_code 3000, storage busy or slow: try again later) is sent again
    /// after its Retry-After, up to <paramref name="patience"/> times. Returns the body and how many times it was sent again.
    /// </summary>
    public async Task<(JsonNode? Body, int Repeated)> SendAsync(HttpMethod method, string path, JsonNode? body, int patience)
    {
        for (var repeated = 0; ; repeated++)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null) request.Content = JsonContent.Create(body);
            using var response = await _http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && repeated < patience)
            {
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                continue;
            }
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
            return (text.Length == 0 ? null : JsonNode.Parse(text), repeated);
        }
    }

    /// <summary>Registers with <paramref name="partner"/> through the credentials handshake; returns our partner id there.</summary>
    public async Task<string> RegisterWithAsync(BenchHost partner)
    {
        var invitation = await partner.SendAsync(HttpMethod.Post, "/operator/invitations", new JsonObject());
        await SendAsync(HttpMethod.Post, "/operator/registrations",
            new JsonObject { ["versions_url"] = invitation!["versions_url"]!.GetValue<string>(), ["token"] = invitation["token"]!.GetValue<string>() });
        return invitation["partner_id"]!.GetValue<string>();
    }

    public double PeakMiB()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        await Bench.DeleteStorageAsync(_prefix);
    }
}

/// <summary>A host's own counters (GET /operator/diagnostics): storage operations per table and queue, CPU time, bytes allocated.</summary>
internal sealed record HostUsage(IReadOnlyDictionary<string, long> Storage, double CpuSeconds, long AllocatedBytes, long Count = 1)
{
    public long StorageTotal => Storage.Values.Sum();
    public double StoragePerRequest => (double)StorageTotal / Count;
    public double BytesPerRequest => (double)AllocatedBytes / Count;
    public double CpuMicrosPerRequest => CpuSeconds * 1e6 / Count;

    public static async Task<HostUsage> ReadAsync(BenchHost host)
    {
        var d = (await host.SendAsync(HttpMethod.Get, "/operator/diagnostics"))!;
        var storage = d["storage_operations"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<long>());
        return new HostUsage(storage, d["cpu_seconds"]!.GetValue<double>(), d["allocated_bytes"]!.GetValue<long>());
    }

    /// <summary>What happened between <paramref name="before"/> and this reading, over <paramref name="count"/> units of work.</summary>
    public HostUsage Since(HostUsage before, long count) => new(
        Storage.ToDictionary(p => p.Key, p => p.Value - before.Storage.GetValueOrDefault(p.Key)).Where(p => p.Value != 0).ToDictionary(),
        CpuSeconds - before.CpuSeconds, AllocatedBytes - before.AllocatedBytes, Math.Max(1, count));

    /// <summary>Operations per unit of work, per table and queue: "locations 2.00, queue:ocpi-push 0.02".</summary>
    public string Breakdown() => string.Join(", ", Storage.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {(double)p.Value / Count:F2}"));
}

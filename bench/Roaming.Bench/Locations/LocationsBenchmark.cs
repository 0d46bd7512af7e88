using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Roaming.Bench.Locations;

/// <summary>
/// End to end on this machine: two ASP.NET Core hosts (a CPO and an eMSP) as separate processes on 127.0.0.1,
/// on Azurite. Prints (1) the eMSP's full pull of N locations with M EVSEs each: time, pages, peak memory of each
/// host; (2) EVSE status updates per second from the CPO's operator API to the eMSP's table (through the
/// CPO's table, the push queue and a PATCH to the eMSP), one call per update and in bulk calls.
/// Stops both hosts and removes their tables and queues when done.
/// </summary>
public static class LocationsBenchmark
{
    private const string OperatorKey = "bench-operator-key-0123456789";

    public static async Task<int> RunAsync(string[] args)
    {
        var locations = Option(args, "--locations", 10_000);
        var evses = Option(args, "--evses", 5);
        var updates = Option(args, "--updates", 5_000);
        var root = RepositoryRoot();
        if (!Listening(10002)) Run("bash", $"-c \"AZURITE_IN_MEMORY=1 {root}/scripts/azurite.sh start\"");

        var hostDir = Path.Combine(Path.GetTempPath(), "roaming-bench-host");
        Console.WriteLine("building the host (Release) ...");
        Run("dotnet", $"build {root}/functions/Roaming.Host -c Release -o {hostDir} -v q -nologo");

        await using var cpo = await Host.StartAsync(hostDir, "CPO", "CPO");
        await using var emsp = await Host.StartAsync(hostDir, "MSP", "EMSP");
        Console.WriteLine($"hosts: CPO {cpo.Url} (pid {cpo.Pid}), eMSP {emsp.Url} (pid {emsp.Pid}); {locations:N0} locations x {evses} EVSEs");

        var seed = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, locations), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await cpo.SendAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/L{i:D6}", Location($"L{i:D6}", evses)));
        Console.WriteLine($"seeded the CPO in {seed.Elapsed.TotalSeconds:F1} s ({locations / seed.Elapsed.TotalSeconds:N0} locations/s through the operator API)");

        // Registration starts the eMSP's full pull.
        var invitation = await emsp.SendAsync(HttpMethod.Post, "/operator/invitations", new JsonObject());
        var pull = Stopwatch.StartNew();
        var registered = await cpo.SendAsync(HttpMethod.Post, "/operator/registrations",
            new JsonObject { ["versions_url"] = invitation!["versions_url"]!.GetValue<string>(), ["token"] = invitation["token"]!.GetValue<string>() });
        var cpoAtEmsp = invitation["partner_id"]!.GetValue<string>();
        JsonNode? job = null;
        while (pull.Elapsed < TimeSpan.FromMinutes(30))
        {
            var jobs = (await emsp.SendAsync(HttpMethod.Get, $"/operator/partners/{cpoAtEmsp}/sync"))!.AsArray();
            job = jobs.FirstOrDefault(j => j!["module"]!.GetValue<string>() == "locations");
            if (job is not null && job["state"]!.GetValue<string>() != "Running") break;
            await Task.Delay(250);
        }
        pull.Stop();
        Console.WriteLine($"full pull: {job?["state"]} in {pull.Elapsed.TotalSeconds:F1} s, {job?["pages"]} pages, {job?["stored"]} locations ({(double)locations * evses / pull.Elapsed.TotalSeconds:N0} EVSEs/s)");
        Console.WriteLine($"peak memory (VmHWM): eMSP host {emsp.PeakMiB():N0} MiB, CPO host {cpo.PeakMiB():N0} MiB");

        // Deep pages: the next link carries a key cursor, so page 100 should cost what page 1 costs.
        var pageTimes = new List<double>();
        string? next = "/operator/locations?scope=own&limit=100";
        while (next is not null)
        {
            var t = Stopwatch.StartNew();
            var page = await cpo.SendAsync(HttpMethod.Get, next[next.IndexOf("/operator", StringComparison.Ordinal)..]);
            pageTimes.Add(t.Elapsed.TotalMilliseconds);
            next = page!["next"]?.GetValue<string>();
        }
        Console.WriteLine($"paging the CPO's {locations:N0} locations by 100: first page {pageTimes[0]:F0} ms (counts the total), second {pageTimes.ElementAtOrDefault(1):F0} ms, "
            + $"median {pageTimes.Order().ElementAt(pageTimes.Count / 2):F0} ms, last (page {pageTimes.Count}) {pageTimes[^1]:F0} ms");

        var n = Math.Min(updates, locations);
        foreach (var (label, bulk) in new[] { ("one operator call per update", 1), ("bulk calls of 100 updates", 100) })
        {
            var status = bulk == 1 ? "CHARGING" : "BLOCKED";
            var clock = Stopwatch.StartNew();
            if (bulk == 1)
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
                    await cpo.SendAsync(HttpMethod.Patch, $"/operator/locations/NL/CPO/L{i:D6}/L{i:D6}-E1", new JsonObject { ["status"] = status }));
            }
            else
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, n).Chunk(bulk), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, ct) =>
                    await cpo.SendAsync(HttpMethod.Post, "/operator/locations/evse-statuses", new JsonArray(chunk.Select(i => (JsonNode)new JsonObject
                    {
                        ["country_code"] = "NL", ["party_id"] = "CPO", ["location_id"] = $"L{i:D6}", ["evse_uid"] = $"L{i:D6}-E1", ["status"] = status,
                    }).ToArray())));
            }
            var accepted = clock.Elapsed;
            while (clock.Elapsed < TimeSpan.FromMinutes(10))
            {
                var seen = (await emsp.SendAsync(HttpMethod.Get, $"/operator/locations?scope=received&status={status}&limit=1"))!["total"]!.GetValue<int>();
                if (seen >= n) break;
                // The check itself scans the eMSP's table; polling slowly keeps it from slowing what it measures.
                await Task.Delay(2000);
            }
            Console.WriteLine($"EVSE status updates, {label}: {n:N0} accepted in {accepted.TotalSeconds:F1} s, all at the eMSP after {clock.Elapsed.TotalSeconds:F1} s: {n / clock.Elapsed.TotalSeconds:N0} updates/s end to end");
        }
        Console.WriteLine($"peak memory (VmHWM) at the end: eMSP host {emsp.PeakMiB():N0} MiB, CPO host {cpo.PeakMiB():N0} MiB");
        return 0;
    }

    private static JsonObject Location(string id, int evses) => new()
    {
        ["publish"] = true,
        ["name"] = "Bench " + id,
        ["address"] = "Benchstraat 1",
        ["city"] = "Utrecht",
        ["postal_code"] = "3511AA",
        ["country"] = "NLD",
        ["coordinates"] = new JsonObject { ["latitude"] = "52.090700", ["longitude"] = "5.121400" },
        ["time_zone"] = "Europe/Amsterdam",
        ["evses"] = new JsonArray(Enumerable.Range(1, evses).Select(e => (JsonNode)new JsonObject
        {
            ["uid"] = $"{id}-E{e}",
            ["status"] = "AVAILABLE",
            ["connectors"] = new JsonArray(new JsonObject
            {
                ["id"] = "1", ["standard"] = "IEC_62196_T2", ["format"] = "SOCKET", ["power_type"] = "AC_3_PHASE", ["max_voltage"] = 230, ["max_amperage"] = 32,
            }),
        }).ToArray()),
    };

    private sealed class Host : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _http;
        private readonly string _prefix;
        public string Url { get; }
        public int Pid => _process.Id;

        private Host(Process process, string url, string prefix)
        {
            _process = process;
            Url = url;
            _prefix = prefix;
            _http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        }

        public static async Task<Host> StartAsync(string dir, string party, string role)
        {
            var port = FreePort();
            var prefix = "b" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
            var start = new ProcessStartInfo("dotnet", Path.Combine(dir, "Roaming.Host.dll")) { RedirectStandardOutput = true, RedirectStandardError = true };
            var env = new Dictionary<string, string>
            {
                ["Urls"] = $"http://127.0.0.1:{port}",
                ["Storage"] = "UseDevelopmentStorage=true",
                ["Roaming__StoragePrefix"] = prefix,
                ["Roaming__TokenKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["Roaming__OperatorKey"] = OperatorKey,
                ["Roaming__AllowHttpPartners"] = "true",
                ["Roaming__Parties__0__CountryCode"] = "NL",
                ["Roaming__Parties__0__PartyId"] = party,
                ["Roaming__Parties__0__Role"] = role,
                ["Roaming__Parties__0__Name"] = "Bench " + role,
                ["Logging__LogLevel__Default"] = "Warning",
            };
            foreach (var (k, v) in env) start.Environment[k] = v;
            var process = Process.Start(start)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{role}] {e.Data}"); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var host = new Host(process, $"http://127.0.0.1:{port}", prefix);
            for (var i = 0; i < 300 && !Listening(port); i++) await Task.Delay(100);
            if (!Listening(port)) throw new InvalidOperationException($"the {role} host did not start");
            return host;
        }

        public async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null) request.Content = JsonContent.Create(body);
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
            return text.Length == 0 ? null : JsonNode.Parse(text);
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
            await DeleteStorageAsync(_prefix);
        }
    }

    private static async Task DeleteStorageAsync(string prefix)
    {
        var tables = new global::Azure.Data.Tables.TableServiceClient("UseDevelopmentStorage=true");
        await foreach (var t in tables.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "{") < 0)) await tables.DeleteTableAsync(t.Name);
        var queues = new global::Azure.Storage.Queues.QueueServiceClient("UseDevelopmentStorage=true");
        await foreach (var q in queues.GetQueuesAsync(prefix: prefix)) await queues.DeleteQueueAsync(q.Name);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static int FreePort()
    {
        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static bool Listening(int port)
    {
        using var client = new TcpClient();
        try { client.Connect("127.0.0.1", port); return true; }
        catch (SocketException) { return false; }
    }

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments))!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode})");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RoamingFunctions.sln"))) return dir.FullName;
        throw new InvalidOperationException("run from inside the repository");
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Roaming.Bench.Requests;

/// <summary>
/// The request path: authenticated OCPI GETs that need nothing from storage (versions, version details, credentials
/// GET), driven by wrk over loopback against one host process, beside the bare Kestrel route of the same host
/// (GET /healthz: ASP.NET Core's routing and a text answer, none of the endpoint) measured in the same run, before and
/// after, and their ratio. Also: storage operations, bytes allocated and CPU time per request, read from the host.
/// </summary>
public static class RequestsBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Bench.Option(args, "--seconds", 8);
        var connections = Bench.Option(args, "--connections", 32);
        var threads = Bench.Option(args, "--threads", 2);
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "wrk"))))
        {
            Console.Error.WriteLine("wrk is not installed (Debian: apt-get install -y wrk)");
            return 2;
        }
        var hostDir = Bench.PrepareHost();
        // The partner budget stays on (its cost is part of the path) but large enough never to refuse.
        await using var host = await BenchHost.StartAsync(hostDir, "CPO", "CPO", new Dictionary<string, string>
        {
            ["Roaming__RateLimit__TokenLimit"] = "1000000000",
            ["Roaming__RateLimit__TokensPerPeriod"] = "1000000000",
        });
        // A Token A authenticates on the configuration modules, which are what these GETs are.
        var invitation = await host.SendAsync(HttpMethod.Post, "/operator/invitations", new JsonObject { ["name"] = "bench partner" });
        var token = "Token " + Convert.ToBase64String(Encoding.UTF8.GetBytes(invitation!["token"]!.GetValue<string>()));
        Console.WriteLine($"host {host.Url} (pid {host.Pid}); wrk -t{threads} -c{connections} -d{seconds}s per route; load average {LoadAverage()}");

        var targets = new (string Label, string Path, string? Auth)[]
        {
            ("bare Kestrel route (GET /healthz)", "/healthz", null),
            ("GET /ocpi/versions", "/ocpi/versions", token),
            ("GET /ocpi/2.2.1 (version details)", "/ocpi/2.2.1", token),
            ("GET /ocpi/2.2.1/credentials", "/ocpi/2.2.1/credentials", token),
            ("bare Kestrel route again", "/healthz", null),
        };
        foreach (var (_, path, auth) in targets) Wrk(host.Url + path, auth, threads, connections, 2); // warm-up: JIT, connections, the token cache

        var results = new List<(string Label, double Rate, long Errors, HostUsage HostUsage)>();
        foreach (var (label, path, auth) in targets)
        {
            var before = await HostUsage.ReadAsync(host);
            var (rate, requests, errors) = Wrk(host.Url + path, auth, threads, connections, seconds);
            var used = (await HostUsage.ReadAsync(host)).Since(before, requests);
            results.Add((label, rate, errors, used));
        }
        var bare = (results[0].Rate + results[^1].Rate) / 2;
        Console.WriteLine($"{"route",-38} {"requests/s",11} {"/ bare",7} {"errors",7} {"storage ops/req",16} {"bytes/req",10} {"CPU µs/req",11}");
        foreach (var (label, rate, errors, used) in results)
            Console.WriteLine($"{label,-38} {rate,11:N0} {rate / bare,7:F2} {errors,7} {used.StoragePerRequest,16:F3} {used.BytesPerRequest,10:N0} {used.CpuMicrosPerRequest,11:N0}");
        Console.WriteLine($"bare Kestrel (mean of before and after): {bare:N0} requests/s; load average {LoadAverage()}");
        return 0;
    }

    /// <summary>One wrk run: requests per second, requests, and responses that were not 2xx/3xx (or socket errors).</summary>
    private static (double Rate, long Requests, long Errors) Wrk(string url, string? auth, int threads, int connections, int seconds)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { $"-t{threads}", $"-c{connections}", $"-d{seconds}s" }) start.ArgumentList.Add(a);
        if (auth is not null)
        {
            start.ArgumentList.Add("-H");
            start.ArgumentList.Add("Authorization: " + auth);
        }
        start.ArgumentList.Add(url);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        double rate = 0;
        long requests = 0, errors = 0;
        foreach (var line in output.Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith("Requests/sec:", StringComparison.Ordinal)) rate = double.Parse(line[13..].Trim(), CultureInfo.InvariantCulture);
            else if (line.Contains("requests in", StringComparison.Ordinal)) requests = long.Parse(line.Split(' ')[0], CultureInfo.InvariantCulture);
            else if (line.StartsWith("Non-2xx or 3xx responses:", StringComparison.Ordinal)) errors += long.Parse(line.Split(':')[1].Trim(), CultureInfo.InvariantCulture);
            else if (line.StartsWith("Socket errors:", StringComparison.Ordinal))
                errors += line.Split(',').Sum(part => long.Parse(part.Trim().Split(' ')[^1], CultureInfo.InvariantCulture));
        }
        return (rate, requests, errors);
    }

    private static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}

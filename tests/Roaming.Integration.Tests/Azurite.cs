using System.Diagnostics;
using System.Net.Sockets;

namespace Roaming.Integration.Tests;

/// <summary>
/// Azurite on loopback, started by scripts/azurite.sh when nothing listens yet (the test script and CI start it
/// first; this keeps a plain `dotnet test` working too). Tests never mock storage.
/// </summary>
public static class Azurite
{
    public const string ConnectionString = "UseDevelopmentStorage=true";
    private static readonly Lazy<Task> Started = new(EnsureStartedAsync);

    public static Task EnsureStarted() => Started.Value;

    private static async Task EnsureStartedAsync()
    {
        if (await ListeningAsync()) return;
        var script = Path.Combine(RepositoryRoot(), "scripts", "azurite.sh");
        var start = new ProcessStartInfo("bash", [script, "start"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["AZURITE_IN_MEMORY"] = "1";
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync();
        if (!await ListeningAsync())
            throw new InvalidOperationException($"Azurite is not listening on 127.0.0.1:10001/10002 and {script} could not start it: {await process.StandardError.ReadToEndAsync()}");
    }

    private static async Task<bool> ListeningAsync()
    {
        foreach (var port in new[] { 10001, 10002 })
        {
            using var client = new TcpClient();
            try { await client.ConnectAsync("127.0.0.1", port); }
            catch (SocketException) { return false; }
        }
        return true;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RoamingFunctions.sln"))) return dir.FullName;
        throw new InvalidOperationException("RoamingFunctions.sln not found above " + AppContext.BaseDirectory);
    }
}

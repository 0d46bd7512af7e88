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
    // The well-known key of Azurite's development account.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>The development account with its table or queue endpoint moved to another port (a proxy in front of it).</summary>
    public static string ConnectionStringVia(int tablePort = 10002, int queuePort = 10001) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};"
        + $"TableEndpoint=http://127.0.0.1:{tablePort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;";
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

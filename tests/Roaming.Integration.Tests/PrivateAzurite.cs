using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Roaming.Integration.Tests;

/// <summary>
/// An Azurite of a test's own, on free loopback ports and in memory, that the test may pause (storage that accepts
/// connections and never answers) or stop (storage that refuses them). The shared Azurite is never touched.
/// </summary>
public sealed class PrivateAzurite : IAsyncDisposable
{
    // The well-known development account key every Azurite accepts; not a secret.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly Process _process;
    private readonly int _tablePort;
    private readonly int _queuePort;
    private readonly int _blobPort;
    private bool _paused;

    private PrivateAzurite(Process process, int tablePort, int queuePort, int blobPort)
    {
        _process = process;
        _tablePort = tablePort;
        _queuePort = queuePort;
        _blobPort = blobPort;
    }

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};"
        + $"BlobEndpoint=http://127.0.0.1:{_blobPort}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{_queuePort}/devstoreaccount1;"
        + $"TableEndpoint=http://127.0.0.1:{_tablePort}/devstoreaccount1;";

    public static async Task<PrivateAzurite> StartAsync()
    {
        await Azurite.EnsureStarted(); // installs Azurite when the shared one was started from elsewhere
        var bin = Path.Combine(Azurite.RepositoryRoot(), "tools", "azurite", "node_modules", ".bin", "azurite");
        if (!File.Exists(bin))
        {
            using var install = Process.Start(new ProcessStartInfo("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                { WorkingDirectory = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(bin)))!, RedirectStandardOutput = true })!;
            await install.WaitForExitAsync();
        }
        int[] ports = [FreePort(), FreePort(), FreePort()];
        var start = new ProcessStartInfo(bin,
        [
            "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl", "--inMemoryPersistence",
            "--tableHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--blobHost", "127.0.0.1",
            "--tablePort", ports[0].ToString(), "--queuePort", ports[1].ToString(), "--blobPort", ports[2].ToString(),
        ]) { RedirectStandardOutput = true, RedirectStandardError = true };
        var process = Process.Start(start)!;
        var azurite = new PrivateAzurite(process, ports[0], ports[1], ports[2]);
        // About 2 s on a quiet machine; a loaded one (a whole test run beside it) has taken over 10.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await Listening(ports[0]) && await Listening(ports[1])))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                // Ended first, so its error output has an end to read to.
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                throw new InvalidOperationException("The private Azurite did not start: " + await process.StandardError.ReadToEndAsync());
            }
            await Task.Delay(50);
        }
        return azurite;
    }

    /// <summary>Freezes the process: connections are still accepted by the kernel, nothing is ever answered.</summary>
    public void Pause()
    {
        Signal(_process.Id, 19); // SIGSTOP
        _paused = true;
    }

    public void Resume()
    {
        Signal(_process.Id, 18); // SIGCONT
        _paused = false;
    }

    /// <summary>Ends the process: connections are refused.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        if (_paused) Resume();
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        for (var i = 0; i < 100 && await Listening(_tablePort); i++) await Task.Delay(50);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> Listening(int port)
    {
        using var client = new TcpClient();
        try { await client.ConnectAsync(IPAddress.Loopback, port); return true; }
        catch (SocketException) { return false; }
    }

    private static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
#pragma warning disable SYSLIB1054 // a plain P/Invoke of two ints needs no generated marshalling
    private static extern int kill(int pid, int sig);
#pragma warning restore SYSLIB1054
}

using System.Net;
using System.Net.Sockets;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;

namespace Roaming.Azure.Tests;

/// <summary>
/// What the Azure SDK throws when storage is not there, as the SDK really throws it (a port where nothing listens, a
/// port that accepts and never answers), is told apart from an answer about the request and from a bug.
/// </summary>
public sealed class StorageFaultsTests
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static TableClient Table(int port) => new StorageConnection(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Storage"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
            + $"QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;",
        // The SDK's own settings, read under Roaming:StorageRetry: short, so the test is quick.
        ["Roaming:StorageRetry:Delay"] = "00:00:00.010",
        ["Roaming:StorageRetry:NetworkTimeout"] = "00:00:00.300",
    }).Build()).CreateTableClient("anything", "anything");

    [Fact]
    public async Task Storage_refusing_connections_is_an_outage()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var e = await Record.ExceptionAsync(() => Table(port).GetEntityIfExistsAsync<TableEntity>("p", "r"));
        Assert.NotNull(e);
        Assert.True(new StorageFaults().IsOutage(e), e.ToString());
    }

    [Fact]
    public async Task Storage_that_never_answers_is_an_outage()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = new List<Socket>();
        _ = Task.Run(async () =>
        {
            // Accept and say nothing.
            try { while (true) accepted.Add(await listener.AcceptSocketAsync()); }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        });

        var e = await Record.ExceptionAsync(() => Table(((IPEndPoint)listener.LocalEndpoint).Port).GetEntityIfExistsAsync<TableEntity>("p", "r"));
        Assert.NotNull(e);
        Assert.True(new StorageFaults().IsOutage(e), e.ToString());
        foreach (var socket in accepted) socket.Dispose();
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(412)]
    public void An_answer_about_the_request_is_not_an_outage(int status) =>
        Assert.False(new StorageFaults().IsOutage(new RequestFailedException(status, "answered")));

    [Theory]
    [InlineData(0)]
    [InlineData(408)]
    [InlineData(500)]
    [InlineData(503)]
    public void No_answer_or_a_server_failure_is_an_outage(int status)
    {
        Assert.True(new StorageFaults().IsOutage(new RequestFailedException(status, "failed")));
        Assert.True(new StorageFaults().IsOutage(new AggregateException(new RequestFailedException(status, "1"), new RequestFailedException(status, "2"))));
    }

    [Fact]
    public void A_bug_is_not_an_outage()
    {
        Assert.False(new StorageFaults().IsOutage(new InvalidOperationException()));
        Assert.False(new StorageFaults().IsOutage(new NullReferenceException()));
        Assert.False(new StorageFaults().IsOutage(new AggregateException(new RequestFailedException(503, "x"), new InvalidOperationException())));
    }
}

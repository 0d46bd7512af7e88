namespace Roaming.Integration.Tests;

/// <summary>
/// Nothing stored without its push: a change and its push are committed together, and a host killed between the
/// commit and the queueing of the push leaves it to the next host that starts, which sends it.
/// </summary>
public class PushOutboxTests
{
    [Fact]
    public async Task A_host_killed_between_storing_changes_and_queueing_their_pushes_leaves_them_to_the_next_start()
    {
        var settings = new Dictionary<string, string?>(Fixtures.FastRetries)
        {
            ["Roaming:OutboxSweepGrace"] = "00:00:02",
            ["Roaming:OutboxSweepInterval"] = "00:00:01",
        };
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync(settings);
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await cpo.StopAsync();

        // The same deployment in a process of its own, reaching the queues through a proxy that then stops answering.
        await using var proxy = new FreezableProxy(10001);
        var processSettings = cpo.HostSettings.Where(s => s.Key != "Urls").ToDictionary();
        processSettings["Storage"] = Azurite.ConnectionStringVia(queuePort: proxy.Port);
        await using var host = await HostProcess.StartAsync(processSettings);
        proxy.Freeze();

        var location = host.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/KILL1", Fixtures.Location("KILL1"));
        var tariff = host.OperatorAsync(HttpMethod.Put, "/operator/tariffs/NL/CPO/KILLT", Fixtures.Tariff("KILLT"));
        Task<bool> Exists(string table, string partition, string row) => Fixtures.RowExistsAsync(cpo, table, partition, row);
        await Fixtures.Eventually(async () =>
            await Exists("locations", "O|NL|CPO|KILL1", "A|KILL1") && await Exists("locations", "O|NL|CPO|KILL1", "A~push|KILL1")
            && await Exists("tariffs", "O|NL|CPO|", "KILLT") && await Exists("tariffs", "O|NL|CPO|", "~push|KILLT"),
            "both changes stored with their pushes");
        // Stored, and stuck on the way to the queue: the relay has not happened. Now the host dies.
        Assert.False(location.IsCompleted || tariff.IsCompleted, "the calls returned: " + host.Output);
        host.Kill();
        Assert.Null(await Received(emsp, "locations", "KILL1"));
        Assert.Null(await Received(emsp, "tariffs", "KILLT"));

        // The next start finds what was not sent and sends it.
        await cpo.StartAgainAsync();
        await Fixtures.Eventually(async () => await Received(emsp, "locations", "KILL1") is not null && await Received(emsp, "tariffs", "KILLT") is not null,
            "the location and the tariff at the eMSP", seconds: 60);
        await Fixtures.Eventually(async () => !await Exists("locations", "O|NL|CPO|KILL1", "A~push|KILL1") && !await Exists("tariffs", "O|NL|CPO|", "~push|KILLT"),
            "the outbox empty again");
    }

    private static async Task<string?> Received(TestEndpoint emsp, string module, string id)
    {
        using var response = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Get, $"/operator/{module}/NL/CPO/{id}?scope=received"));
        return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
    }
}

using Roaming.Integration.Tests;

namespace Roaming.Functions.Tests;

/// <summary>
/// The black-box scenarios of Roaming.Integration.Tests (BlackBox), with the Functions app in one role and the
/// ASP.NET Core host in the other: the handshake both ways, a push out of the Functions app (its ocpi-push trigger),
/// a pull into it (its ocpi-sync trigger) and pushes it receives over HTTP.
/// </summary>
public class BlackBoxTests
{
    [Fact]
    public async Task A_request_that_comes_while_the_worker_still_creates_its_tables_waits_for_them()
    {
        // Table storage answers slowly: the host forwards the first request while the worker is still creating tables.
        await using var slow = new FreezableProxy(10002) { RequestDelay = TimeSpan.FromMilliseconds(400) };
        await using var emsp = await FunctionsEndpoint.StartAsync([("DE", "MSP", "EMSP")],
            new() { ["Storage"] = Azurite.ConnectionStringVia(tablePort: slow.Port) });
        // CDRs' table is among the last created.
        Assert.Equal(0, (await emsp.OperatorAsync(HttpMethod.Get, "/operator/cdrs?scope=received"))["total"]!.GetValue<int>());
        await emsp.OperatorAsync(HttpMethod.Post, "/operator/invitations", new { name = "first" }, expect: 201);
    }

    [Fact]
    public async Task The_functions_app_as_cpo_registers_with_a_host_emsp_and_pushes_locations_to_it()
    {
        await using var cpo = await FunctionsEndpoint.StartAsync([("NL", "CPO", "CPO")], Fixtures.FastRetries);
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/PULL1", Fixtures.Location("PULL1"), expect: 201);

        var (_, cpoAtEmsp) = await BlackBox.HandshakeAsync(cpo, emsp);
        await BlackBox.LocationPullAsync(cpo, emsp, cpoAtEmsp, ["PULL1"]);
        await BlackBox.LocationPushAsync(cpo, emsp, "PUSH1");
        Assert.Contains(cpo.Host.Invocations, i => i.Function == "push");
    }

    [Fact]
    public async Task The_functions_app_as_emsp_takes_a_host_cpos_registration_pulls_and_receives_pushes()
    {
        await using var cpo = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: Fixtures.FastRetries);
        await using var emsp = await FunctionsEndpoint.StartAsync([("DE", "MSP", "EMSP")]);
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/PULL1", Fixtures.Location("PULL1"), expect: 201);

        var (_, cpoAtEmsp) = await BlackBox.HandshakeAsync(cpo, emsp);
        await BlackBox.LocationPullAsync(cpo, emsp, cpoAtEmsp, ["PULL1"]);
        Assert.Contains(emsp.Host.Invocations, i => i.Function == "sync");
        await BlackBox.LocationPushAsync(cpo, emsp, "PUSH1");
    }

    [Fact]
    public async Task The_functions_app_as_cpo_takes_commands_hands_them_to_its_back_office_takes_its_results_and_keeps_their_deadlines()
    {
        await using var cpo = await FunctionsEndpoint.StartAsync([("NL", "CPO", "CPO")], Fixtures.FastRetries);
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await BlackBox.HandshakeAsync(cpo, emsp);
        await BlackBox.CommandsAsync(cpo, emsp);
        Assert.Contains(cpo.Host.Invocations, i => i.Function == "deadlines");
        Assert.Contains(cpo.Host.Invocations, i => i.Function == "command-results-in");
    }

    [Fact]
    public async Task The_functions_app_as_emsp_sends_commands_and_takes_their_results()
    {
        await using var cpo = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: Fixtures.FastRetries);
        await using var emsp = await FunctionsEndpoint.StartAsync([("DE", "MSP", "EMSP")]);
        await BlackBox.HandshakeAsync(cpo, emsp);
        await BlackBox.CommandsAsync(cpo, emsp);
    }
}

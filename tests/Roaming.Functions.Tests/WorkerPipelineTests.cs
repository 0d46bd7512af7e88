using Azure.Data.Tables;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Roaming.Functions.Tests.Rpc;
using Roaming.Functions.Tests.StandIn;
using Roaming.Integration.Tests;

namespace Roaming.Functions.Tests;

/// <summary>One Functions app (a CPO) behind the stand-in host, shared by the tests of this class.</summary>
public sealed class FunctionsCpo : IAsyncLifetime
{
    public FunctionsEndpoint Endpoint { get; private set; } = null!;
    public Task InitializeAsync() => StartAsync();
    // The outbox sweep takes any row at once here: the tests fire its timer themselves.
    private async Task StartAsync() => Endpoint = await FunctionsEndpoint.StartAsync([("NL", "CPO", "CPO")], new() { ["Roaming:OutboxSweepGrace"] = "00:00:00.001" });
    public async Task DisposeAsync() => await Endpoint.DisposeAsync();
}

/// <summary>
/// The app's start-up and each of its functions, through the worker's real pipeline (gRPC invocation, the ASP.NET
/// Core integration's HTTP hand-over, the queue extension's converter). The stand-in plays the host (see
/// <see cref="FunctionsHostStandIn"/> for what that cannot prove); every assertion here is about what the worker
/// and the app answered.
/// </summary>
public class WorkerPipelineTests(FunctionsCpo app) : IClassFixture<FunctionsCpo>
{
    private FunctionsEndpoint Endpoint => app.Endpoint;
    private FunctionsHostStandIn Host => app.Endpoint.Host;
    private QueueClient Queue(string name) => new(Azurite.ConnectionString, Endpoint.Prefix + name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    [Fact]
    public void The_worker_starts_with_the_real_configuration_and_offers_its_functions_and_http_listener()
    {
        // The ASP.NET Core integration: the worker tells the host where its own HTTP listener is.
        Assert.StartsWith("http://localhost:", Host.Init!.Capabilities["HttpUri"]);
        Assert.Equal(["cdrs-verify", "command-results-in", "deadlines", "ocpi", "operator", "outbox-sweep", "push", "sdrs-in", "sessions-in", "sync"], Host.Functions.Select(f => f.Name).Order());
        // Worker indexing: the metadata the host gets over gRPC says what functions.metadata says.
        var push = JsonNode.Parse(Host.Functions.Single(f => f.Name == "push").RawBindings.Single())!;
        Assert.Equal("%RoamingPushQueue%", push["queueName"]!.GetValue<string>());
        Assert.Equal(BindingInfo.Types.Direction.In, Host.Functions.Single(f => f.Name == "ocpi").Bindings["request"].Direction);
    }

    [Fact]
    public async Task A_put_and_a_get_go_through_the_http_function()
    {
        var stored = await Endpoint.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/F1", Fixtures.Location("F1"), expect: 201);
        Assert.Equal("F1", stored.Str("id"));
        var read = await Endpoint.OperatorAsync(HttpMethod.Get, "/operator/locations/NL/CPO/F1");
        Assert.Equal("Amsterdam", read.Str("city"));

        var (status, body, response) = await Endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/versions", null);
        Assert.Equal(401, status);
        Assert.Equal(2000, body["status_code"]!.GetValue<int>());
        Assert.Equal("Token", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains(Host.Invocations, i => i.Function == "operator" && i.Result.Status == StatusResult.Types.Status.Success);
        Assert.Contains(Host.Invocations, i => i.Function == "ocpi" && i.Result.Status == StatusResult.Types.Status.Success);
    }

    [Fact]
    public async Task A_chunked_body_without_content_length_arrives_whole()
    {
        var location = Fixtures.Location("CHUNKED", evses: 40).ToJsonString();
        using var request = Endpoint.Operator(HttpMethod.Put, "/operator/locations/NL/CPO/CHUNKED");
        request.Content = new StringContent(location, Encoding.UTF8, "application/json");
        request.Headers.TransferEncodingChunked = true;
        using var response = await Endpoint.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(40, (await Endpoint.OperatorAsync(HttpMethod.Get, "/operator/locations/NL/CPO/CHUNKED"))["evses"]!.AsArray().Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_16_MiB_is_413_in_the_envelope(bool chunked)
    {
        var body = new byte[16 * 1024 * 1024 + 1];
        body.AsSpan().Fill((byte)' ');
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ocpi/2.2.1/credentials") { Content = new ByteArrayContent(body) };
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await Endpoint.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var envelope = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(2000, envelope["status_code"]!.GetValue<int>());
        Assert.NotNull(envelope["timestamp"]);
    }

    [Fact]
    public async Task Over_the_adapters_path_and_header_limits_the_worker_answers_in_the_envelope()
    {
        var (status, body, _) = await Endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/versions?q=" + new string('x', 20_000), null);
        Assert.Equal(414, status);
        Assert.Equal(2000, body["status_code"]!.GetValue<int>());

        (status, body, _) = await Endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/versions", null,
            edit: r => { for (var i = 0; i < 8; i++) r.Headers.Add($"X-Filler-{i}", new string('y', 6000)); });
        Assert.Equal(431, status);
        Assert.Equal(2000, body["status_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_unknown_route_under_ocpi_is_the_cores_404_and_elsewhere_the_hosts()
    {
        var (status, body, _) = await Endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/nothing/here", null);
        Assert.Equal(404, status);
        Assert.Equal(2000, body["status_code"]!.GetValue<int>());

        // No function has this route: the host answers 404 itself and the worker is never asked.
        var before = Host.HttpInvocationsStarted;
        using var response = await Endpoint.Http.GetAsync("/nothing/here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(before, Host.HttpInvocationsStarted);
    }

    [Fact]
    public async Task Head_and_options_reach_the_core_which_answers_405()
    {
        using var head = await Endpoint.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/ocpi/versions"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.True(head.Headers.Contains("X-Request-ID"));

        var (status, body, _) = await Endpoint.OcpiAsync(HttpMethod.Options, "/ocpi/versions", null);
        Assert.Equal(405, status);
        Assert.Equal(2000, body["status_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_app_logs_reach_the_host_under_the_cores_categories_without_tokens()
    {
        const string token = "some-token-that-must-not-be-logged";
        await Endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1/credentials", token);
        await Fixtures.Eventually(() => Task.FromResult(Host.Channel.Logs.Any(l => l.Category == "Roaming.Core.Platform.RoamingEndpoint" && l.Message.Contains("/ocpi/2.2.1/credentials"))),
            "the endpoint's request log at the host");
        Assert.DoesNotContain(Host.Channel.Logs, l => l.Message.Contains(token) || l.Message.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes(token))));
    }

    [Fact]
    public async Task Push_queue_a_good_message_is_done_and_an_unreadable_one_is_parked_in_the_poison_queue()
    {
        // A good message: a published location's push (no partner yet, so nothing to send); the trigger succeeds.
        await Endpoint.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/Q1", Fixtures.Location("Q1"), expect: 201);
        await Fixtures.Eventually(async () => Host.Invocations.Any(i => i.Function == "push") && await Empty(Queue("ocpi-push")), "the push message done");
        Assert.All(Host.Invocations.Where(i => i.Function == "push"), i => Assert.Equal(StatusResult.Types.Status.Success, i.Result.Status));

        // An unreadable one: the core itself parks it on its first try (it can never succeed), with the reason, and the trigger succeeds.
        await Queue("ocpi-push").SendMessageAsync("this is not a push message");
        var parked = await ParkedAsync("ocpi-push", "this is not a push message");
        Assert.StartsWith("not a push message", parked["reason"]!.GetValue<string>());
        Assert.Equal(1, parked["attempts"]!.GetValue<int>());
        Assert.True(await Empty(Queue("ocpi-push")));
    }

    [Fact]
    public async Task Sync_queue_a_good_message_is_done_and_an_unreadable_one_lands_in_the_poison_queue_after_its_last_try()
    {
        // A good message for a job that is already over: seen twice, changes nothing, done.
        var before = Host.Invocations.Count(i => i.Function == "sync");
        await Queue("ocpi-sync").SendMessageAsync("""{"partner_id":"p-none","job_id":"j-none","url":"https://cpo.example.com/ocpi/cpo/2.2.1/locations","page":1}""");
        await Fixtures.Eventually(async () => Host.Invocations.Count(i => i.Function == "sync") > before && await Empty(Queue("ocpi-sync")), "the sync message done");
        Assert.All(Host.Invocations.Where(i => i.Function == "sync"), i => Assert.Equal(StatusResult.Types.Status.Success, i.Result.Status));

        // An unreadable one fails in the worker on every try before the last, each a failed invocation (not a crash,
        // not a silent success), so the host tries it again by host.json's rules (played here by the stand-in). On its
        // last try (the dequeue count the host hands over) the worker parks it with the reason, as it does for every queue.
        await Queue("ocpi-sync").SendMessageAsync("this is not a sync message");
        var parked = await ParkedAsync("ocpi-sync", "this is not a sync message");
        Assert.StartsWith($"failed {Host.QueueRules.MaxDequeueCount} tries; the last: ", parked["reason"]!.GetValue<string>());
        var failed = Host.Invocations.Where(i => i.Function == "sync" && i.Result.Status == StatusResult.Types.Status.Failure).ToList();
        Assert.Equal(Host.QueueRules.MaxDequeueCount - 1, failed.Count);
        Assert.All(failed, f => Assert.Contains("JsonException", f.Result.Exception.Type + f.Result.Exception.Message + f.Result.Exception.StackTrace));
        Assert.True(await Empty(Queue("ocpi-sync")));
    }

    [Fact]
    public async Task The_outbox_sweep_timer_queues_a_push_a_stopped_instance_stored_but_never_queued()
    {
        // What a host killed between the commit and the relay leaves: the tariff's outbox slot, beside the tariff, opened
        // long ago and named by no queue message.
        var table = new TableClient(Azurite.ConnectionString, Endpoint.Prefix + "tariffs");
        await table.CreateIfNotExistsAsync();
        var changes = """[{"module":"tariffs","kind":"Put","country_code":"NL","party_id":"CPO","object_id":"T-LEFT"}]""";
        await table.AddEntityAsync(new TableEntity("O|NL|CPO|", "~push|T-LEFT")
        {
            ["PushSlot"] = true,
            ["Opened"] = DateTimeOffset.UtcNow.AddHours(-1),
            ["J0"] = System.Text.Encoding.UTF8.GetBytes(changes),
        });

        var result = await Host.InvokeTimerAsync("outbox-sweep");
        Assert.Equal(StatusResult.Types.Status.Success, result.Status);
        // Queued, and the push function then runs it (the tariff is gone, so it is skipped) and clears the slot.
        await Fixtures.Eventually(async () => !await table.QueryAsync<TableEntity>("RowKey ge '~push|'").AnyAsync(), "the outbox slot cleared after the sweep");
        await Fixtures.Eventually(() => Task.FromResult(Host.Invocations.Any(i => i.Function == "push" && i.Result.Status == StatusResult.Types.Status.Success)),
            "the swept push run by the push function");
    }

    private static async Task<bool> Empty(QueueClient queue) => (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0;

    /// <summary>The message with this text parked in the queue's poison queue, as the operator's poison API shows it (reason, attempts).</summary>
    private async Task<JsonNode> ParkedAsync(string queue, string message)
    {
        JsonNode? parked = null;
        await Fixtures.Eventually(async () =>
        {
            var list = await Endpoint.OperatorAsync(HttpMethod.Get, $"/operator/queues/{queue}/poison");
            parked = list["items"]!.AsArray().FirstOrDefault(i => i!["message"]?.GetValue<string>() == message);
            return parked is not null;
        }, $"the message parked in {queue}-poison");
        return parked!;
    }
}

/// <summary>Start-up checks of the app, with the worker started as the host starts it.</summary>
public class WorkerStartupTests
{
    [Fact]
    public async Task The_app_refuses_to_start_when_its_triggers_would_not_watch_its_prefixed_queues()
    {
        var settings = FunctionsEndpoint.AppSettings(EndpointClient.NewPrefix(), [("NL", "CPO", "CPO")]);
        settings["RoamingPushQueue"] = "ocpi-push"; // the prefix is missing
        var (exitCode, output) = await FunctionsHostStandIn.RunUntilExitAsync(settings, TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, exitCode);
        Assert.Contains("The queue triggers would not watch the app's queues: RoamingPushQueue is 'ocpi-push'", output);
    }
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Host;

namespace Roaming.Integration.Tests;

/// <summary>
/// One running endpoint: the real ASP.NET Core host on 127.0.0.1 (ephemeral port), on its own tables and
/// queues in Azurite (a unique name prefix), removed again when the test ends.
/// </summary>
public sealed class TestEndpoint : EndpointClient, IAsyncDisposable
{
    public const string OperatorKey = EndpointClient.TestOperatorKey;

    private WebApplication _app;
    private readonly Dictionary<string, string?> _values;
    private readonly Action<WebApplicationBuilder>? _configure;
    public IServiceProvider Services => _app.Services;
    /// <summary>The settings it runs with (its storage prefix and keys), to run another host on the same storage.</summary>
    public IReadOnlyDictionary<string, string?> HostSettings => _values;

    private TestEndpoint(WebApplication app, string prefix, Uri baseUri, Dictionary<string, string?> values, Action<WebApplicationBuilder>? configure)
        : base(prefix, baseUri)
    {
        _app = app;
        _values = values;
        _configure = configure;
    }

    /// <param name="parties">e.g. ("NL", "CPO", "CPO")</param>
    public static async Task<TestEndpoint> StartAsync(IEnumerable<(string Country, string Party, string Role)> parties,
        Action<WebApplicationBuilder>? configure = null, Dictionary<string, string?>? settings = null)
    {
        await Azurite.EnsureStarted();
        var prefix = NewPrefix();
        var values = Settings(prefix, parties);
        values["Urls"] = "http://127.0.0.1:0";
        values["Logging:LogLevel:Default"] = "Warning";
        foreach (var (k, v) in settings ?? []) values[k] = v;

        var app = await BuildAndStartAsync(values, configure);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestEndpoint(app, prefix, new Uri(address), values, configure);
    }

    private static async Task<WebApplication> BuildAndStartAsync(Dictionary<string, string?> values, Action<WebApplicationBuilder>? configure)
    {
        var app = RoamingWebHost.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return app;
    }

    public bool Running { get; private set; } = true;

    /// <summary>Takes the endpoint off the network (its storage stays), as a partner that is down.</summary>
    public async Task StopAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Running = false;
    }

    /// <summary>Brings it back on the same port, same storage, same keys.</summary>
    public async Task StartAgainAsync()
    {
        var values = new Dictionary<string, string?>(_values) { ["Urls"] = BaseUri.GetLeftPart(UriPartial.Authority) };
        _app = await BuildAndStartAsync(values, _configure);
        Running = true;
    }

    public static Task<TestEndpoint> StartCpoAsync(string party = "CPO") => StartAsync([("NL", party, "CPO")]);
    public static Task<TestEndpoint> StartEmspAsync(string party = "MSP") => StartAsync([("DE", party, "EMSP")]);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (Running)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await DeleteStorageAsync(Prefix);
    }

    public static async Task DeleteStorageAsync(string prefix)
    {
        var tables = new TableServiceClient(Azurite.ConnectionString);
        await foreach (var t in tables.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "{") < 0))
            await tables.DeleteTableAsync(t.Name);
        var queues = new QueueServiceClient(Azurite.ConnectionString);
        await foreach (var q in queues.GetQueuesAsync(prefix: prefix))
            await queues.DeleteQueueAsync(q.Name);
    }
}

public static class JsonNodeExtensions
{
    public static string Str(this JsonNode node, string path)
    {
        JsonNode? current = node;
        foreach (var part in path.Split('.')) current = int.TryParse(part, out var i) ? current?[i] : current?[part];
        return current?.GetValue<JsonElement>().ToString() ?? throw new KeyNotFoundException(path + " in " + node.ToJsonString());
    }
}

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
public sealed class TestEndpoint : IAsyncDisposable
{
    public const string OperatorKey = "test-operator-key-0123456789";

    private WebApplication _app;
    private readonly Dictionary<string, string?> _values;
    private readonly Action<WebApplicationBuilder>? _configure;
    public string Prefix { get; }
    public Uri BaseUri { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => _app.Services;
    public string VersionsUrl => new Uri(BaseUri, "/ocpi/versions").ToString();
    /// <summary>The settings it runs with (its storage prefix and keys), to run another host on the same storage.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _values;

    private TestEndpoint(WebApplication app, string prefix, Uri baseUri, Dictionary<string, string?> values, Action<WebApplicationBuilder>? configure)
    {
        _app = app;
        _values = values;
        _configure = configure;
        Prefix = prefix;
        BaseUri = baseUri;
        Http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <param name="parties">e.g. ("NL", "CPO", "CPO")</param>
    public static async Task<TestEndpoint> StartAsync(IEnumerable<(string Country, string Party, string Role)> parties,
        Action<WebApplicationBuilder>? configure = null, Dictionary<string, string?>? settings = null)
    {
        await Azurite.EnsureStarted();
        var prefix = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        var values = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Storage"] = Azurite.ConnectionString,
            ["Roaming:StoragePrefix"] = prefix,
            ["Roaming:TokenKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Roaming:OperatorKey"] = OperatorKey,
            ["Roaming:AllowHttpPartners"] = "true",
            ["Queues:VisibilityTimeout"] = "00:00:00",
            ["Queues:MaxPollingInterval"] = "00:00:00.200",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var i = 0;
        foreach (var (country, party, role) in parties)
        {
            values[$"Roaming:Parties:{i}:CountryCode"] = country;
            values[$"Roaming:Parties:{i}:PartyId"] = party;
            values[$"Roaming:Parties:{i}:Role"] = role;
            values[$"Roaming:Parties:{i}:Name"] = $"{role} {country}{party}";
            i++;
        }
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

    public HttpRequestMessage Operator(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    public async Task<JsonNode> OperatorAsync(HttpMethod method, string path, object? body = null, int expect = 200)
    {
        using var response = await Http.SendAsync(Operator(method, path, body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expect, $"{method} {path}: expected {expect}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>An OCPI request with a credentials token (Base64-encoded unless told otherwise).</summary>
    public async Task<(int Http, JsonNode Body, HttpResponseMessage Response)> OcpiAsync(HttpMethod method, string pathOrUrl, string? token,
        string? json = null, bool base64 = true, Action<HttpRequestMessage>? edit = null)
    {
        var request = new HttpRequestMessage(method, pathOrUrl);
        if (token is not null)
            request.Headers.TryAddWithoutValidation("Authorization", "Token " + (base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(token)) : token));
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        edit?.Invoke(request);
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text)!, response);
    }

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

    private static async Task DeleteStorageAsync(string prefix)
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

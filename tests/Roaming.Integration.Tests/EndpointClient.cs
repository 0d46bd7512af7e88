using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>
/// A running endpoint seen from outside, over loopback HTTP only: the ASP.NET Core host (<see cref="TestEndpoint"/>)
/// or the Functions app behind the stand-in host (Roaming.Functions.Tests). Black-box scenarios take this, so the
/// same steps run against both hosts.
/// </summary>
public abstract class EndpointClient(string prefix, Uri baseUri)
{
    public const string TestOperatorKey = "test-operator-key-0123456789";
    public const int AnyOutcome = -1;

    /// <summary>The table and queue name prefix of this endpoint's storage in the shared Azurite.</summary>
    public string Prefix { get; } = prefix;
    public Uri BaseUri { get; } = baseUri;
    public HttpClient Http { get; } = new() { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(60) };
    public string VersionsUrl => new Uri(BaseUri, "/ocpi/versions").ToString();

    public static string NewPrefix() => "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    /// <summary>The settings (configuration keys) of a test endpoint on Azurite, hosting <paramref name="parties"/>, e.g. ("NL", "CPO", "CPO").</summary>
    public static Dictionary<string, string?> Settings(string prefix, IEnumerable<(string Country, string Party, string Role)> parties)
    {
        var values = new Dictionary<string, string?>
        {
            ["Storage"] = Azurite.ConnectionString,
            ["Roaming:StoragePrefix"] = prefix,
            ["Roaming:TokenKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Roaming:OperatorKey"] = TestOperatorKey,
            ["Roaming:AllowHttpPartners"] = "true",
            ["AzureFunctionsJobHost:extensions:queues:visibilityTimeout"] = "00:00:00",
            ["AzureFunctionsJobHost:extensions:queues:maxPollingInterval"] = "00:00:00.200",
            // Azurite shares two cores with the test run: a slow answer is load, not an outage (StorageOutageTests set their own).
            ["Roaming:StorageRetry:NetworkTimeout"] = "00:00:30",
            // Many requests from one test partner are the test, not a burst to limit (RateLimitTests set their own).
            ["Roaming:RateLimit:TokenLimit"] = "100000",
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
        return values;
    }

    public HttpRequestMessage Operator(HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestOperatorKey);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    /// <param name="expect">the HTTP status; <see cref="AnyOutcome"/>: any answer but a server error (concurrent calls of which one wins)</param>
    public async Task<JsonNode> OperatorAsync(HttpMethod method, string path, object? body = null, int expect = 200)
    {
        using var response = await Http.SendAsync(Operator(method, path, body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expect == AnyOutcome ? (int)response.StatusCode < 500 : (int)response.StatusCode == expect,
            $"{method} {path}: expected {expect}, got {(int)response.StatusCode}: {text}");
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
}

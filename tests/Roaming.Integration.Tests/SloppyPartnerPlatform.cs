using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Roaming.Integration.Tests;

/// <summary>
/// A partner PLATFORM that behaves the way real ones do on the wire rather than the way the spec prints it (the
/// input-side counterpart, sloppy object content, lives beside it as <c>SloppyPartner</c>). It shares no code with
/// the endpoint: versions, version details and credentials, a Locations sender (a CPO's list, paged) and a Locations
/// receiver (an eMSP's, for pushes), for one or more parties, on loopback. Every request is recorded.
/// <para>Quirks, each seen live and each off by default, can be switched on at any time:</para>
/// <list type="bullet">
/// <item><see cref="TrailingSlashRedirects"/>: every URL without a trailing slash answers 308 to the same with one (relative Location).</item>
/// <item><see cref="RedirectTo"/>: every request answers 307 to the same path on another origin.</item>
/// <item><see cref="RawTokensOnModules"/>: versions and details take any token encoding; every module only the raw token.</item>
/// <item><see cref="DefaultDateTo"/>: a list without date_to is cut at this time (a default frozen at the server's start).</item>
/// <item><see cref="BrokenNextLinks"/>: next links carry <c>date_from=None</c>, which the server then refuses without an envelope.</item>
/// <item><see cref="RelativeNextLinks"/>: next links are a path, not a URL.</item>
/// <item><see cref="HonoursOcpiTo"/> (on): a list addressed to one of its parties holds only that party's objects.</item>
/// <item><see cref="RefusedLocations"/>: PUTs of these location ids are answered 2001, always.</item>
/// <item><see cref="CredentialsAnswer"/>: rewrites its answer to our credentials POST (after it has committed it).</item>
/// <item><see cref="RateLimitedPages"/>: as a hub's gateway, answers that many list requests for later pages 429 with Retry-After and no envelope.</item>
/// <item>A receiver that lost a location (<see cref="Forget"/>) answers 2003 (HTTP 404) to PATCHes of it and its EVSEs.</item>
/// <item>With a HUB role it is a hub: its list holds the objects of every party behind it, whatever they are.</item>
/// </list>
/// </summary>
public sealed class SloppyPartnerPlatform : IAsyncDisposable
{
    public sealed record Party(string Country, string Id, string Role)
    {
        public string Key => $"{Country}/{Id}";
    }

    /// <summary>One request as it arrived: method, path and query as sent, the headers, and when.</summary>
    public sealed record Request(string Method, string Target, IReadOnlyDictionary<string, string> Headers)
    {
        public DateTimeOffset At { get; } = DateTimeOffset.UtcNow;
        public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
        public string Path => Target.Split('?')[0];
        public string Query => Target.Contains('?') ? Target[(Target.IndexOf('?') + 1)..] : "";
        public string? Param(string name) => HttpUtility.ParseQueryString(Query)[name];
    }

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _tokens = new(); // token -> what it is

    private SloppyPartnerPlatform(WebApplication app, IReadOnlyList<Party> parties)
    {
        _app = app;
        Parties = parties;
    }

    public IReadOnlyList<Party> Parties { get; }
    public string BaseUrl { get; private set; } = "";
    public string VersionsUrl => BaseUrl + "/versions";
    public ConcurrentQueue<Request> Requests { get; } = new();

    public bool TrailingSlashRedirects { get; set; }
    public string? RedirectTo { get; set; }
    public bool RawTokensOnModules { get; set; }
    public DateTimeOffset? DefaultDateTo { get; set; }
    public bool BrokenNextLinks { get; set; }
    public bool RelativeNextLinks { get; set; }
    public bool HonoursOcpiTo { get; set; } = true;
    public int PageSize { get; set; } = 10;
    public HashSet<string> RefusedLocations { get; } = [];
    public Func<JsonObject, JsonObject>? CredentialsAnswer { get; set; }
    public int RateLimitedPages;
    public int ListRetryAfterSeconds { get; set; } = 1;

    /// <summary>The locations it publishes as a CPO (or a hub), keyed "CC/PID/ID".</summary>
    public ConcurrentDictionary<string, JsonObject> Published { get; } = new();
    /// <summary>The locations pushed to it as an eMSP, keyed "CC/PID/ID".</summary>
    public ConcurrentDictionary<string, JsonObject> Received { get; } = new();

    /// <summary>The token our endpoint gave it in the credentials exchange (its Token B, or our Token C for it).</summary>
    public string? TokenForEndpoint { get; private set; }
    public bool Unregistered { get; private set; }

    public bool IsHub => Parties.Any(p => p.Role == "HUB");

    public static async Task<SloppyPartnerPlatform> StartAsync(params Party[] parties)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var platform = new SloppyPartnerPlatform(app, parties.Length > 0 ? parties : [new Party("NL", "SLP", "CPO")]);
        app.Run(platform.HandleAsync);
        await app.StartAsync();
        platform.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return platform;
    }

    /// <summary>A Token A for us to register with.</summary>
    public string IssueTokenA()
    {
        var token = "sloppy-A-" + Guid.NewGuid().ToString("N");
        _tokens[token] = "A";
        return token;
    }

    public void Publish(JsonObject location) => Published[Key(location)] = location;

    /// <summary>Loses a location it received (a restarted receiver without persistence).</summary>
    public void Forget(string country, string party, string id) => Received.TryRemove($"{country}/{party}/{id}", out _);

    public IEnumerable<Request> Calls(string method, string pathContains) =>
        Requests.Where(r => r.Method == method && r.Path.Contains(pathContains, StringComparison.Ordinal));

    /// <summary>Registers the endpoint with this platform through the operator API (the endpoint POSTs its credentials here).</summary>
    /// <param name="roles">what the operator grants it ({role, country_code, party_id}); a hub must be named</param>
    public async Task<JsonNode> RegisterWithAsync(EndpointClient endpoint, int expect = 201, object[]? roles = null)
    {
        var invitation = new { versions_url = VersionsUrl, token = IssueTokenA(), name = "Sloppy platform", roles };
        return await endpoint.OperatorAsync(HttpMethod.Post, "/operator/registrations", invitation, expect);
    }

    /// <summary>The platform pushes a location to the endpoint's eMSP receiver, from the location's party to <paramref name="to"/>.</summary>
    public Task<(int Http, JsonNode Body, HttpResponseMessage Response)> PushToAsync(EndpointClient endpoint, JsonObject location, string to) =>
        endpoint.OcpiAsync(HttpMethod.Put, $"/ocpi/emsp/2.2.1/locations/{Key(location)}", TokenForEndpoint, location.ToJsonString(), edit: r =>
        {
            r.Headers.Add("OCPI-from-country-code", location["country_code"]!.GetValue<string>());
            r.Headers.Add("OCPI-from-party-id", location["party_id"]!.GetValue<string>());
            r.Headers.Add("OCPI-to-country-code", to.Split('/')[0]);
            r.Headers.Add("OCPI-to-party-id", to.Split('/')[1]);
        });

    private static string Key(JsonObject o) => $"{o["country_code"]}/{o["party_id"]}/{o["id"]}".ToUpperInvariant();

    private async Task HandleAsync(HttpContext ctx)
    {
        var target = ctx.Request.Path.ToUriComponent() + ctx.Request.QueryString.Value;
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        Requests.Enqueue(new Request(ctx.Request.Method, target, headers));

        if (RedirectTo is { } other)
        {
            ctx.Response.StatusCode = 307;
            ctx.Response.Headers.Location = other.TrimEnd('/') + target;
            return;
        }
        var path = ctx.Request.Path.Value ?? "/";
        if (TrailingSlashRedirects)
        {
            if (!path.EndsWith('/'))
            {
                ctx.Response.StatusCode = 308;
                ctx.Response.Headers.Location = path + "/" + ctx.Request.QueryString.Value;
                return;
            }
            path = path.TrimEnd('/');
        }

        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var configuration = segments is ["versions"] or ["2.2.1"];
        if (!Authorized(ctx.Request.Headers.Authorization.ToString(), anyEncoding: configuration || !RawTokensOnModules))
        {
            await WriteAsync(ctx, 401, Envelope(2000, "unknown token"));
            return;
        }

        var body = ctx.Request.ContentLength > 0 || ctx.Request.Headers.TransferEncoding.Count > 0
            ? JsonNode.Parse(await new StreamReader(ctx.Request.Body).ReadToEndAsync()) : null;
        var (status, answer) = (ctx.Request.Method, segments) switch
        {
            ("GET", ["versions"]) => (200, Envelope(1000, data: new JsonArray(new JsonObject { ["version"] = "2.2.1", ["url"] = Url("/2.2.1") }))),
            ("GET", ["2.2.1"]) => (200, Envelope(1000, data: Details())),
            ("POST" or "PUT", ["2.2.1", "credentials"]) => (200, Exchange(body!, ctx.Request.Method)),
            ("DELETE", ["2.2.1", "credentials"]) => Delete(),
            ("GET", ["2.2.1", "cpo", "locations"]) => List(ctx),
            (_, ["2.2.1", "emsp", "locations", var cc, var pid, var id, .. var rest]) => Receive(ctx.Request.Method, $"{cc}/{pid}/{id}".ToUpperInvariant(), rest, body),
            _ => (404, Envelope(2000, "no such route")),
        };
        if (answer is null) await ctx.Response.WriteAsync($"<html><body>{status}</body></html>");
        else await WriteAsync(ctx, status, answer);
    }

    private bool Authorized(string header, bool anyEncoding)
    {
        if (!header.StartsWith("Token ", StringComparison.Ordinal)) return false;
        var value = header[6..];
        if (_tokens.ContainsKey(value)) return true;
        if (!anyEncoding) return false;
        try { return _tokens.ContainsKey(Encoding.UTF8.GetString(Convert.FromBase64String(value))); }
        catch (FormatException) { return false; }
    }

    private string Url(string path) => BaseUrl + path;

    private JsonObject Details()
    {
        var endpoints = new JsonArray(new JsonObject { ["identifier"] = "credentials", ["role"] = "SENDER", ["url"] = Url("/2.2.1/credentials") });
        if (Parties.Any(p => p.Role is "CPO" or "HUB"))
            endpoints.Add(new JsonObject { ["identifier"] = "locations", ["role"] = "SENDER", ["url"] = Url("/2.2.1/cpo/locations") });
        if (Parties.Any(p => p.Role is "EMSP" or "HUB"))
            endpoints.Add(new JsonObject { ["identifier"] = "locations", ["role"] = "RECEIVER", ["url"] = Url("/2.2.1/emsp/locations") });
        return new JsonObject { ["version"] = "2.2.1", ["endpoints"] = endpoints };
    }

    private JsonObject Exchange(JsonNode body, string method)
    {
        TokenForEndpoint = body["token"]!.GetValue<string>();
        // Committed before answering, as a partner does: Token A is spent, our token now opens its modules.
        foreach (var a in _tokens.Where(t => t.Value == "A").Select(t => t.Key).ToList()) _tokens.TryRemove(a, out _);
        var tokenC = "sloppy-C-" + Guid.NewGuid().ToString("N");
        _tokens[tokenC] = "C";
        Unregistered = false;
        var answer = new JsonObject
        {
            ["token"] = tokenC,
            ["url"] = VersionsUrl,
            ["roles"] = new JsonArray(Parties.Select(p => (JsonNode)new JsonObject
            {
                ["role"] = p.Role, ["party_id"] = p.Id, ["country_code"] = p.Country,
                ["business_details"] = new JsonObject { ["name"] = "Sloppy " + p.Id },
            }).ToArray()),
        };
        return Envelope(1000, data: method == "POST" && CredentialsAnswer is { } edit ? edit(answer) : answer);
    }

    private (int, JsonObject) Delete()
    {
        Unregistered = true;
        foreach (var c in _tokens.Where(t => t.Value == "C").Select(t => t.Key).ToList()) _tokens.TryRemove(c, out _);
        return (200, Envelope(1000));
    }

    private (int, JsonObject?) List(HttpContext ctx)
    {
        var q = HttpUtility.ParseQueryString(ctx.Request.QueryString.Value ?? "");
        if (q["date_from"] == "None" || q["date_to"] == "None")
        {
            // Python's str(None) in a link it built, refused by its own parser: no envelope, as a framework answers.
            ctx.Response.StatusCode = 400;
            ctx.Response.ContentType = "text/html";
            return (400, null);
        }
        var from = q["date_from"] is { } f ? DateTimeOffset.Parse(f, CultureInfo.InvariantCulture) : (DateTimeOffset?)null;
        var to = q["date_to"] is { } t ? DateTimeOffset.Parse(t, CultureInfo.InvariantCulture) : DefaultDateTo;
        var offset = int.Parse(q["offset"] ?? "0", CultureInfo.InvariantCulture);
        if (offset > 0 && Interlocked.Decrement(ref RateLimitedPages) >= 0)
        {
            ctx.Response.StatusCode = 429;
            ctx.Response.Headers.RetryAfter = ListRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return (429, null);
        }
        var limit = Math.Min(int.Parse(q["limit"] ?? PageSize.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), PageSize);

        var toParty = ctx.Request.Headers["OCPI-to-country-code"] + "/" + ctx.Request.Headers["OCPI-to-party-id"];
        var addressed = !IsHub && HonoursOcpiTo ? Parties.FirstOrDefault(p => string.Equals(p.Key, toParty, StringComparison.OrdinalIgnoreCase)) : null;
        var matching = Published.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value)
            .Where(l => addressed is null || Key(l).StartsWith(addressed.Key.ToUpperInvariant() + "/", StringComparison.Ordinal))
            .Where(l => LastUpdated(l) is var u && (from is null || u >= from) && (to is null || u < to))
            .ToList();
        var page = matching.Skip(offset).Take(limit).ToList();

        ctx.Response.Headers["X-Total-Count"] = matching.Count.ToString(CultureInfo.InvariantCulture);
        ctx.Response.Headers["X-Limit"] = PageSize.ToString(CultureInfo.InvariantCulture);
        if (offset + page.Count < matching.Count)
        {
            var next = new StringBuilder(RelativeNextLinks ? "" : BaseUrl).Append(ctx.Request.Path.Value)
                .Append("?offset=").Append(offset + page.Count).Append("&limit=").Append(limit);
            if (BrokenNextLinks) next.Append("&date_from=").Append(q["date_from"] ?? "None");
            else if (q["date_from"] is { } df) next.Append("&date_from=").Append(Uri.EscapeDataString(df));
            if (q["date_to"] is { } dt) next.Append("&date_to=").Append(Uri.EscapeDataString(dt));
            ctx.Response.Headers["Link"] = $"<{next}>; rel=\"next\"";
        }
        return (200, Envelope(1000, data: new JsonArray(page.Select(l => (JsonNode)l.DeepClone()).ToArray())));
    }

    private static DateTimeOffset LastUpdated(JsonObject o) => DateTimeOffset.Parse(o["last_updated"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    private (int, JsonObject) Receive(string method, string key, string[] rest, JsonNode? body)
    {
        var id = key.Split('/')[2];
        Received.TryGetValue(key, out var location);
        switch (method, rest)
        {
            case ("GET", []):
                return location is null ? (404, Envelope(2003, "unknown location")) : (200, Envelope(1000, data: location.DeepClone()));
            case ("PUT", []):
                if (RefusedLocations.Contains(id)) return (200, Envelope(2001, "we do not take this location"));
                Received[key] = body!.AsObject();
                return (200, Envelope(1000));
            case ("PATCH", []):
                if (location is null) return (404, Envelope(2003, "unknown location"));
                foreach (var (name, value) in body!.AsObject()) location[name] = value?.DeepClone();
                return (200, Envelope(1000));
            case ("PUT" or "PATCH", [var uid]):
                if (location is null) return (404, Envelope(2003, "unknown location"));
                var evses = location["evses"] as JsonArray ?? [];
                location["evses"] = evses;
                var evse = evses.FirstOrDefault(e => e!["uid"]!.GetValue<string>() == uid)?.AsObject();
                if (method == "PUT")
                {
                    if (evse is not null) evses.Remove(evse);
                    evses.Add(body!.DeepClone());
                }
                else
                {
                    if (evse is null) return (404, Envelope(2003, "unknown EVSE"));
                    foreach (var (name, value) in body!.AsObject()) evse[name] = value?.DeepClone();
                }
                return (200, Envelope(1000));
            default:
                return (404, Envelope(2000, "not served here"));
        }
    }

    private static JsonObject Envelope(int status, string? message = null, JsonNode? data = null)
    {
        var o = new JsonObject { ["status_code"] = status, ["timestamp"] = DateTime.UtcNow.ToString("s", CultureInfo.InvariantCulture) + "Z" };
        if (message is not null) o["status_message"] = message;
        if (data is not null) o["data"] = data;
        return o;
    }

    private static async Task WriteAsync(HttpContext ctx, int status, JsonObject body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

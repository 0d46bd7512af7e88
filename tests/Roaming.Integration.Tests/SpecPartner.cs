using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Roaming.Integration.Tests;

/// <summary>
/// A partner platform written from the OCPI 2.2.1 text alone, sharing no code with the endpoint: it serves
/// versions, version details and credentials on loopback, accepts only the tokens it knows, and records what
/// it was sent. With <see cref="RawTokensOnly"/> it behaves like a 2.1.1-era partner that does not Base64-encode.
/// </summary>
public sealed class SpecPartner : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, string> _tokens = new(); // token -> what it is
    public ConcurrentQueue<string> Seen { get; } = new();
    public string BaseUrl { get; private set; } = "";
    public bool RawTokensOnly { get; init; }
    public bool OffersVersion221 { get; set; } = true;
    /// <summary>The token our endpoint gave this partner (B when it registered with us, or its own after we registered).</summary>
    public string? TokenForEndpoint { get; set; }
    public string? LastIssuedToken { get; private set; }
    public JsonNode? LastCredentialsReceived { get; private set; }
    /// <summary>The role its credentials claim (BE/<see cref="Party"/>).</summary>
    public string Role { get; init; } = "EMSP";
    /// <summary>The party id its credentials claim (country BE): one connection per party, so a second partner needs another.</summary>
    public string Party { get; init; } = "SPC";
    /// <summary>The website in its credentials' business details, as it writes it.</summary>
    public string? Website { get; set; }
    /// <summary>Modules it offers as a sender, by identifier: their objects, served at /2.2.1/{module} in pages of offset/limit.</summary>
    public ConcurrentDictionary<string, List<JsonNode>> SenderLists { get; } = new();
    /// <summary>What its Locations receiver was sent, in the order it took the requests in (after <see cref="ReceiverDelay"/>).</summary>
    public ConcurrentQueue<(string Method, string Path, JsonNode Body, DateTimeOffset At)> LocationPushes { get; } = new();
    /// <summary>How long its Locations receiver takes to answer (a slow partner widens every race of the sender).</summary>
    public Func<TimeSpan> ReceiverDelay { get; set; } = () => TimeSpan.Zero;
    /// <summary>How many Locations receiver calls it refuses first, as a rate-limiting hub's gateway does: HTTP 429 with
    /// Retry-After <see cref="RetryAfterSeconds"/> and no OCPI envelope; when each was refused.</summary>
    public int RefuseNext;
    public int RetryAfterSeconds { get; set; } = 60;
    public ConcurrentQueue<DateTimeOffset> Refused { get; } = new();
    /// <summary>What its Locations receiver answers for a path instead of taking the call, and after how long; null: taken.</summary>
    public Func<string, (int Status, int? RetryAfterSeconds, TimeSpan Delay)?> ReceiverFault { get; set; } = _ => null;
    /// <summary>As a CPO: offers a commands receiver that takes every command (ACCEPTED, with <see cref="CommandTimeout"/>) and keeps what it was sent.</summary>
    public bool ReceivesCommands { get; set; }
    public int CommandTimeout { get; set; } = 30;
    public ConcurrentQueue<(string Command, JsonNode Body)> Commands { get; } = new();

    public string VersionsUrl => BaseUrl + "/versions";

    private SpecPartner(WebApplication app) => _app = app;

    public static async Task<SpecPartner> StartAsync(bool rawTokensOnly = false, string role = "EMSP", string party = "SPC")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var partner = new SpecPartner(app) { RawTokensOnly = rawTokensOnly, Role = role, Party = party };
        partner.Map();
        await app.StartAsync();
        partner.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return partner;
    }

    /// <summary>The endpoint's operator registers it with this partner (with a Token A it issues); returns its partner id there.</summary>
    public async Task<string> RegisteredByAsync(EndpointClient endpoint) =>
        (await endpoint.OperatorAsync(HttpMethod.Post, "/operator/registrations", new { versions_url = VersionsUrl, token = Issue("A") }, expect: 201)).Str("id");

    /// <summary>A token this partner accepts (its Token A for us, or a Token C it issued).</summary>
    public string Issue(string what)
    {
        var token = "spec-" + what + "-" + Guid.NewGuid().ToString("N");
        _tokens[token] = what;
        LastIssuedToken = token;
        return token;
    }

    public void Accept(string token, string what) => _tokens[token] = what;

    private void Map()
    {
        _app.MapGet("/versions", (HttpContext ctx) => Authorized(ctx, () => Envelope(new JsonArray(
            OffersVersion221
                ? new JsonObject { ["version"] = "2.2.1", ["url"] = BaseUrl + "/2.2.1" }
                : new JsonObject { ["version"] = "2.1.1", ["url"] = BaseUrl + "/2.1.1" }))));
        _app.MapGet("/2.2.1", (HttpContext ctx) => Authorized(ctx, () =>
        {
            var endpoints = new JsonArray(new JsonObject { ["identifier"] = "credentials", ["role"] = "SENDER", ["url"] = BaseUrl + "/2.2.1/credentials" });
            if (!SenderLists.ContainsKey("locations"))
                endpoints.Add(new JsonObject { ["identifier"] = "locations", ["role"] = "RECEIVER", ["url"] = BaseUrl + "/2.2.1/locations" });
            if (ReceivesCommands)
                endpoints.Add(new JsonObject { ["identifier"] = "commands", ["role"] = "RECEIVER", ["url"] = BaseUrl + "/2.2.1/commands" });
            foreach (var module in SenderLists.Keys)
                endpoints.Add(new JsonObject { ["identifier"] = module, ["role"] = "SENDER", ["url"] = BaseUrl + "/2.2.1/" + module });
            return Envelope(new JsonObject { ["version"] = "2.2.1", ["endpoints"] = endpoints });
        }));
        _app.MapGet("/2.2.1/{module}", (HttpContext ctx, string module) => Authorized(ctx, () => Page(ctx, module)));
        _app.MapPost("/2.2.1/commands/{command}", (Delegate)((HttpContext ctx) => Authorized(ctx, () => TakeCommandAsync(ctx))));
        _app.MapPost("/2.2.1/credentials", (Delegate)((HttpContext ctx) => Authorized(ctx, () => ExchangeAsync(ctx))));
        _app.MapPut("/2.2.1/credentials", (Delegate)((HttpContext ctx) => Authorized(ctx, () => ExchangeAsync(ctx))));
        _app.MapMethods("/2.2.1/locations/{**rest}", ["PUT", "PATCH"], (Delegate)((HttpContext ctx) => Authorized(ctx, async () =>
        {
            var at = DateTimeOffset.UtcNow;
            if (Interlocked.Decrement(ref RefuseNext) >= 0)
            {
                Refused.Enqueue(DateTimeOffset.UtcNow);
                ctx.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Results.Text("rate limit exceeded", statusCode: 429);
            }
            if (ReceiverFault(ctx.Request.Path.Value!) is { } fault)
            {
                await Task.Delay(fault.Delay);
                if (fault.RetryAfterSeconds is { } seconds) ctx.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Results.Text("not now", statusCode: fault.Status);
            }
            var body = JsonNode.Parse(await new StreamReader(ctx.Request.Body).ReadToEndAsync())!;
            // Taken in when it is done with: a call that took longer is applied after one that came later.
            await Task.Delay(ReceiverDelay());
            LocationPushes.Enqueue((ctx.Request.Method, ctx.Request.Path.Value!, body, at));
            return Envelope(null);
        })));
        _app.MapDelete("/2.2.1/credentials", (HttpContext ctx) => Authorized(ctx, () =>
        {
            TokenForEndpoint = null;
            return Envelope(null);
        }));
    }

    private async Task<IResult> ExchangeAsync(HttpContext ctx)
    {
        var body = JsonNode.Parse(await new StreamReader(ctx.Request.Body).ReadToEndAsync())!;
        LastCredentialsReceived = body;
        TokenForEndpoint = body["token"]!.GetValue<string>();
        var issued = Issue("C");
        return Envelope(new JsonObject
        {
            ["token"] = issued,
            ["url"] = VersionsUrl,
            ["roles"] = new JsonArray(new JsonObject
            {
                ["role"] = Role, ["party_id"] = Party, ["country_code"] = "BE",
                ["business_details"] = Website is null ? new JsonObject { ["name"] = "Spec Partner" } : new JsonObject { ["name"] = "Spec Partner", ["website"] = Website },
            }),
        });
    }

    private async Task<IResult> TakeCommandAsync(HttpContext ctx)
    {
        Commands.Enqueue(((string)ctx.Request.RouteValues["command"]!, JsonNode.Parse(await new StreamReader(ctx.Request.Body).ReadToEndAsync())!));
        return Envelope(new JsonObject { ["result"] = "ACCEPTED", ["timeout"] = CommandTimeout });
    }

    /// <summary>A page of a sender list (transport_and_format, pagination): offset and limit, Link to the next page, X-Total-Count.</summary>
    private IResult Page(HttpContext ctx, string module)
    {
        if (!SenderLists.TryGetValue(module, out var items)) return Results.NotFound();
        var offset = int.TryParse(ctx.Request.Query["offset"], out var o) ? o : 0;
        var limit = int.TryParse(ctx.Request.Query["limit"], out var l) ? l : 10;
        var page = items.Skip(offset).Take(limit).Select(i => i.DeepClone()).ToArray();
        ctx.Response.Headers["X-Total-Count"] = items.Count.ToString();
        if (offset + page.Length < items.Count)
            ctx.Response.Headers["Link"] = $"<{BaseUrl}/2.2.1/{module}?offset={offset + page.Length}&limit={limit}>; rel=\"next\"";
        return Envelope(new JsonArray(page));
    }

    private IResult Authorized(HttpContext ctx, Func<IResult> ok) => Authorized(ctx, () => Task.FromResult(ok())).Result;

    private async Task<IResult> Authorized(HttpContext ctx, Func<Task<IResult>> ok)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        Seen.Enqueue($"{ctx.Request.Method} {ctx.Request.Path} {header}");
        if (!header.StartsWith("Token ", StringComparison.Ordinal)) return Unauthorized();
        var value = header[6..];
        string? token = RawTokensOnly ? value : TryBase64(value);
        if (token is null || !_tokens.ContainsKey(token)) return Unauthorized();
        return await ok();
    }

    private static string? TryBase64(string value)
    {
        try { return Encoding.UTF8.GetString(Convert.FromBase64String(value)); }
        catch (FormatException) { return null; }
    }

    private static IResult Unauthorized() =>
        Results.Json(new JsonObject { ["status_code"] = 2000, ["status_message"] = "unknown token", ["timestamp"] = DateTime.UtcNow.ToString("s") + "Z" }, statusCode: 401);

    private static IResult Envelope(JsonNode? data)
    {
        var o = new JsonObject { ["status_code"] = 1000, ["timestamp"] = DateTime.UtcNow.ToString("s") + "Z" };
        if (data is not null) o["data"] = data;
        return Results.Text(o.ToJsonString(), "application/json");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

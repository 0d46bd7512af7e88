using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;

namespace Roaming.Core.Transport;

/// <summary>The token we present to a partner and how its Authorization header is written.</summary>
public readonly record struct PartnerToken(string Token, bool Base64 = true);

/// <summary>A call to a partner failed: transport, HTTP status, envelope status_code or an unreadable body.</summary>
public sealed class PartnerCallException(string message, HttpStatusCode? httpStatus = null, int? ocpiStatus = null, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode? HttpStatus { get; } = httpStatus;
    public int? OcpiStatus { get; } = ocpiStatus;
    /// <summary>How long the partner asked us to wait (its Retry-After: a 429 of a rate-limiting hub, a 503).</summary>
    public TimeSpan? RetryAfter { get; init; }
    /// <summary>Refused here before it was sent (the pace set for the partner): the partner said nothing.</summary>
    public bool NotSent { get; init; }
}

/// <summary>The answer of a partner: the envelope's data, the pagination headers and the Location header, when any.</summary>
/// <param name="Location">where the partner keeps what was just created (a CDR POST answers it), made absolute against the request URL</param>
public sealed record PartnerResponse<T>(T? Data, HttpStatusCode HttpStatus, int StatusCode, string? NextLink, int? TotalCount, string? Location = null);

/// <summary>
/// Outbound OCPI calls: Authorization, X-Request-ID/X-Correlation-ID and routing headers on every request,
/// the envelope checked on every answer. Uses the named partner HttpClient (TLS rules, client certificate).
/// </summary>
public sealed class OcpiClient(IHttpClientFactory httpClients, IOptions<RoamingOptions> options, ILogger<OcpiClient> logger)
{
    /// <param name="shownAs">
    /// how logs and errors name the call when its URL or the partner's answer may carry personal data (a token uid):
    /// then neither the URL's path nor the partner's status_message is repeated
    /// </param>
    public async Task<PartnerResponse<T>> SendAsync<T>(HttpMethod method, string url, PartnerToken token, JsonTypeInfo<T>? responseType,
        Action<Utf8JsonWriter>? writeBody = null, RoutingHeaders routing = default, string? correlationId = null, CancellationToken ct = default,
        string? shownAs = null)
    {
        var uri = CheckUrl(url, shownAs);
        var shown = shownAs ?? uri.GetLeftPart(UriPartial.Path);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.TryAddWithoutValidation("Authorization", AuthorizationHeader.Format(token.Token, token.Base64));
        request.Headers.Add(OcpiHeaders.RequestId, Guid.NewGuid().ToString());
        request.Headers.Add(OcpiHeaders.CorrelationId, correlationId ?? Guid.NewGuid().ToString());
        if (routing.From is { } from)
        {
            request.Headers.Add(OcpiHeaders.FromCountryCode, from.CountryCode);
            request.Headers.Add(OcpiHeaders.FromPartyId, from.PartyId);
        }
        if (routing.To is { } to)
        {
            request.Headers.Add(OcpiHeaders.ToCountryCode, to.CountryCode);
            request.Headers.Add(OcpiHeaders.ToPartyId, to.PartyId);
        }
        if (writeBody is not null)
        {
            using var buffer = new MemoryStream();
            await using (var writer = new Utf8JsonWriter(buffer)) writeBody(writer);
            request.Content = new ByteArrayContent(buffer.ToArray());
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(PartnerHttp.ClientName).SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            // A refused redirect carries its HTTP status, so it is told apart from a connection that failed.
            throw new PartnerCallException($"{method} {shown} failed: {e.Message}", (e as HttpRequestException)?.StatusCode, inner: e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            logger.LogDebug("{Method} {Url} answered HTTP {Status}", method, shown, (int)response.StatusCode);
            var retryAfter = response.IsSuccessStatusCode ? null : RetryAfter(response);
            int statusCode;
            string? message;
            T? data;
            try
            {
                (statusCode, message, data) = ReadEnvelope(body, responseType, method, shown, response.StatusCode);
            }
            catch (PartnerCallException e) when (retryAfter is not null)
            {
                // A gateway's 429 in front of a partner is seldom an OCPI envelope; its Retry-After still counts.
                throw new PartnerCallException(e.Message, e.HttpStatus, e.OcpiStatus, e.InnerException) { RetryAfter = retryAfter };
            }
            if (shownAs is not null) message = null;
            if (!response.IsSuccessStatusCode || !OcpiStatus.IsSuccess(statusCode))
            {
                throw new PartnerCallException(
                    $"{method} {shown} answered HTTP {(int)response.StatusCode}, status_code {statusCode}{(message is null ? "" : ": " + message)}",
                    response.StatusCode, statusCode) { RetryAfter = retryAfter };
            }
            return new PartnerResponse<T>(data, response.StatusCode, statusCode, NextLink(response, uri), TotalCount(response), Location(response, uri));
        }
    }

    public async Task<T> GetAsync<T>(string url, PartnerToken token, JsonTypeInfo<T> type, RoutingHeaders routing = default, CancellationToken ct = default)
    {
        var response = await SendAsync(HttpMethod.Get, url, token, type, routing: routing, ct: ct);
        return response.Data ?? throw new PartnerCallException($"GET {url} answered without data.");
    }

    private Uri CheckUrl(string url, string? shownAs)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new PartnerCallException($"'{shownAs ?? url}' is not an absolute URL.");
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && options.Value.AllowHttpPartners))
            throw new PartnerCallException($"'{shownAs ?? uri.GetLeftPart(UriPartial.Path)}' is not https; partners are called over TLS only.");
        return uri;
    }

    private static (int StatusCode, string? Message, T? Data) ReadEnvelope<T>(byte[] body, JsonTypeInfo<T>? type, HttpMethod method, string shown, HttpStatusCode http)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status_code", out var sc) || !sc.TryGetInt32(out var statusCode))
                throw new PartnerCallException($"{method} {shown} answered HTTP {(int)http} without an OCPI envelope.", http);
            var message = root.TryGetProperty("status_message", out var sm) && sm.ValueKind == JsonValueKind.String ? sm.GetString() : null;
            T? data = default;
            if (type is not null && OcpiStatus.IsSuccess(statusCode) && root.TryGetProperty("data", out var d) && d.ValueKind != JsonValueKind.Null)
            {
                // An OCPI object a partner answers with is read as tolerantly as one it sends (a website without its
                // scheme must not fail a registration), whoever made the call; lists are read item by item by their user.
                using var partnerInput = Tolerance.InputNotes.Begin(lenient: true);
                try
                {
                    data = typeof(IOcpiValidatable).IsAssignableFrom(typeof(T)) ? OcpiJson.Read(d, type, "data") : d.Deserialize(type);
                }
                catch (InvalidParametersException e)
                {
                    throw new PartnerCallException($"{method} {shown} answered invalid data: {e.Message}", http, statusCode);
                }
            }
            return (statusCode, message, data);
        }
        catch (JsonException e)
        {
            throw new PartnerCallException($"{method} {shown} answered HTTP {(int)http} with unreadable JSON: {e.Message}", http, inner: e);
        }
    }

    /// <summary>Retry-After as seconds or as a date, when it names a wait (capped: a day is no answer a queue can keep).</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return wait is { } w && w > TimeSpan.Zero ? (w < TimeSpan.FromHours(1) ? w : TimeSpan.FromHours(1)) : null;
    }

    /// <summary>The next-page link, made absolute against the request (some partners send a path).</summary>
    private static string? NextLink(HttpResponseMessage response, Uri request)
    {
        if (!response.Headers.TryGetValues(OcpiHeaders.Link, out var values)) return null;
        foreach (var value in values)
        {
            foreach (var part in value.Split(','))
            {
                var p = part.Trim();
                if (!p.Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase) && !p.Contains("rel=next", StringComparison.OrdinalIgnoreCase)) continue;
                var start = p.IndexOf('<');
                var end = p.IndexOf('>');
                if (start >= 0 && end > start) return Absolute(p[(start + 1)..end].Trim(), request);
            }
        }
        return null;
    }

    // On Unix a path such as "/ocpi/x" parses as an absolute file: URI, so only http(s) counts as absolute here.
    private static string Absolute(string link, Uri request) =>
        Uri.TryCreate(link, UriKind.Absolute, out var absolute) && (absolute.Scheme == Uri.UriSchemeHttps || absolute.Scheme == Uri.UriSchemeHttp) ? link
            : Uri.TryCreate(request, link, out var resolved) ? resolved.AbsoluteUri : link;

    /// <summary>The Location header (a CDR POST answers where the partner keeps it), made absolute like a next link.</summary>
    private static string? Location(HttpResponseMessage response, Uri request) =>
        response.Headers.Location is { } location ? Absolute(location.OriginalString, request) : null;

    private static int? TotalCount(HttpResponseMessage response) =>
        response.Headers.TryGetValues(OcpiHeaders.TotalCount, out var v) && int.TryParse(v.FirstOrDefault(), out var n) ? n : null;
}

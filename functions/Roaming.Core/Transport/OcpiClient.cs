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
    public async Task<PartnerResponse<T>> SendAsync<T>(HttpMethod method, string url, PartnerToken token, JsonTypeInfo<T>? responseType,
        Action<Utf8JsonWriter>? writeBody = null, RoutingHeaders routing = default, string? correlationId = null, CancellationToken ct = default)
    {
        var uri = CheckUrl(url);
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
            throw new PartnerCallException($"{method} {uri.GetLeftPart(UriPartial.Path)} failed: {e.Message}", inner: e);
        }

        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            logger.LogDebug("{Method} {Url} answered HTTP {Status}", method, uri.GetLeftPart(UriPartial.Path), (int)response.StatusCode);
            var (statusCode, message, data) = ReadEnvelope(body, responseType, method, uri, response.StatusCode);
            if (!response.IsSuccessStatusCode || !OcpiStatus.IsSuccess(statusCode))
            {
                throw new PartnerCallException(
                    $"{method} {uri.GetLeftPart(UriPartial.Path)} answered HTTP {(int)response.StatusCode}, status_code {statusCode}{(message is null ? "" : ": " + message)}",
                    response.StatusCode, statusCode);
            }
            return new PartnerResponse<T>(data, response.StatusCode, statusCode, NextLink(response), TotalCount(response), Location(response, uri));
        }
    }

    public async Task<T> GetAsync<T>(string url, PartnerToken token, JsonTypeInfo<T> type, RoutingHeaders routing = default, CancellationToken ct = default)
    {
        var response = await SendAsync(HttpMethod.Get, url, token, type, routing: routing, ct: ct);
        return response.Data ?? throw new PartnerCallException($"GET {url} answered without data.");
    }

    private Uri CheckUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            throw new PartnerCallException($"'{url}' is not an absolute URL.");
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && options.Value.AllowHttpPartners))
            throw new PartnerCallException($"'{uri.GetLeftPart(UriPartial.Path)}' is not https; partners are called over TLS only.");
        return uri;
    }

    private static (int StatusCode, string? Message, T? Data) ReadEnvelope<T>(byte[] body, JsonTypeInfo<T>? type, HttpMethod method, Uri uri, HttpStatusCode http)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status_code", out var sc) || !sc.TryGetInt32(out var statusCode))
                throw new PartnerCallException($"{method} {uri.GetLeftPart(UriPartial.Path)} answered HTTP {(int)http} without an OCPI envelope.", http);
            var message = root.TryGetProperty("status_message", out var sm) && sm.ValueKind == JsonValueKind.String ? sm.GetString() : null;
            T? data = default;
            if (type is not null && OcpiStatus.IsSuccess(statusCode) && root.TryGetProperty("data", out var d) && d.ValueKind != JsonValueKind.Null)
            {
                data = d.Deserialize(type);
                if (data is IOcpiValidatable v)
                {
                    var validator = new OcpiValidator();
                    v.Validate(validator);
                    if (!validator.IsValid)
                        throw new PartnerCallException($"{method} {uri.GetLeftPart(UriPartial.Path)} answered invalid data: "
                            + string.Join("; ", validator.Errors.Take(5).Select(e => $"{e.Field}: {e.Problem}")), http, statusCode);
                }
            }
            return (statusCode, message, data);
        }
        catch (JsonException e)
        {
            throw new PartnerCallException($"{method} {uri.GetLeftPart(UriPartial.Path)} answered HTTP {(int)http} with unreadable JSON: {e.Message}", http, inner: e);
        }
    }

    private static string? NextLink(HttpResponseMessage response)
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
                if (start >= 0 && end > start) return p[(start + 1)..end];
            }
        }
        return null;
    }

    // On Unix a path such as "/cdrs/1" parses as an absolute file: URI, so only http(s) counts as absolute here.
    private static string? Location(HttpResponseMessage response, Uri request) =>
        response.Headers.Location is not { } location ? null
            : location.IsAbsoluteUri && (location.Scheme == Uri.UriSchemeHttps || location.Scheme == Uri.UriSchemeHttp) ? location.ToString()
            : new Uri(request, location.OriginalString).ToString();

    private static int? TotalCount(HttpResponseMessage response) =>
        response.Headers.TryGetValues(OcpiHeaders.TotalCount, out var v) && int.TryParse(v.FirstOrDefault(), out var n) ? n : null;
}

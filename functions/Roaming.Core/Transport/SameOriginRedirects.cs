using System.Net;
using System.Net.Http.Headers;

namespace Roaming.Core.Transport;

/// <summary>
/// Follows a partner's redirect only where it cannot lead anywhere the partner's own URL did not: to the same scheme,
/// host and port, at most <see cref="MaxRedirects"/> times, with the method, body and Authorization kept (seen live:
/// a trailing-slash 307/308 on the credentials and list URLs). 307/308 for any method; 301/302/303 only for GET and
/// HEAD (for other methods they mean "repeat it as a GET", which is never what an OCPI call wants). Anything else is refused with "redirect to ..." so the operator sees
/// where the partner pointed. The connection itself still goes through <see cref="PartnerHttp"/>'s address guard.
/// </summary>
public sealed class SameOriginRedirects : DelegatingHandler
{
    public const int MaxRedirects = 2;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(ct);
        var current = request;
        for (var hops = 0; ; hops++)
        {
            var response = await base.SendAsync(current, ct);
            var status = (int)response.StatusCode;
            if (status is not (301 or 302 or 303 or 307 or 308)) return response;

            var from = current.RequestUri!;
            var location = response.Headers.Location;
            var target = location is null ? null
                : location.IsAbsoluteUri && (location.Scheme == Uri.UriSchemeHttps || location.Scheme == Uri.UriSchemeHttp) ? location
                // On Unix a path such as "/x/" parses as an absolute file: URI; anything but http(s) is relative here.
                : new Uri(from, location.OriginalString);
            var refusal = target is null ? "it names no Location"
                : hops >= MaxRedirects ? $"more than {MaxRedirects} redirects in a row"
                : target.Scheme != from.Scheme || !string.Equals(target.IdnHost, from.IdnHost, StringComparison.OrdinalIgnoreCase) || target.Port != from.Port
                    ? "only redirects to the same scheme, host and port are followed"
                : status is 307 or 308 || (current.Method == HttpMethod.Get || current.Method == HttpMethod.Head) ? null
                : $"HTTP {status} would turn the {current.Method} into a GET";
            response.Dispose();
            if (refusal is not null)
                throw new HttpRequestException($"HTTP {status}, redirect to {target?.GetLeftPart(UriPartial.Path) ?? "(none)"} refused: {refusal}", null, response.StatusCode);
            current = Copy(current, target!, body);
        }
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request, Uri target, byte[]? body)
    {
        var copy = new HttpRequestMessage(request.Method, target) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var (name, values) in request.Headers) copy.Headers.TryAddWithoutValidation(name, values);
        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var (name, values) in request.Content!.Headers) copy.Content.Headers.TryAddWithoutValidation(name, values);
        }
        foreach (var option in request.Options) ((IDictionary<string, object?>)copy.Options)[option.Key] = option.Value;
        return copy;
    }
}

using System.Net;

namespace Roaming.Core.Transport;

/// <summary>
/// A request as any host hands it to the core: the ASP.NET Core host and the Functions app each
/// turn their own request type into this, so both serve exactly the same endpoint.
/// </summary>
public sealed class TransportRequest
{
    public required string Method { get; init; }
    /// <summary>The path as sent (percent-encoded), without query string, starting with '/'; the router decodes each segment once.</summary>
    public required string Path { get; init; }
    /// <summary>The raw query string including its leading '?', or empty.</summary>
    public string QueryString { get; init; } = "";
    public required IReadOnlyDictionary<string, string> Headers { get; init; }
    public ReadOnlyMemory<byte> Body { get; init; }
    /// <summary>scheme://host[:port] the request arrived on; used only when Roaming:PublicBaseUrl is not set.</summary>
    public required string Origin { get; init; }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

public sealed class TransportResponse
{
    public HttpStatusCode Status { get; init; }
    public List<KeyValuePair<string, string>> Headers { get; } = [];
    public ReadOnlyMemory<byte> Body { get; init; }
    public string ContentType { get; init; } = "application/json";
}

public static class OcpiHeaders
{
    public const string RequestId = "X-Request-ID";
    public const string CorrelationId = "X-Correlation-ID";
    public const string ToPartyId = "OCPI-to-party-id";
    public const string ToCountryCode = "OCPI-to-country-code";
    public const string FromPartyId = "OCPI-from-party-id";
    public const string FromCountryCode = "OCPI-from-country-code";
    public const string TotalCount = "X-Total-Count";
    public const string Limit = "X-Limit";
    public const string Link = "Link";
}

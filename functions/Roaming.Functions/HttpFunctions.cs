using System.Net;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Functions;

/// <summary>
/// Every OCPI and operator request goes to the core endpoint, which routes it. host.json sets routePrefix to ""
/// so the paths are /ocpi/... and /operator/..., the same as the ASP.NET Core host. Anonymous at the Functions
/// level: OCPI authenticates with its own credentials tokens, the operator API with its key.
/// </summary>
public sealed class HttpFunctions(RoamingEndpoint endpoint)
{
    [Function("ocpi")]
    public Task<HttpResponseData> Ocpi(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = "ocpi/{*rest}")] HttpRequestData request,
        CancellationToken ct) => HandleAsync(request, ct);

    [Function("operator")]
    public Task<HttpResponseData> Operator(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", Route = "operator/{*rest}")] HttpRequestData request,
        CancellationToken ct) => HandleAsync(request, ct);

    private async Task<HttpResponseData> HandleAsync(HttpRequestData request, CancellationToken ct)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers) headers[header.Key] = string.Join(",", header.Value);

        var response = await endpoint.HandleAsync(new TransportRequest
        {
            Method = request.Method,
            Path = request.Url.AbsolutePath,
            QueryString = request.Url.Query,
            Headers = headers,
            Body = body.ToArray(),
            Origin = new Uri(request.Url.GetLeftPart(UriPartial.Authority)),
        }, ct);

        var output = request.CreateResponse((HttpStatusCode)response.Status);
        output.Headers.Add("Content-Type", response.ContentType);
        foreach (var (name, value) in response.Headers) output.Headers.Add(name, value);
        await output.Body.WriteAsync(response.Body, ct);
        return output;
    }
}

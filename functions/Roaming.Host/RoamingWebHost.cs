using Microsoft.AspNetCore.Http.Features;
using Roaming.Azure;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Host;

public static class RoamingWebHost
{
    // A location with a thousand EVSEs is a few MiB of JSON; anything far larger is not an OCPI object.
    private const int MaxBodyBytes = 16 * 1024 * 1024;

    /// <summary>Builds the host; <paramref name="configure"/> lets tests add settings (ports, table prefix) before services are built.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.Services.AddRoamingCore(builder.Configuration);
        builder.Services.AddRoamingAzure(builder.Configuration);
        builder.Services.AddQueueProcessorService();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxBodyBytes);

        var app = builder.Build();
        app.Map("/ocpi/{**rest}", Handle);
        app.Map("/operator/{**rest}", Handle);
        app.MapGet("/healthz", () => Results.Text("ok"));
        return app;
    }

    private static async Task Handle(HttpContext http, RoamingEndpoint endpoint)
    {
        var request = http.Request;
        byte[] body;
        try
        {
            body = await ReadBodyAsync(request, http.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in request.Headers) headers[name] = value.ToString();
        var transport = new TransportRequest
        {
            Method = request.Method,
            Path = request.Path.HasValue ? request.Path.ToUriComponent() : "/",
            QueryString = request.QueryString.Value ?? "",
            Headers = headers,
            Body = body,
            Origin = new Uri($"{request.Scheme}://{request.Host}"),
        };

        var response = await endpoint.HandleAsync(transport, http.RequestAborted);
        http.Response.StatusCode = (int)response.Status;
        http.Response.ContentType = response.ContentType;
        foreach (var (name, value) in response.Headers) http.Response.Headers.Append(name, value);
        await http.Response.Body.WriteAsync(response.Body, http.RequestAborted);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength == 0) return [];
        using var buffer = new MemoryStream(request.ContentLength is > 0 and < MaxBodyBytes ? (int)request.ContentLength : 4096);
        await request.Body.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }
}

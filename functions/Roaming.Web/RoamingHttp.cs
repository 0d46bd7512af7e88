using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Roaming.Core.Operator;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Web;

/// <summary>
/// The one place that turns an HTTP request into the core's <see cref="TransportRequest"/> and the core's answer
/// back into HTTP, for both hosts. It also answers what the core never sees (a request over the limits below,
/// a body the server could not read) in the same format: the OCPI envelope under /ocpi, the operator API's
/// error object elsewhere.
/// </summary>
public static class RoamingHttp
{
    /// <summary>A location with a thousand EVSEs is a few MiB of JSON; anything far larger is not an OCPI object.</summary>
    public const int MaxBodyBytes = 16 * 1024 * 1024;
    /// <summary>Path and query; Kestrel's own default for the whole request line.</summary>
    public const int MaxTargetLength = 8 * 1024;
    /// <summary>All header names and values; Kestrel's own default.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>
    /// Limits for a Kestrel that serves this adapter: wider than the adapter's own, so a request between the two
    /// reaches the adapter and gets its answer in the envelope rather than Kestrel's empty one. Only a request
    /// beyond these (or one Kestrel cannot parse at all) still gets Kestrel's bare status line. The body limit stays
    /// Kestrel's (30 MB), above the adapter's: after a 413 Kestrel then reads the rest of a moderately oversized body
    /// and the client gets the answer, instead of a reset connection while it is still sending.
    /// </summary>
    public static void ConfigureServerLimits(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits limits)
    {
        limits.MaxRequestLineSize = 8 * MaxTargetLength;
        limits.MaxRequestHeadersTotalSize = 4 * MaxHeaderBytes;
    }

    public static async Task HandleAsync(HttpContext http)
    {
        try
        {
            await HandleCoreAsync(http);
        }
        catch (BadHttpRequestException e)
        {
            // The server gave up on the request body: too large, malformed chunks, or too slow.
            await RejectAsync(http, (HttpStatusCode)e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"The request body is larger than {MaxBodyBytes} bytes."
                : "The request body could not be read: " + e.Message);
        }
        catch (Exception e) when (!http.RequestAborted.IsCancellationRequested)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RoamingHttp).FullName!)
                .LogError(e, "{Method} request failed in the HTTP adapter", http.Request.Method);
            await RejectAsync(http, HttpStatusCode.InternalServerError, "Internal error.");
        }
    }

    private static async Task HandleCoreAsync(HttpContext http)
    {
        var request = http.Request;
        var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value + request.QueryString.Value;
        if (target.Length > MaxTargetLength)
        {
            await RejectAsync(http, HttpStatusCode.RequestUriTooLong, $"Path and query are longer than {MaxTargetLength} characters.");
            return;
        }
        var headerBytes = 0;
        foreach (var (name, values) in request.Headers)
        {
            // As the core reads them: several values of one name joined by commas.
            headerBytes += name.Length + 4 + Math.Max(0, values.Count - 1);
            foreach (var value in values) headerBytes += value?.Length ?? 0;
        }
        if (headerBytes > MaxHeaderBytes)
        {
            await RejectAsync(http, HttpStatusCode.RequestHeaderFieldsTooLarge, $"The request headers are larger than {MaxHeaderBytes} bytes.");
            return;
        }
        if (request.ContentLength > MaxBodyBytes) throw new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge);

        var response = await http.RequestServices.GetRequiredService<RoamingEndpoint>().HandleAsync(new TransportRequest
        {
            Method = request.Method,
            Path = request.Path.HasValue ? request.Path.ToUriComponent() : "/",
            QueryString = request.QueryString.Value ?? "",
            Headers = new RequestHeaders(request.Headers),
            Body = await ReadBodyAsync(http, http.RequestAborted),
            Origin = request.Scheme + "://" + request.Host.Value,
        }, http.RequestAborted);
        await WriteAsync(http, response);
    }

    /// <summary>
    /// The body, read once into one buffer: of the Content-Length when there is one, grown as it comes for a
    /// chunked body. Counted here too, not only by the server, because not every server in front enforces a limit.
    /// </summary>
    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext http, CancellationToken ct)
    {
        var request = http.Request;
        if (request.ContentLength == 0 || http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false)
            return ReadOnlyMemory<byte>.Empty;
        if (request.ContentLength is { } length)
        {
            var body = new byte[length];
            for (var filled = 0; filled < body.Length;)
            {
                var read = await request.Body.ReadAsync(body.AsMemory(filled), ct);
                if (read == 0) throw new BadHttpRequestException("The body ended before its Content-Length.", StatusCodes.Status400BadRequest);
                filled += read;
            }
            return body;
        }
        var buffer = new byte[4096];
        var size = 0;
        while (true)
        {
            if (size == buffer.Length)
            {
                if (size > MaxBodyBytes) throw new BadHttpRequestException("too large", StatusCodes.Status413PayloadTooLarge);
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxBodyBytes + 1));
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(size), ct);
            if (read == 0) return buffer.AsMemory(0, size);
            size += read;
        }
    }

    private static async Task WriteAsync(HttpContext http, TransportResponse response)
    {
        http.Response.StatusCode = (int)response.Status;
        http.Response.ContentType = response.ContentType;
        foreach (var (name, value) in response.Headers) http.Response.Headers.Append(name, value);
        // HEAD: the status and headers of the answer, never a body.
        if (HttpMethods.IsHead(http.Request.Method)) return;
        http.Response.ContentLength = response.Body.Length;
        await http.Response.Body.WriteAsync(response.Body, http.RequestAborted);
    }

    /// <summary>An answer the core did not give, in the format the core would have used for that path.</summary>
    public static Task RejectAsync(HttpContext http, HttpStatusCode status, string message)
    {
        if (http.Response.HasStarted) return Task.CompletedTask;
        http.Response.Clear();
        var isOcpi = !http.Request.Path.StartsWithSegments("/operator");
        var result = isOcpi
            ? OcpiResult.Status(status >= HttpStatusCode.InternalServerError ? OcpiStatus.ServerError : OcpiStatus.ClientError, message, status)
            : OcpiResult.Json(new OperatorError(message, null), OperatorJson.Default.OperatorError, status);
        var response = new TransportResponse { Status = status, Body = result.WriteBody(TimeProvider.System.GetUtcNow()) };
        response.Headers.Add(new(OcpiHeaders.RequestId, Guid.NewGuid().ToString()));
        return WriteAsync(http, response);
    }
}

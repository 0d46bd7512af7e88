using System.Net;

namespace Roaming.Core.Transport;

/// <summary>
/// An OCPI error with the status code and HTTP status it is answered with. Thrown anywhere in a
/// request; turned into the response envelope in one place (<see cref="OcpiEndpoint"/>).
/// </summary>
public class OcpiException(int statusCode, HttpStatusCode httpStatus, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    /// <summary>The HTTP status on /ocpi routes.</summary>
    public HttpStatusCode HttpStatus { get; } = httpStatus;
    /// <summary>When to try again, answered as the Retry-After header.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// The HTTP status on the operator API, which has no envelope to carry an OCPI code in a 200: an error the
    /// OCPI layer answers with 200 (a partner's 3xxx during a registration) is the partner's problem there, 502.
    /// </summary>
    public virtual HttpStatusCode OperatorHttpStatus => HttpStatus == HttpStatusCode.OK ? HttpStatusCode.BadGateway : HttpStatus;
}

/// <summary>
/// 2001: the request's body, path or query is invalid; the message names the field. On /ocpi routes this is
/// HTTP 200 (status_codes: a request that is JSON, authenticated and addressed to an existing resource has
/// reached the OCPI layer, and "an HTTP error status code MUST NOT be returned"), except for a body that is
/// not JSON at all (<see cref="NotJson"/>), which is HTTP 400. The operator API answers 400 for both.
/// </summary>
public sealed class InvalidParametersException : OcpiException
{
    public InvalidParametersException(string message) : base(OcpiStatus.InvalidOrMissingParameters, HttpStatusCode.OK, message) { }

    public InvalidParametersException(IReadOnlyList<FieldError> errors) : this(errors, HttpStatusCode.OK) { }

    private InvalidParametersException(IReadOnlyList<FieldError> errors, HttpStatusCode http)
        : base(OcpiStatus.InvalidOrMissingParameters, http, Describe(errors)) => Errors = errors;

    /// <summary>The body is not JSON (empty, not UTF-8, malformed): the transport layer's HTTP 400.</summary>
    public static InvalidParametersException NotJson(string problem) => new([new FieldError("(body)", problem)], HttpStatusCode.BadRequest);

    public IReadOnlyList<FieldError> Errors { get; } = [];

    public override HttpStatusCode OperatorHttpStatus => HttpStatusCode.BadRequest;

    private static string Describe(IReadOnlyList<FieldError> errors) =>
        "Invalid or missing parameters: " + string.Join("; ", errors.Take(10).Select(e => $"{e.Field}: {e.Problem}"))
        + (errors.Count > 10 ? $"; and {errors.Count - 10} more" : "");
}

/// <summary>One field that failed validation, named by its JSON path (e.g. <c>evses[2].connectors[0].standard</c>).</summary>
public sealed record FieldError(string Field, string Problem);

/// <summary>The credentials token is missing or unknown, or may not be used here: HTTP 401.</summary>
public sealed class UnauthorizedException(string message)
    : OcpiException(OcpiStatus.ClientError, HttpStatusCode.Unauthorized, message);

/// <summary>The object asked for does not exist (or is not the caller's to see): HTTP 404.</summary>
public sealed class NotFoundException(string message, int statusCode = OcpiStatus.ClientError)
    : OcpiException(statusCode, HttpStatusCode.NotFound, message);

/// <summary>The method is not allowed in the current state (e.g. POST credentials when already registered): HTTP 405.</summary>
public sealed class MethodNotAllowedException(string message)
    : OcpiException(OcpiStatus.ClientError, HttpStatusCode.MethodNotAllowed, message);

/// <summary>
/// The partner's connection is over its request budget: HTTP 429 with Retry-After. OCPI names no status code for it
/// (transport_and_format: HTTP-level errors use HTTP status codes, in the response format); 2000, a client error.
/// </summary>
public sealed class TooManyRequestsException : OcpiException
{
    public TooManyRequestsException(TimeSpan retryAfter)
        : base(OcpiStatus.ClientError, HttpStatusCode.TooManyRequests, $"Too many requests from this connection; try again in {Math.Ceiling(retryAfter.TotalSeconds)} s.") =>
        RetryAfter = retryAfter;
}

/// <summary>
/// Storage cannot be reached or does not answer, or a conflict that retries could not resolve in time (many
/// simultaneous writers of one record): 3000 with HTTP 503 and Retry-After, so the caller sends the request again
/// rather than treating it as failed for good. Nothing of the request was stored.
/// </summary>
public sealed class TryAgainLaterException : OcpiException
{
    public TryAgainLaterException(string message, TimeSpan? retryAfter = null)
        : base(OcpiStatus.ServerError, HttpStatusCode.ServiceUnavailable, message) => RetryAfter = retryAfter ?? TimeSpan.FromSeconds(1);
}

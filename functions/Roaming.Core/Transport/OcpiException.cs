using System.Net;

namespace Roaming.Core.Transport;

/// <summary>
/// An OCPI error with the status code and HTTP status it is answered with. Thrown anywhere in a
/// request; turned into the response envelope in one place (<see cref="OcpiEndpoint"/>).
/// </summary>
public class OcpiException(int statusCode, HttpStatusCode httpStatus, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public HttpStatusCode HttpStatus { get; } = httpStatus;
    /// <summary>When to try again, answered as the Retry-After header.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>2001: the request's body, path or query is invalid; the message names the field.</summary>
public sealed class InvalidParametersException : OcpiException
{
    public InvalidParametersException(string message) : base(OcpiStatus.InvalidOrMissingParameters, HttpStatusCode.BadRequest, message) { }

    public InvalidParametersException(IReadOnlyList<FieldError> errors)
        : base(OcpiStatus.InvalidOrMissingParameters, HttpStatusCode.BadRequest, Describe(errors)) => Errors = errors;

    public IReadOnlyList<FieldError> Errors { get; } = [];

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

/// <summary>Storage cannot be reached or does not answer: 3000 with HTTP 503 and Retry-After, so the caller comes back later.</summary>
public sealed class ServiceUnavailableException : OcpiException
{
    public ServiceUnavailableException(string message, TimeSpan retryAfter)
        : base(OcpiStatus.ServerError, HttpStatusCode.ServiceUnavailable, message) => RetryAfter = retryAfter;
}

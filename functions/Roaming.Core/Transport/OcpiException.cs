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
/// A conflict that retries could not resolve in time (many simultaneous writers of one record), or storage that
/// does not answer: 3000 with HTTP 503 and Retry-After, so the caller sends the request again rather than treating
/// it as failed for good. Nothing of the request was stored.
/// </summary>
public sealed class TryAgainLaterException(string message, TimeSpan? retryAfter = null)
    : OcpiException(OcpiStatus.ServerError, HttpStatusCode.ServiceUnavailable, message)
{
    public TimeSpan RetryAfter { get; } = retryAfter ?? TimeSpan.FromSeconds(1);
}

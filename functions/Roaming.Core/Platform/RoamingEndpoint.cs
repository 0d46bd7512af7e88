using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Operator;
using Roaming.Core.Partners;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;

namespace Roaming.Core.Platform;

/// <summary>
/// The whole endpoint behind one call: both hosts hand every request under /ocpi/ and /operator/ to
/// <see cref="HandleAsync"/>. Here, and only here: request ids, routing, authentication, the routing-header
/// checks, and the turning of every error into an OCPI answer, so no host can answer differently.
/// </summary>
public sealed partial class RoamingEndpoint
{
    private readonly RouteTable _routes = new();
    private readonly PartnerRegistry _registry;
    private readonly RoamingOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<RoamingEndpoint> _logger;
    private readonly InputNoteRecorder _inputNotes;
    private readonly byte[] _operatorKeyHash;
    private readonly ModuleCatalog _catalog;
    private readonly PartnerAccess _access;
    private readonly PartnerRateLimiter _rateLimiter;
    private readonly IStorageFaults[] _storageFaults;
    private readonly string? _publicBaseUrl;

    /// <summary>How long a caller is asked to wait when storage is down.</summary>
    public static readonly TimeSpan StorageRetryAfter = TimeSpan.FromSeconds(5);

    public RoamingEndpoint(ModuleCatalog catalog, IEnumerable<IRouteGroup> groups, IServiceProvider services, PartnerRegistry registry,
        PartnerAccess access, PartnerRateLimiter rateLimiter, IEnumerable<IStorageFaults> storageFaults, InputNoteRecorder inputNotes,
        IOptions<RoamingOptions> options, TimeProvider clock, ILogger<RoamingEndpoint> logger)
    {
        _catalog = catalog;
        _inputNotes = inputNotes;
        _registry = registry;
        _access = access;
        _rateLimiter = rateLimiter;
        _storageFaults = storageFaults.ToArray();
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        _operatorKeyHash = SHA256.HashData(Encoding.UTF8.GetBytes(_options.OperatorKey ?? ""));
        _publicBaseUrl = _options.PublicBaseUrl?.TrimEnd('/');
        // Only the interfaces of the roles hosted here are served: a CPO-only deployment has no eMSP receiver routes.
        foreach (var version in catalog.Versions)
            foreach (var face in catalog.Interfaces(version, _options.HostedRoles))
                face.Interface.Map(services, new InterfaceRoutes(_routes, face), face.Wire);
        foreach (var group in groups) group.Map(_routes);
    }

    /// <summary>Every route served, with the module interface each belongs to.</summary>
    public IReadOnlyList<RouteTable.Route> Routes => _routes.Routes;

    public async Task<TransportResponse> HandleAsync(TransportRequest request, CancellationToken ct)
    {
        var requestId = Header(request, OcpiHeaders.RequestId) ?? Guid.NewGuid().ToString();
        var correlationId = Header(request, OcpiHeaders.CorrelationId) ?? Guid.NewGuid().ToString();
        var isOperator = request.Path.StartsWith("/operator", StringComparison.Ordinal);
        var started = Stopwatch.GetTimestamp();
        RouteTable.Route? route = null;
        RoutingHeaders routing = default;
        OcpiContext? context = null;
        OcpiResult result;
        string? partnerId = null;
        // Partners' input is read tolerantly and what it needed is kept for the operator; the operator API reads strictly.
        using var notes = InputNotes.Begin(lenient: !isOperator);
        try
        {
            switch (_routes.Match(request.Method, request.Path, out route, out var values))
            {
                case RouteTable.Outcome.NotFound:
                    throw NotFound(request.Path);
                case RouteTable.Outcome.MethodNotAllowed:
                    throw new MethodNotAllowedException($"{request.Method} is not allowed here; allowed: {string.Join(", ", _routes.MethodsFor(request.Path))}.");
            }

            Authenticated? caller = null;
            if (route!.Access == RouteAccess.Operator) AuthenticateOperator(request);
            else
            {
                // A credentials POST, PUT or DELETE changes the partner: it gets its own, current record. Every other
                // request may be answered from the token cache.
                var fresh = route.Access == RouteAccess.Handshake && request.Method is not ("GET" or "HEAD");
                caller = await _registry.AuthenticateAsync(request.Header("Authorization"), fresh, ct)
                    ?? throw new UnauthorizedException("Missing or unknown credentials token.");
                if (route.Access == RouteAccess.Registered && !caller.FullAccess)
                    throw new UnauthorizedException("This token may only be used on the versions and credentials modules until registration is complete.");
                partnerId = caller.Partner.Id;
                if (_rateLimiter.Refuse(partnerId) is { } retryAfter) throw new TooManyRequestsException(retryAfter);
                if (_options.RequireClientCertificate) CheckClientCertificate(request, caller, route.Access);
            }

            var acting = ActingParties.None;
            if (route.Functional)
            {
                routing = RoutingHeaders.Parse(request);
                // What the caller may act for among the parties this request names: held, or (a hub) known behind it.
                acting = await _access.ActingForAsync(caller!.Partner, NamedParties(routing, values), ct);
                if (routing.From is { } from && !acting.ActsFor(from))
                    throw new InvalidParametersException([new FieldError(OcpiHeaders.FromCountryCode, $"{from} is not a party of this connection")]);
                if (routing.To is { } to && !_options.Parties.Any(p => p.Key == to))
                    throw new InvalidParametersException([new FieldError(OcpiHeaders.ToCountryCode, $"{to} is not a party of this platform")]);
            }

            context = new OcpiContext
            {
                Request = request,
                Route = route,
                RouteValues = values,
                Caller = caller?.Partner,
                Acting = acting,
                // Only the configuration modules answer with it; decoded for them alone.
                PresentedToken = route.Access == RouteAccess.Handshake ? caller?.Token : null,
                PresentedTokenWasBase64 = caller?.WasBase64 ?? false,
                RequestId = requestId,
                CorrelationId = correlationId,
                Routing = routing,
                BaseUrl = BaseUrl(request),
                Options = _options,
                Cancellation = ct,
            };
            result = await route.Handler(context);
        }
        catch (OcpiException e)
        {
            result = Error(e, isOperator);
        }
        catch (PartnerCallException e) when (isOperator)
        {
            result = OperatorError(HttpStatusCode.BadGateway, e.Message, e.OcpiStatus);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && _storageFaults.Any(f => f.IsOutage(e)))
        {
            // The type only: a storage error's text may quote keys, and keys may be token uids.
            _logger.LogWarning("Request {RequestId} {Method} {Route}: storage unavailable ({Error})", requestId, request.Method, route?.Template ?? "(unmatched)", e.GetType().Name);
            result = Error(new TryAgainLaterException("Storage is unavailable; try again later.", StorageRetryAfter), isOperator);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogError(e, "Request {RequestId} {Method} {Route} failed", requestId, request.Method, route?.Template ?? "(unmatched)");
            const string message = "Internal error; quote the X-Request-ID when reporting it.";
            result = isOperator ? OperatorError(HttpStatusCode.InternalServerError, message, OcpiStatus.ServerError)
                : OcpiResult.Status(OcpiStatus.ServerError, message, HttpStatusCode.InternalServerError);
        }

        if (partnerId is not null) await _inputNotes.RecordAsync(partnerId, notes, ct);

        // Paths may carry token uids (tokens module): log the route template, never the path itself.
        LogRequest(request.Method, route?.Template ?? "(unmatched)", partnerId ?? "-", (int)result.HttpStatus, result.StatusCode,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds, requestId);

        var response = new TransportResponse { Status = result.HttpStatus, Body = result.WriteBody(_clock.GetUtcNow()) };
        response.Headers.Add(new(OcpiHeaders.RequestId, requestId));
        response.Headers.Add(new(OcpiHeaders.CorrelationId, correlationId));
        if (route?.Functional == true) AddRoutingHeaders(response, routing, context);
        response.Headers.AddRange(result.Headers);
        if (result.HttpStatus == HttpStatusCode.Unauthorized && !isOperator) response.Headers.Add(new("WWW-Authenticate", "Token"));
        return response;
    }

    /// <summary>An OCPI error as answered: the envelope on /ocpi, {"error","status_code"} on the operator API; Retry-After when it says when.</summary>
    private static OcpiResult Error(OcpiException e, bool isOperator)
    {
        var result = isOperator ? OperatorError(e.OperatorHttpStatus, e.Message, e.StatusCode) : OcpiResult.From(e);
        if (e.RetryAfter is { } wait) result.WithHeader("Retry-After", Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
        return result;
    }

    /// <summary>The parties a functional request names: its OCPI-from party, and the {country_code}/{party_id} of its URL when well-formed (the handler refuses the rest).</summary>
    private static IEnumerable<Types.PartyKey> NamedParties(RoutingHeaders routing, IReadOnlyDictionary<string, string> values)
    {
        if (routing.From is { } from) yield return from;
        if (!values.TryGetValue("country_code", out var country) || !values.TryGetValue("party_id", out var party)) yield break;
        var v = new OcpiValidator();
        v.CiString("country_code", country, 2);
        v.CiString("party_id", party, 3);
        if (v.IsValid) yield return new Types.PartyKey(country, party);
    }

    private OcpiException NotFound(string path)
    {
        // /ocpi/<version>/... or /ocpi/<role>/<version>/... with a version we do not serve: the spec's 3002.
        var segments = path.Trim('/').Split('/');
        var version = segments.Length >= 2 && segments[0] == "ocpi"
            ? segments.Skip(1).Take(2).FirstOrDefault(s => s.Length > 0 && char.IsDigit(s[0]))
            : null;
        if (version is not null && !_catalog.Serves(version))
            return new OcpiException(OcpiStatus.UnsupportedVersion, HttpStatusCode.NotFound,
                $"Unsupported version {version}; this endpoint serves OCPI {string.Join(", ", _catalog.Versions)} (see {OcpiPaths.Versions}).");
        return new NotFoundException("No such endpoint.");
    }

    private void CheckClientCertificate(TransportRequest request, Authenticated caller, RouteAccess access)
    {
        if (caller.Partner.ClientCertificate is not { } rule)
        {
            if (access == RouteAccess.Handshake) return;
            throw new UnauthorizedException("No client certificate is registered for this connection; ask the operator to register one.");
        }
        var check = InboundClientCertificate.Check(request.Header(InboundClientCertificate.HeaderName), rule, _clock.GetUtcNow());
        if (!check.Accepted)
        {
            _logger.LogWarning("Partner {PartnerId} refused: client certificate {Verdict}", caller.Partner.Id, check.Verdict);
            throw new UnauthorizedException("Client certificate refused: " + check.Reason);
        }
    }

    private void AuthenticateOperator(TransportRequest request)
    {
        var header = request.Header("Authorization");
        var key = header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        if (key is null || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(key)), _operatorKeyHash))
            throw new UnauthorizedException("Missing or wrong operator key (Authorization: Bearer <key>).");
    }

    private void AddRoutingHeaders(TransportResponse response, RoutingHeaders request, OcpiContext? context)
    {
        // The answer goes back to whoever the request came from (its only party when it named none), from whoever
        // answered: the party the handler resolved, else the one addressed, else our only one.
        var from = context?.AnsweringParty ?? request.To ?? (_options.Parties.Count == 1 ? _options.Parties[0].Key : null);
        if (from is { } f)
        {
            response.Headers.Add(new(OcpiHeaders.FromCountryCode, f.CountryCode));
            response.Headers.Add(new(OcpiHeaders.FromPartyId, f.PartyId));
        }
        var to = request.From ?? OnlyParty(context?.Caller);
        if (to is { } t)
        {
            response.Headers.Add(new(OcpiHeaders.ToCountryCode, t.CountryCode));
            response.Headers.Add(new(OcpiHeaders.ToPartyId, t.PartyId));
        }
    }

    /// <summary>The one party a connection holds (in any roles), or null when it holds several or none.</summary>
    private static Types.PartyKey? OnlyParty(Partners.Partner? caller)
    {
        Types.PartyKey? only = null;
        foreach (var role in caller?.Roles ?? [])
        {
            if (only is null) only = role.Key;
            else if (only != role.Key) return null;
        }
        return only;
    }

    private string BaseUrl(TransportRequest request) => _publicBaseUrl ?? request.Origin.TrimEnd('/');

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Route} partner={PartnerId} -> {Status} ({StatusCode}) in {Elapsed:F1} ms, request {RequestId}")]
    private partial void LogRequest(string method, string route, string partnerId, int status, int statusCode, double elapsed, string requestId);

    private static OcpiResult OperatorError(HttpStatusCode http, string message, int? statusCode) =>
        OcpiResult.Json(new OperatorError(message, statusCode), OperatorJson.Default.OperatorError, http);

    private static string? Header(TransportRequest request, string name)
    {
        var value = request.Header(name);
        // Echoed exactly as received (transport_and_format: the response contains the same ID), as long as it can be
        // written back as a header and logged without harm: printable ASCII, spaces and tabs, up to 1,000 characters.
        return value is { Length: > 0 and <= 1000 } && value.All(c => c is >= ' ' and <= '~' or '\t') ? value : null;
    }
}

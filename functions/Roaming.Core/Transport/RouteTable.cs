namespace Roaming.Core.Transport;

/// <summary>Who may call a route.</summary>
public enum RouteAccess
{
    /// <summary>Versions and credentials: any token we know, including a Token A and a token of a handshake under way.</summary>
    Handshake,
    /// <summary>Functional modules: only a partner whose registration is complete (Token A answers 401, as the spec says).</summary>
    Registered,
    /// <summary>The operator API: the operator key as a Bearer token.</summary>
    Operator,
}

public delegate Task<OcpiResult> OcpiHandler(OcpiContext context);

/// <summary>
/// Path templates with {parameters} matched segment by segment. Small on purpose: it is the one
/// router both hosts share, so neither host's routing can drift from the other's.
/// </summary>
public sealed class RouteTable
{
    private readonly List<Route> _routes = [];

    /// <param name="Interface">The module interface the route belongs to; null for the versions endpoints and the operator API.</param>
    public sealed record Route(string Method, string Template, string[] Segments, RouteAccess Access, OcpiHandler Handler, Platform.ServedInterface? Interface)
    {
        /// <summary>A functional module's route: OCPI-to/-from routing headers apply to it.</summary>
        public bool Functional => Interface is { Module.Configuration: false };
    }

    public IReadOnlyList<Route> Routes => _routes;

    public void Map(string method, string template, RouteAccess access, OcpiHandler handler, Platform.ServedInterface? face = null)
    {
        var segments = Split(template);
        if (_routes.Any(r => r.Method == method && SameShape(r.Segments, segments)))
            throw new InvalidOperationException($"Route {method} {template} is mapped twice.");
        _routes.Add(new Route(method, template, segments, access, handler, face));
    }

    public enum Outcome { Found, NotFound, MethodNotAllowed }

    public Outcome Match(string method, string path, out Route? route, out Dictionary<string, string> values)
    {
        var segments = Split(path);
        var pathExists = false;
        foreach (var candidate in _routes)
        {
            if (!TryBind(candidate.Segments, segments, out var bound)) continue;
            pathExists = true;
            if (!string.Equals(candidate.Method, method, StringComparison.OrdinalIgnoreCase)) continue;
            route = candidate;
            values = bound!;
            return Outcome.Found;
        }
        route = null;
        values = [];
        return pathExists ? Outcome.MethodNotAllowed : Outcome.NotFound;
    }

    public IEnumerable<string> MethodsFor(string path)
    {
        var segments = Split(path);
        return _routes.Where(r => TryBind(r.Segments, segments, out _)).Select(r => r.Method).Distinct();
    }

    private static bool TryBind(string[] template, string[] path, out Dictionary<string, string>? values)
    {
        values = null;
        if (template.Length != path.Length) return false;
        Dictionary<string, string>? bound = null;
        for (var i = 0; i < template.Length; i++)
        {
            var t = template[i];
            if (t.Length > 2 && t[0] == '{' && t[^1] == '}')
            {
                if (path[i].Length == 0) return false;
                (bound ??= new(StringComparer.Ordinal))[t[1..^1]] = path[i];
            }
            else if (!string.Equals(t, path[i], StringComparison.Ordinal)) return false;
        }
        values = bound ?? [];
        return true;
    }

    private static bool SameShape(string[] a, string[] b) =>
        a.Length == b.Length && a.Zip(b).All(p => p.First == p.Second || (p.First.StartsWith('{') && p.Second.StartsWith('{')));

    // A trailing slash is the same path (the spec's own examples use "/cdrs/?offset=...").
    private static string[] Split(string path) =>
        path.Trim('/').Split('/', StringSplitOptions.None).Select(Uri.UnescapeDataString).ToArray();
}

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
    // Routes by their number of segments: a request is compared only with routes of its own length.
    private readonly Dictionary<int, List<Compiled>> _bySegments = [];

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
        var route = new Route(method, template, segments, access, handler, face);
        _routes.Add(route);
        if (!_bySegments.TryGetValue(segments.Length, out var list)) _bySegments[segments.Length] = list = [];
        list.Add(new Compiled(route, segments.Select(s => s.Length > 2 && s[0] == '{' && s[^1] == '}' ? s[1..^1] : null).ToArray()));
    }

    public enum Outcome { Found, NotFound, MethodNotAllowed }

    /// <summary>
    /// Matches every request, so it allocates only what it hands back: the segments are compared in place (a
    /// segment is decoded, into a string, only when it holds an escape) and the values are bound for the route found.
    /// </summary>
    public Outcome Match(string method, string path, out Route? route, out IReadOnlyDictionary<string, string> values) =>
        Find(method, path, null, out route, out values);

    /// <summary>The methods mapped at a path (what a 405 lists), the path matched as <see cref="Match"/> matches it.</summary>
    public IEnumerable<string> MethodsFor(string path)
    {
        var methods = new List<string>();
        Find(null, path, methods, out _, out _);
        return methods.Distinct();
    }

    /// <param name="method">null: no route is chosen, only <paramref name="methods"/> collected</param>
    /// <param name="methods">when given, gets the method of every route whose template fits the path</param>
    private Outcome Find(string? method, string path, List<string>? methods, out Route? route, out IReadOnlyDictionary<string, string> values)
    {
        route = null;
        values = NoValues;
        var trimmed = path.AsSpan().Trim('/');
        var count = trimmed.Count('/') + 1;
        if (!_bySegments.TryGetValue(count, out var candidates)) return Outcome.NotFound;
        Span<Range> ranges = count <= 32 ? stackalloc Range[count] : new Range[count];
        trimmed.Split(ranges, '/');
        string?[]? decoded = null;
        for (var i = 0; i < count; i++)
        {
            if (trimmed[ranges[i]].Contains('%'))
                (decoded ??= new string?[count])[i] = Uri.UnescapeDataString(trimmed[ranges[i]].ToString());
        }

        var pathExists = false;
        foreach (var candidate in candidates)
        {
            if (!Fits(candidate, trimmed, ranges, decoded)) continue;
            pathExists = true;
            methods?.Add(candidate.Route.Method);
            if (method is null || !string.Equals(candidate.Route.Method, method, StringComparison.OrdinalIgnoreCase)) continue;
            route = candidate.Route;
            values = Bind(candidate, trimmed, ranges, decoded);
            return Outcome.Found;
        }
        return pathExists ? Outcome.MethodNotAllowed : Outcome.NotFound;
    }

    private static bool Fits(Compiled candidate, ReadOnlySpan<char> path, ReadOnlySpan<Range> ranges, string?[]? decoded)
    {
        for (var i = 0; i < ranges.Length; i++)
        {
            var segment = decoded?[i] is { } text ? text.AsSpan() : path[ranges[i]];
            if (candidate.Parameters[i] is not null)
            {
                if (segment.Length == 0) return false;
            }
            else if (!segment.SequenceEqual(candidate.Route.Segments[i])) return false;
        }
        return true;
    }

    private static IReadOnlyDictionary<string, string> Bind(Compiled candidate, ReadOnlySpan<char> path, ReadOnlySpan<Range> ranges, string?[]? decoded)
    {
        Dictionary<string, string>? bound = null;
        for (var i = 0; i < ranges.Length; i++)
            if (candidate.Parameters[i] is { } name) (bound ??= new(StringComparer.Ordinal))[name] = decoded?[i] ?? path[ranges[i]].ToString();
        return bound ?? NoValues;
    }

    private static bool SameShape(string[] a, string[] b) =>
        a.Length == b.Length && a.Zip(b).All(p => p.First == p.Second || (p.First.StartsWith('{') && p.Second.StartsWith('{')));

    // A template's segments; a request's are compared in place (Find), a trailing slash being the same path there too.
    private static string[] Split(string template) =>
        template.Trim('/').Split('/', StringSplitOptions.None).Select(Uri.UnescapeDataString).ToArray();

    private static readonly IReadOnlyDictionary<string, string> NoValues = new Dictionary<string, string>();

    /// <param name="Parameters">per segment, the parameter's name, or null for a literal</param>
    private sealed record Compiled(Route Route, string?[] Parameters);
}

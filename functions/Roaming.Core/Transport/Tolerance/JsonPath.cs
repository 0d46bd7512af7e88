using System.Text;
using System.Text.Json.Nodes;

namespace Roaming.Core.Transport.Tolerance;

/// <summary>
/// Field paths as errors and notes name them (<c>evses[2].connectors[0].standard</c>, the JSON path of
/// System.Text.Json without its <c>$.</c>), and the edits the tolerant reader makes at them.
/// </summary>
public static class JsonPath
{
    /// <summary>Removes the property or array item at <paramref name="path"/>; false when there is none.</summary>
    public static bool Remove(JsonNode root, string path)
    {
        var segments = Parse(path);
        if (segments.Count == 0 || Navigate(root, segments) is not { } parent) return false;
        switch (segments[^1], parent)
        {
            case (string name, JsonObject o): return o.Remove(name);
            case (int index, JsonArray a) when index < a.Count: a.RemoveAt(index); return true;
            default: return false;
        }
    }

    /// <summary>Replaces the value of the property at <paramref name="path"/>; false when its parent is missing.</summary>
    public static bool Set(JsonNode root, string path, JsonNode? value)
    {
        var segments = Parse(path);
        if (segments.Count == 0 || Navigate(root, segments) is not { } parent) return false;
        switch (segments[^1], parent)
        {
            case (string name, JsonObject o): o[name] = value; return true;
            case (int index, JsonArray a) when index < a.Count: a[index] = value; return true;
            default: return false;
        }
    }

    public static JsonNode? Get(JsonNode root, string path)
    {
        var segments = Parse(path);
        if (segments.Count == 0) return root;
        return Navigate(root, segments) is { } parent ? Step(parent, segments[^1]) : null;
    }

    /// <summary><paramref name="path"/> and each enclosing field and item, deepest first: a.b[2].c, a.b[2], a.b, a.</summary>
    public static IEnumerable<string> SelfAndAncestors(string path)
    {
        var p = path;
        while (p.Length > 0)
        {
            yield return p;
            var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
            if (cut <= 0) yield break;
            p = p[..cut];
        }
    }

    /// <summary>The path with its item indices left out, so every item's field counts as one: evses[].connectors[].standard.</summary>
    public static string Pattern(string path)
    {
        var sb = new StringBuilder(path.Length);
        var inIndex = false;
        foreach (var c in path)
        {
            if (c == '[') { inIndex = true; sb.Append("[]"); continue; }
            if (inIndex) { if (c == ']') inIndex = false; continue; }
            sb.Append(c);
        }
        return sb.ToString();
    }

    public static bool IsWithin(string path, string ancestor) =>
        path.Length > ancestor.Length && path.StartsWith(ancestor, StringComparison.Ordinal) && path[ancestor.Length] is '.' or '[';

    private static JsonNode? Navigate(JsonNode root, List<object> segments)
    {
        JsonNode? current = root;
        for (var i = 0; i < segments.Count - 1 && current is not null; i++) current = Step(current, segments[i]);
        return current;
    }

    private static JsonNode? Step(JsonNode node, object segment) => (segment, node) switch
    {
        (string name, JsonObject o) => o.TryGetPropertyValue(name, out var v) ? v : null,
        (int index, JsonArray a) => index < a.Count ? a[index] : null,
        _ => null,
    };

    /// <summary>Splits a.b[2].c and ['odd.name'].c into names and indices.</summary>
    internal static List<object> Parse(string path)
    {
        var segments = new List<object>();
        var i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.') { i++; continue; }
            if (path[i] == '[')
            {
                if (i + 1 < path.Length && path[i + 1] == '\'')
                {
                    var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                    if (end < 0) return [];
                    segments.Add(path[(i + 2)..end]);
                    i = end + 2;
                }
                else
                {
                    var end = path.IndexOf(']', i);
                    if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), out var index) || index < 0) return [];
                    segments.Add(index);
                    i = end + 1;
                }
                continue;
            }
            var stop = path.IndexOfAny(['.', '['], i);
            if (stop < 0) stop = path.Length;
            segments.Add(path[i..stop]);
            i = stop;
        }
        return segments;
    }
}

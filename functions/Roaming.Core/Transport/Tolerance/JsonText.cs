using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace Roaming.Core.Transport.Tolerance;

/// <summary>
/// The transport layer's question, asked once of every body before anything reads it: is this JSON at all?
/// Empty, not UTF-8 (RFC 8259 requires it) or malformed is "not JSON" (HTTP 400 on /ocpi routes). A string
/// whose escapes name an unpaired UTF-16 surrogate (<c>"\ud800"</c>) is JSON, but no text: that is content,
/// 2001 naming the field. Checked here so no reader further on can fail on such a body with a 500.
/// </summary>
public static class JsonText
{
    private const int MaxDepth = 64;

    /// <summary>A request body as a JSON tree; throws a 2001 that says why when it is not JSON or not text.</summary>
    public static JsonNode? ParseBody(ReadOnlyMemory<byte> body, string what)
    {
        var utf8 = body.Span;
        if (utf8.StartsWith("\xEF\xBB\xBF"u8)) utf8 = utf8[3..];
        if (utf8.IsEmpty) throw InvalidParametersException.NotJson($"the {what} is empty; a JSON object is required");
        if (!Utf8.IsValid(utf8)) throw InvalidParametersException.NotJson($"the {what} is not UTF-8 text");
        string? undecodable;
        try
        {
            undecodable = FindUndecodableString(utf8);
        }
        catch (JsonException e)
        {
            throw InvalidParametersException.NotJson($"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine}: {OcpiJson.Trim(e.Message)}");
        }
        if (undecodable is not null) throw Undecodable(undecodable);
        using var document = JsonDocument.Parse(body[(body.Length - utf8.Length)..], new JsonDocumentOptions { MaxDepth = MaxDepth });
        return ToNode(document.RootElement);
    }

    /// <summary>
    /// An element of a document parsed elsewhere (an object of a pulled page): the parser there does not check
    /// the text inside strings, so it is checked here, as content (2001), before the element is read.
    /// </summary>
    public static JsonNode? ParseElement(JsonElement element)
    {
        var utf8 = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(element);
        if (!Utf8.IsValid(utf8)) throw new InvalidParametersException([new FieldError("(object)", "holds text that is not UTF-8")]);
        if (FindUndecodableString(utf8) is { } path) throw Undecodable(path);
        return ToNode(element);
    }

    /// <summary>
    /// A tree of the element. A name given twice in one object keeps its last value, as the serializer's own
    /// binding does (and JSON.parse), where JsonNode.Parse would throw.
    /// </summary>
    private static JsonNode? ToNode(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var o = new JsonObject();
                foreach (var p in e.EnumerateObject()) o[p.Name] = ToNode(p.Value);
                return o;
            case JsonValueKind.Array:
                var a = new JsonArray();
                foreach (var item in e.EnumerateArray()) a.Add(ToNode(item));
                return a;
            case JsonValueKind.String: return JsonValue.Create(e.GetString());
            case JsonValueKind.True: return JsonValue.Create(true);
            case JsonValueKind.False: return JsonValue.Create(false);
            case JsonValueKind.Number: return JsonValue.Create(e.Clone()); // keeps the text: 22000.0 stays 22000.0
            default: return null;
        }
    }

    private static InvalidParametersException Undecodable(string path) =>
        new([new FieldError(path, "holds an unpaired UTF-16 surrogate escape (\\uD800 to \\uDFFF without its pair), which is no text")]);

    /// <summary>
    /// Reads the whole text once (which also checks its syntax, throwing <see cref="JsonException"/>) and returns
    /// the path of the first string or property name that cannot be decoded, or null.
    /// </summary>
    internal static string? FindUndecodableString(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MaxDepth });
        // One frame per open object or array: the name of the current property, or the index of the current item.
        var frames = new List<(bool Array, string? Name, int Index)>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    if (!Decodes(ref reader))
                    {
                        frames[^1] = frames[^1] with { Name = null };
                        return PathOf(frames, "(a property name)");
                    }
                    frames[^1] = frames[^1] with { Name = reader.GetString() };
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    NextItem(frames);
                    frames.Add((reader.TokenType == JsonTokenType.StartArray, null, -1));
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    frames.RemoveAt(frames.Count - 1);
                    break;
                case JsonTokenType.String:
                    NextItem(frames);
                    if (!Decodes(ref reader)) return PathOf(frames, null);
                    break;
                default:
                    NextItem(frames);
                    break;
            }
        }
        return null;
    }

    private static bool Decodes(ref Utf8JsonReader reader)
    {
        // Unescaped text is valid UTF-8 (checked before), which holds no surrogates; only escapes can name one.
        if (!reader.ValueIsEscaped) return true;
        try
        {
            reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void NextItem(List<(bool Array, string? Name, int Index)> frames)
    {
        if (frames.Count > 0 && frames[^1].Array) frames[^1] = frames[^1] with { Index = frames[^1].Index + 1 };
    }

    private static string PathOf(List<(bool Array, string? Name, int Index)> frames, string? last)
    {
        var path = new System.Text.StringBuilder();
        foreach (var f in frames)
        {
            if (f.Array) path.Append('[').Append(f.Index).Append(']');
            else if (f.Name is not null) path.Append(path.Length > 0 ? "." : "").Append(f.Name);
        }
        if (last is not null) path.Append(path.Length > 0 ? " " : "").Append(last);
        return path.Length == 0 ? "(body)" : path.ToString();
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Roaming.Core.Transport.Tolerance;

namespace Roaming.Core.Transport;

/// <summary>
/// Reading OCPI JSON with the source-generated contexts of each module, tolerantly (<see cref="TolerantReader"/>).
/// Every failure becomes a 2001 that names the field: HTTP 400 when the body is not JSON at all, otherwise
/// content (HTTP 200 on /ocpi routes); never an exception that escapes as a 500.
/// </summary>
public static class OcpiJson
{
    public static T Read<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> typeInfo, string what = "request body") =>
        System.Text.Unicode.Utf8.IsValid(body.Span) && TolerantReader.TryReadClean(() => JsonSerializer.Deserialize(body.Span, typeInfo), out var clean) ? clean
            : TolerantReader.Read(JsonText.ParseBody(body, what), typeInfo, what);

    /// <summary>An object already parsed (an element of a list), read and validated the same way.</summary>
    public static T Read<T>(JsonElement element, JsonTypeInfo<T> typeInfo, string what) =>
        TolerantReader.TryReadClean(() => element.Deserialize(typeInfo), out var clean) ? clean
            : TolerantReader.Read(JsonText.ParseElement(element), typeInfo, what);

    /// <summary>An object assembled as a tree (a PATCH merged onto the stored object), read and validated the same way.</summary>
    public static T Read<T>(JsonNode node, JsonTypeInfo<T> typeInfo, string what) =>
        TolerantReader.Read(node, typeInfo, what);

    /// <summary>Reads without validating, for an object that is completed (e.g. last_updated filled in) before it is checked.</summary>
    public static T Bind<T>(JsonElement element, JsonTypeInfo<T> typeInfo, string what = "request body") =>
        TolerantReader.Read(JsonText.ParseElement(element), typeInfo, what, validate: false);

    /// <summary>Reads a body without validating it (its user checks what it needs).</summary>
    public static T Bind<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> typeInfo, string what) =>
        TolerantReader.Read(JsonText.ParseBody(body, what), typeInfo, what, validate: false);

    /// <summary>Reads a body that must be a JSON object, for PATCH merges that work on the JSON itself.</summary>
    public static JsonElement ReadObject(ReadOnlyMemory<byte> body)
    {
        if (JsonText.ParseBody(body, "request body") is not JsonObject o)
            throw new InvalidParametersException([new FieldError("(body)", "must be a JSON object")]);
        return JsonSerializer.SerializeToElement(o);
    }

    internal static FieldError ToFieldError(JsonException e)
    {
        // STJ wraps a syntax error of the reader in a JsonException whose inner exception is the reader's.
        if (e.InnerException is JsonException syntax)
            return new FieldError("(body)", $"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine}: {Trim(syntax.Message)}");
        var field = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "(body)" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        var message = Trim(e.Message);
        if (message.Contains("could not be converted", StringComparison.Ordinal)) message = "wrong type or unknown value";
        return new FieldError(field, message);
    }

    // STJ appends location details to its messages; the field name says where, so drop them.
    internal static string Trim(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        return message.TrimEnd('.', ' ');
    }
}

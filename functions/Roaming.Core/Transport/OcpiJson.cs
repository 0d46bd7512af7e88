using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Roaming.Core.Transport;

/// <summary>
/// Reading OCPI JSON with the source-generated contexts of each module. Every failure becomes a 2001
/// that names the field (wrong type, unknown closed-enum value, malformed JSON), never an exception
/// that escapes as a 500.
/// </summary>
public static class OcpiJson
{
    public static T Read<T>(ReadOnlyMemory<byte> body, JsonTypeInfo<T> typeInfo, string what = "request body")
    {
        if (body.IsEmpty) throw new InvalidParametersException([new FieldError("(body)", $"the {what} is empty; a JSON object is required")]);
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(body.Span, typeInfo);
        }
        catch (JsonException e)
        {
            throw new InvalidParametersException([ToFieldError(e)]);
        }
        return Validated(value, what);
    }

    /// <summary>An object already parsed (an element of a list, part of a PATCH), read and validated the same way.</summary>
    public static T Read<T>(JsonElement element, JsonTypeInfo<T> typeInfo, string what) => Validated(Bind(element, typeInfo, what), what);

    /// <summary>Reads without validating, for an object that is completed (e.g. last_updated filled in) before it is checked.</summary>
    public static T Bind<T>(JsonElement element, JsonTypeInfo<T> typeInfo, string what = "request body")
    {
        T? value;
        try
        {
            value = element.Deserialize(typeInfo);
        }
        catch (JsonException e)
        {
            throw new InvalidParametersException([ToFieldError(e)]);
        }
        return value ?? throw new InvalidParametersException([new FieldError("(body)", $"the {what} must be a JSON object, not null")]);
    }

    private static T Validated<T>(T? value, string what)
    {
        if (value is null) throw new InvalidParametersException([new FieldError("(body)", $"the {what} must be a JSON object, not null")]);
        if (value is IOcpiValidatable validatable) OcpiValidator.ThrowIfInvalid(validatable);
        return value;
    }

    /// <summary>Reads a body that must be a JSON object, for PATCH merges that work on the JSON itself.</summary>
    public static JsonElement ReadObject(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty) throw new InvalidParametersException([new FieldError("(body)", "the request body is empty; a JSON object is required")]);
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidParametersException([new FieldError("(body)", "must be a JSON object")]);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidParametersException([ToFieldError(e)]);
        }
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
    private static string Trim(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        return message.TrimEnd('.', ' ');
    }
}

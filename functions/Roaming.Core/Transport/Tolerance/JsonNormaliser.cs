using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Roaming.Core.Transport.Tolerance;

/// <summary>The kinds of note the tolerant reader makes; the operator sees them per partner.</summary>
public static class InputKinds
{
    public const string DateTimeForm = "datetime-not-utc-z";
    public const string EnumCase = "enum-case";
    public const string NumberAsString = "number-as-string";
    public const string IntegerAsDecimal = "integer-with-decimals";
    public const string BooleanAsString = "boolean-as-string";
    public const string CoordinatePrecision = "coordinate-precision";
    public const string UrlWithoutScheme = "url-without-scheme";
    public const string ControlCharacters = "control-characters";
    public const string Contradiction = "contradiction";
    public const string Unreadable = "unreadable";
    public const string Invalid = "invalid";
}

/// <summary>
/// The lossless half of tolerance, driven by the type each JSON value is read into (the source-generated
/// metadata of the model): a DateTime with an offset, a space or lowercase letters becomes UTC with a 'Z';
/// an enum name in another case becomes the spec's name; a number sent as a string, 22000.0 in an integer
/// field, or "true" in a boolean becomes the plain JSON value. Each change is noted with its field path.
/// What cannot be read even so is left as it is, for the reader to refuse or drop.
/// </summary>
public static class JsonNormaliser
{
    private static readonly ConcurrentDictionary<JsonTypeInfo, Dictionary<string, JsonPropertyInfo>> PropertiesOf = new();

    public static void Normalise(JsonNode? node, JsonTypeInfo type, string path, List<InputNote> notes, string owner)
    {
        switch (node)
        {
            case JsonObject o when type.Kind == JsonTypeInfoKind.Object:
                var properties = PropertiesOf.GetOrAdd(type, static t => t.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal));
                foreach (var (name, value) in o.ToList())
                {
                    if (value is null || !properties.TryGetValue(name, out var property)) continue;
                    var child = Join(path, name);
                    var replacement = NormaliseValue(value, type.Options.GetTypeInfo(property.PropertyType), child, notes, owner);
                    if (replacement is not null) o[name] = replacement;
                }
                break;
            case JsonArray a when type.Kind == JsonTypeInfoKind.Enumerable && type.ElementType is { } elementType:
                var elementInfo = type.Options.GetTypeInfo(elementType);
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is not { } item) continue;
                    var replacement = NormaliseValue(item, elementInfo, $"{path}[{i}]", notes, owner);
                    if (replacement is not null) a[i] = replacement;
                }
                break;
        }
    }

    /// <summary>A replacement for a scalar value, or null when it is fine (containers are normalised in place).</summary>
    private static JsonNode? NormaliseValue(JsonNode value, JsonTypeInfo type, string path, List<InputNote> notes, string owner)
    {
        if (value is JsonObject or JsonArray)
        {
            Normalise(value, type, path, notes, owner);
            return null;
        }
        if (value is not JsonValue scalar) return null;
        var target = Nullable.GetUnderlyingType(type.Type) ?? type.Type;
        var kind = scalar.GetValueKind();
        var text = kind == JsonValueKind.String ? scalar.GetValue<string>() : null;

        if (target == typeof(DateTimeOffset))
        {
            if (text is null || !OcpiDateTime.TryParse(text, out var at, out var canonical) || canonical) return null;
            return Note(notes, owner, path, InputKinds.DateTimeForm, text, JsonValue.Create(OcpiDateTime.Format(at)));
        }
        if (target.IsEnum)
        {
            if (text is null || !EnumNames.Of(target).TryParse(text, out var member, out var exact) || exact) return null;
            return Note(notes, owner, path, InputKinds.EnumCase, text, JsonValue.Create(EnumNames.Of(target).NameOf(member)));
        }
        if (target == typeof(bool))
        {
            if (text is null || !bool.TryParse(text.Trim(), out var flag)) return null;
            return Note(notes, owner, path, InputKinds.BooleanAsString, text, JsonValue.Create(flag));
        }
        if (target == typeof(int) || target == typeof(long) || target == typeof(decimal) || target == typeof(double))
        {
            var integral = target == typeof(int) || target == typeof(long);
            var raw = text ?? (kind == JsonValueKind.Number ? scalar.ToJsonString() : null);
            if (raw is null || !decimal.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return null;
            if (text is not null)
            {
                if (integral && number != decimal.Truncate(number)) return null;
                return Note(notes, owner, path, InputKinds.NumberAsString, text, integral ? JsonValue.Create((long)number) : JsonValue.Create(number));
            }
            // A number: only an integer written with a fraction or exponent (22000.0, 2.2e4) needs a change.
            if (!integral || raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 || number != decimal.Truncate(number) || number is > long.MaxValue or < long.MinValue) return null;
            return Note(notes, owner, path, InputKinds.IntegerAsDecimal, raw, JsonValue.Create((long)number));
        }
        return null;
    }

    private static JsonNode Note(List<InputNote> notes, string owner, string path, string kind, string example, JsonNode replacement)
    {
        notes.Add(new InputNote(owner + "." + JsonPath.Pattern(path), InputAction.Normalised, kind, InputExample.Of(path, example)));
        return replacement;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;
}

/// <summary>
/// The example shown beside a note: short, and never personal data. Values of fields that identify a driver or
/// a token (uid, contract_id, visual_number, ...) are withheld whatever module they appear in.
/// </summary>
public static class InputExample
{
    public const int MaxLength = 40;

    private static readonly HashSet<string> Personal = new(StringComparer.OrdinalIgnoreCase)
    {
        "uid", "token", "contract_id", "visual_number", "auth_id", "group_id", "authorization_reference", "email", "phone", "license_plate",
    };

    public static string? Of(string path, string? value)
    {
        if (value is null) return null;
        foreach (var segment in JsonPath.Parse(path))
            if (segment is string name && Personal.Contains(name)) return "(withheld)";
        var printable = new string(value.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return printable.Length <= MaxLength ? printable : printable[..(MaxLength - 1)] + "…";
    }
}

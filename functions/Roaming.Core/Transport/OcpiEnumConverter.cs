using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Roaming.Core.Transport;

/// <summary>
/// A closed OCPI enum: written by its spec name (set with <see cref="JsonStringEnumMemberNameAttribute"/>), never
/// as a number; read by that name in any case ("charging" is CHARGING: partners differ, the meaning does not),
/// so an unknown value fails with the field named instead of slipping through as 0.
/// </summary>
public sealed class OcpiEnumConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
{
    private static readonly EnumNames Names = EnumNames.Of(typeof(TEnum));

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"expected one of {Names.List}");
        var text = reader.GetString()!;
        if (!Names.TryParse(text, out var value, out var exact)) throw new JsonException($"'{text}' is not one of {Names.List}");
        if (!exact) Tolerance.TolerantReader.ConvertedLeniently();
        return (TEnum)value;
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Names.NameOf(value));
}

/// <summary>The spec names of an enum's members, looked up exactly or, failing that, ignoring case and surrounding blanks.</summary>
public sealed class EnumNames
{
    private static readonly ConcurrentDictionary<Type, EnumNames> Cache = new();
    private readonly Dictionary<string, Enum> _exact = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Enum> _ignoringCase = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<Enum, string> _names = [];

    private EnumNames(Type type)
    {
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var name = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name;
            var value = (Enum)field.GetValue(null)!;
            _exact[name] = value;
            _ignoringCase[name] = value;
            _names[value] = name;
        }
        List = string.Join(", ", _names.Values);
    }

    public static EnumNames Of(Type enumType) => Cache.GetOrAdd(enumType, static t => new EnumNames(t));

    public string List { get; }

    public string NameOf(Enum value) => _names.TryGetValue(value, out var name) ? name : throw new JsonException($"{value} has no OCPI name");

    /// <param name="exact">false when the text had to be matched ignoring case or blanks (a normalisation worth counting).</param>
    public bool TryParse(string text, out Enum value, out bool exact)
    {
        if (_exact.TryGetValue(text, out value!)) { exact = true; return true; }
        exact = false;
        return _ignoringCase.TryGetValue(text.Trim(), out value!);
    }
}

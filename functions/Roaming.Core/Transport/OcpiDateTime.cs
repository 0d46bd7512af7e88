using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Roaming.Core.Transport;

/// <summary>
/// OCPI DateTime (types chapter): RFC 3339 in UTC, with or without the 'Z', fractional seconds allowed.
/// The spec forbids other offsets ("+00:00 is not the same as UTC"), so they are refused on input.
/// Written with millisecond precision at most, which keeps every value within string(25).
/// </summary>
public static class OcpiDateTime
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.F", "yyyy-MM-dd'T'HH:mm:ss.FF", "yyyy-MM-dd'T'HH:mm:ss.FFF",
        "yyyy-MM-dd'T'HH:mm:ss.FFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
    ];

    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value)
    {
        if (text.Length > 0 && text[^1] == 'Z') text = text[..^1];
        if (DateTime.TryParseExact(text, Formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dt))
        {
            value = new DateTimeOffset(dt, TimeSpan.Zero);
            return true;
        }
        value = default;
        return false;
    }

    public static DateTimeOffset Parse(string text, string field) =>
        TryParse(text, out var value) ? value
            : throw new InvalidParametersException([new FieldError(field, "not an OCPI DateTime (RFC 3339 in UTC, e.g. 2025-06-29T20:39:09Z)")]);

    /// <summary>Truncates to the millisecond, the precision the endpoint stores and writes.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }

    public static string Format(DateTimeOffset value) =>
        Normalize(value).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF'Z'", CultureInfo.InvariantCulture);
}

public sealed class OcpiDateTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException("expected a DateTime string");
        Span<char> buffer = stackalloc char[64];
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > 40) throw new JsonException("DateTime too long");
        var written = reader.CopyString(buffer);
        if (!OcpiDateTime.TryParse(buffer[..written], out var value))
            throw new JsonException("not an OCPI DateTime (RFC 3339 in UTC, e.g. 2025-06-29T20:39:09Z)");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(OcpiDateTime.Format(value));
}

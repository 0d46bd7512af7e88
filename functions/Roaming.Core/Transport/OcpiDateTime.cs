using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Roaming.Core.Transport;

/// <summary>
/// OCPI DateTime (types chapter): RFC 3339 in UTC, with or without the 'Z', fractional seconds allowed; always
/// written as UTC with a 'Z' and at most millisecond precision (which keeps every value within string(25)).
/// <para>
/// Read tolerantly, on purpose and against the letter of the spec (which says DateTimes SHALL be UTC and
/// "+00:00 is not the same as UTC"): real partners send an explicit offset, a space or a lowercase 't'
/// between date and time, a lowercase 'z', or nine fractional digits. Each is read as the instant it names
/// and converted to UTC, rather than refusing a whole object over its timestamp. In a query string an
/// unescaped '+' arrives as a space, so a space before the offset is read as '+'.
/// </para>
/// </summary>
public static class OcpiDateTime
{
    /// <summary>
    /// The window a last_updated must fall in: from 2000-01-01 (before any OCPI object) to a day after now (clock
    /// skew). Outside it a date is a bug or a placeholder (year 1, year 9999) that would pin "newest wins" forever.
    /// </summary>
    public static readonly DateTimeOffset EarliestLastUpdated = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan LastUpdatedFutureMargin = TimeSpan.FromDays(1);

    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value) => TryParse(text, out value, out _);

    /// <param name="canonical">true when the text was in a form the spec shows ('T', 'Z' or no designator, at most 7 fractional digits).</param>
    public static bool TryParse(ReadOnlySpan<char> text, out DateTimeOffset value, out bool canonical)
    {
        value = default;
        canonical = false;
        var trimmed = text.Trim();
        var t = trimmed;
        if (t.Length is < 19 or > 40) return false;
        if (!Digits(t, 0, 4, out var year) || t[4] != '-' || !Digits(t, 5, 2, out var month) || t[7] != '-' || !Digits(t, 8, 2, out var day)) return false;
        var separator = t[10];
        if (separator is not ('T' or 't' or ' ')) return false;
        if (!Digits(t, 11, 2, out var hour) || t[13] != ':' || !Digits(t, 14, 2, out var minute) || t[16] != ':' || !Digits(t, 17, 2, out var second)) return false;

        var i = 19;
        long fraction = 0;
        var fractionDigits = 0;
        if (i < t.Length && t[i] == '.')
        {
            i++;
            while (i < t.Length && char.IsAsciiDigit(t[i]))
            {
                if (fractionDigits < 7) fraction = fraction * 10 + (t[i] - '0');
                fractionDigits++;
                i++;
            }
            if (fractionDigits is 0 or > 9) return false;
            for (var d = Math.Min(fractionDigits, 7); d < 7; d++) fraction *= 10;
        }

        var offsetMinutes = 0;
        var hasOffset = false;
        var lowercaseZ = false;
        if (i < t.Length)
        {
            var c = t[i];
            if (c is 'Z' or 'z')
            {
                lowercaseZ = c == 'z';
                i++;
            }
            else if (c is '+' or '-' or ' ')
            {
                hasOffset = true;
                i++;
                if (!Digits(t, i, 2, out var offsetHours)) return false;
                i += 2;
                var offsetMins = 0;
                if (i < t.Length && t[i] == ':') i++;
                if (i < t.Length)
                {
                    if (!Digits(t, i, 2, out offsetMins)) return false;
                    i += 2;
                }
                if (offsetHours > 14 || offsetMins > 59) return false;
                offsetMinutes = (offsetHours * 60 + offsetMins) * (c == '-' ? -1 : 1);
            }
            else return false;
        }
        if (i != t.Length) return false;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return false;

        var ticks = new DateTime(year, month, day, hour, minute, second).Ticks + fraction - offsetMinutes * TimeSpan.TicksPerMinute;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) return false;
        value = new DateTimeOffset(ticks, TimeSpan.Zero);
        canonical = separator == 'T' && !hasOffset && !lowercaseZ && fractionDigits <= 7 && trimmed.Length == text.Length;
        return true;
    }

    public static DateTimeOffset Parse(string text, string field) =>
        TryParse(text, out var value) ? value
            : throw new InvalidParametersException([new FieldError(field, "not an OCPI DateTime (RFC 3339, e.g. 2025-06-29T20:39:09Z)")]);

    /// <summary>Whether a last_updated is within the sane window (<see cref="EarliestLastUpdated"/> to now plus a day).</summary>
    public static bool IsSaneLastUpdated(DateTimeOffset value, DateTimeOffset now) =>
        value >= EarliestLastUpdated && value <= now + LastUpdatedFutureMargin;

    /// <summary>Truncates to the millisecond, the precision the endpoint stores and writes.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }

    /// <summary>
    /// The time of a change to an own object, later than the one it replaces: the object's last_updated never goes
    /// back, even when two changes of one millisecond (or clocks of two instances) disagree.
    /// </summary>
    public static DateTimeOffset LaterThan(DateTimeOffset now, DateTimeOffset? previous) => previous >= now ? previous.Value.AddMilliseconds(1) : now;

    public static string Format(DateTimeOffset value) =>
        Normalize(value).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFF'Z'", CultureInfo.InvariantCulture);

    private static bool Digits(ReadOnlySpan<char> text, int start, int count, out int value)
    {
        value = 0;
        if (start + count > text.Length) return false;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(text[i])) return false;
            value = value * 10 + (text[i] - '0');
        }
        return true;
    }
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
        if (!OcpiDateTime.TryParse(buffer[..written], out var value, out var canonical))
            throw new JsonException("not an OCPI DateTime (RFC 3339, e.g. 2025-06-29T20:39:09Z)");
        if (!canonical) Tolerance.TolerantReader.ConvertedLeniently();
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(OcpiDateTime.Format(value));
}

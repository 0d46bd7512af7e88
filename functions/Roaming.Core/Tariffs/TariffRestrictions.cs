using System.Globalization;
using Roaming.Core.Transport;

namespace Roaming.Core.Tariffs;

/// <summary>
/// OCPI TariffRestrictions: when all set fields hold (logical AND), the element's components may price.
/// Times and dates are kept as the spec's strings and checked here against the spec's patterns, so a
/// tariff that would be misread (e.g. "7:00" or "2025-13-01") is refused when it arrives.
/// </summary>
public sealed record TariffRestrictions : IOcpiValidatable
{
    public string? StartTime { get; init; }
    public string? EndTime { get; init; }
    public string? StartDate { get; init; }
    public string? EndDate { get; init; }
    public decimal? MinKwh { get; init; }
    public decimal? MaxKwh { get; init; }
    public decimal? MinCurrent { get; init; }
    public decimal? MaxCurrent { get; init; }
    public decimal? MinPower { get; init; }
    public decimal? MaxPower { get; init; }
    public int? MinDuration { get; init; }
    public int? MaxDuration { get; init; }
    public List<DayOfWeek>? DayOfWeek { get; init; }
    public ReservationRestrictionType? Reservation { get; init; }

    public void Validate(OcpiValidator v)
    {
        CheckTime(v, "start_time", StartTime);
        CheckTime(v, "end_time", EndTime);
        CheckDate(v, "start_date", StartDate);
        CheckDate(v, "end_date", EndDate);
        if (MinDuration < 0) v.Fail("min_duration", "must not be negative");
        if (MaxDuration < 0) v.Fail("max_duration", "must not be negative");
        v.EnumList("day_of_week", DayOfWeek, OcpiLimits.TariffDaysOfWeek);
    }

    /// <summary>Minutes after local midnight of an "HH:mm" restriction time.</summary>
    public static bool TryParseTime(string? text, out int minutes)
    {
        minutes = 0;
        if (text is not { Length: 5 } || text[2] != ':' || !IsDigits(text.AsSpan(0, 2)) || !IsDigits(text.AsSpan(3, 2))) return false;
        var h = (text[0] - '0') * 10 + (text[1] - '0');
        var m = (text[3] - '0') * 10 + (text[4] - '0');
        if (h > 23 || m > 59) return false;
        minutes = h * 60 + m;
        return true;
    }

    /// <summary>A "yyyy-MM-dd" restriction date.</summary>
    public static bool TryParseDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date)
        && text![0] is '1' or '2';

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (c is < '0' or > '9') return false;
        return true;
    }

    private static void CheckTime(OcpiValidator v, string field, string? value)
    {
        if (value is not null && !TryParseTime(value, out _)) v.Fail(field, "must be a 24h time HH:mm with leading zeros");
    }

    private static void CheckDate(OcpiValidator v, string field, string? value)
    {
        if (value is not null && !TryParseDate(value, out _)) v.Fail(field, "must be a date yyyy-MM-dd");
    }
}

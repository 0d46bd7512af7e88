using System.Globalization;

namespace Roaming.Core.Tariffs.Pricing;

/// <summary>
/// Where and when a restriction is looked at: one instant inside a billed period (its midpoint), in the
/// location's local time, with the energy charged and the time elapsed by then, and the period's
/// current and power extremes.
/// </summary>
internal struct Probe
{
    public int LocalMinute;
    public int LocalDay;
    public decimal Kwh;
    public long ElapsedTicks;
    public int PeriodIndex;
    public decimal? MinCurrent, MaxCurrent, MinPower, MaxPower;
}

/// <summary>A TariffRestrictions parsed once into integers and day numbers, so checking it per period is cheap.</summary>
internal sealed class CompiledRestrictions
{
    public const int MinutesPerDay = 24 * 60;

    public readonly int ElementIndex;
    public readonly bool HasTimeWindow;
    public readonly int StartMinute, EndMinute;
    public readonly int StartDay = int.MinValue, EndDay = int.MaxValue;
    public readonly int DayMask;
    public readonly decimal? MinKwh, MaxKwh, MinCurrent, MaxCurrent, MinPower, MaxPower;
    public readonly long MinDurationTicks = long.MinValue, MaxDurationTicks = long.MaxValue;
    public readonly ReservationRestrictionType? Reservation;

    public CompiledRestrictions(int elementIndex, TariffRestrictions? r)
    {
        ElementIndex = elementIndex;
        if (r is null) return;
        if (r.StartTime is not null || r.EndTime is not null)
        {
            HasTimeWindow = true;
            StartMinute = r.StartTime is null ? 0 : ParseTime(r.StartTime, "start_time");
            // The spec ends a day with 00:00; an absent end_time also runs to the end of the day.
            var end = r.EndTime is null ? MinutesPerDay : ParseTime(r.EndTime, "end_time");
            EndMinute = end == 0 ? MinutesPerDay : end;
        }
        if (r.StartDate is not null) StartDay = ParseDate(r.StartDate, "start_date");
        if (r.EndDate is not null) EndDay = ParseDate(r.EndDate, "end_date");
        if (r.DayOfWeek is { Count: > 0 } days)
            foreach (var d in days) DayMask |= 1 << (int)d;
        MinKwh = r.MinKwh; MaxKwh = r.MaxKwh;
        MinCurrent = r.MinCurrent; MaxCurrent = r.MaxCurrent;
        MinPower = r.MinPower; MaxPower = r.MaxPower;
        if (r.MinDuration is { } min) MinDurationTicks = min * TimeSpan.TicksPerSecond;
        if (r.MaxDuration is { } max) MaxDurationTicks = max * TimeSpan.TicksPerSecond;
        Reservation = r.Reservation;
    }

    /// <summary>Whether the local calendar (time of day, weekday, date) matters, so the session must be cut at local midnights.</summary>
    public bool UsesCalendar => HasTimeWindow || DayMask != 0 || StartDay != int.MinValue || EndDay != int.MaxValue;

    public bool Holds(in Probe p)
    {
        if (!InTimeWindow(p.LocalMinute) || !OnDay(p.LocalDay) || !InDates(p.LocalDay)) return false;
        if (MinKwh is { } minKwh && p.Kwh < minKwh) return false;
        if (MaxKwh is { } maxKwh && p.Kwh >= maxKwh) return false;
        if (p.ElapsedTicks < MinDurationTicks || p.ElapsedTicks >= MaxDurationTicks) return false;
        if (MinCurrent is { } minA && !AtLeast(minA, p.MinCurrent, p.MaxCurrent, p, "min_current", "MIN_CURRENT")) return false;
        if (MaxCurrent is { } maxA && !Below(maxA, p.MaxCurrent, p.MinCurrent, p, "max_current", "MAX_CURRENT")) return false;
        if (MinPower is { } minW && !AtLeast(minW, p.MinPower, p.MaxPower, p, "min_power", "MIN_POWER")) return false;
        if (MaxPower is { } maxW && !Below(maxW, p.MaxPower, p.MinPower, p, "max_power", "MAX_POWER")) return false;
        return true;
    }

    /// <summary>start_time inclusive, end_time exclusive; an end at or before the start wraps past midnight.</summary>
    private bool InTimeWindow(int minute) => !HasTimeWindow
        || (StartMinute < EndMinute ? minute >= StartMinute && minute < EndMinute : minute >= StartMinute || minute < EndMinute);

    /// <summary>Day numbers count from Monday 0001-01-01, so modulo 7 is the ISO weekday, Monday 0.</summary>
    private bool OnDay(int day) => DayMask == 0 || (DayMask & (1 << (day % 7))) != 0;

    private bool InDates(int day) => day >= StartDay && day < EndDay;

    /// <summary>
    /// min_current/min_power hold while the period's minimum reaches the limit. Without a minimum the
    /// period's maximum can still decide it (a maximum below the limit fails it); otherwise the CDR lacks
    /// what the tariff needs, which is an error rather than a guess.
    /// </summary>
    private bool AtLeast(decimal limit, decimal? periodMin, decimal? periodMax, in Probe p, string field, string dimension)
    {
        if (periodMin is { } min) return min >= limit;
        if (periodMax is { } max && max < limit) return false;
        throw Missing(p, field, dimension);
    }

    private bool Below(decimal limit, decimal? periodMax, decimal? periodMin, in Probe p, string field, string dimension)
    {
        if (periodMax is { } max) return max < limit;
        if (periodMin is { } min && min >= limit) return false;
        throw Missing(p, field, dimension);
    }

    private TariffPricingException Missing(in Probe p, string field, string dimension) =>
        new($"charging period {p.PeriodIndex} carries no {dimension} dimension, which tariff element {ElementIndex} needs for its {field} restriction");

    /// <summary>The first restriction that fails at the probe, in words, for errors that must say why.</summary>
    public string WhyNot(in Probe p, bool reservationPhase)
    {
        if (Reservation is { } r && !reservationPhase) return $"reservation {OcpiName.Of(r)}: the session has no reservation time";
        if (Reservation is null && reservationPhase) return "no reservation restriction: it does not price reservation time";
        if (!InTimeWindow(p.LocalMinute))
            return $"time window {Hhmm(StartMinute)}-{Hhmm(EndMinute)} excludes local time {Hhmm(p.LocalMinute)}";
        if (!OnDay(p.LocalDay)) return $"day_of_week excludes {OcpiName.Of((DayOfWeek)(p.LocalDay % 7))}";
        if (!InDates(p.LocalDay))
            return $"dates {Date(StartDay)}..{Date(EndDay)} (end exclusive) exclude local date {Date(p.LocalDay)}";
        if (MinKwh is { } minKwh && p.Kwh < minKwh) return $"min_kwh {minKwh} not reached";
        if (MaxKwh is { } maxKwh && p.Kwh >= maxKwh) return $"max_kwh {maxKwh} exceeded";
        if (p.ElapsedTicks < MinDurationTicks) return $"min_duration {MinDurationTicks / TimeSpan.TicksPerSecond} s not reached";
        if (p.ElapsedTicks >= MaxDurationTicks) return $"max_duration {MaxDurationTicks / TimeSpan.TicksPerSecond} s exceeded";
        return Holds(p) ? "holds" : "current or power limits exclude the charging period";
    }

    private static string Hhmm(int minute) => $"{minute / 60 % 24:00}:{minute % 60:00}";

    private static string Date(int day) => day switch
    {
        int.MinValue => "(open)",
        int.MaxValue => "(open)",
        _ => DateOnly.FromDayNumber(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    private int ParseTime(string text, string field) => TariffRestrictions.TryParseTime(text, out var m) ? m
        : throw new TariffPricingException($"tariff element {ElementIndex}: {field} '{text}' is not HH:mm");

    private int ParseDate(string text, string field) => TariffRestrictions.TryParseDate(text, out var d) ? d.DayNumber
        : throw new TariffPricingException($"tariff element {ElementIndex}: {field} '{text}' is not yyyy-MM-dd");
}

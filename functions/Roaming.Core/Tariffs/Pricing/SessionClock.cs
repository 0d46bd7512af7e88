using System.Collections.Concurrent;

namespace Roaming.Core.Tariffs.Pricing;

/// <summary>
/// The location's wall clock over one session: the UTC offsets in force and the instants they change
/// (daylight saving), so local time is an addition instead of a time zone lookup per period, and the
/// instants at which a restriction on local time can switch, so periods are cut there.
/// </summary>
internal sealed class SessionClock
{
    private long[] _changes = new long[4];
    private long[] _offsets = new long[4];
    private int _count;

    public void Reset(TimeZoneInfo zone, long startUtc, long endUtc)
    {
        _count = 0;
        var year = new DateTime(startUtc).Year;
        var offsets = YearOf(zone, year);
        Add(long.MinValue, offsets.OffsetAt(startUtc));
        while (true)
        {
            for (var i = 0; i < offsets.Changes.Length; i++)
                if (offsets.Changes[i] > startUtc && offsets.Changes[i] < endUtc) Add(offsets.Changes[i], offsets.Offsets[i + 1]);
            if (offsets.EndUtc >= endUtc) break;
            offsets = YearOf(zone, ++year);
        }
    }

    /// <summary>
    /// Asking the time zone costs more than pricing a short session, so each zone's offsets and changes
    /// are worked out once per UTC year and shared; the last year used is kept at hand.
    /// </summary>
    private YearOffsets YearOf(TimeZoneInfo zone, int year)
    {
        if (ReferenceEquals(zone, _lastZone) && _lastYear is { } last && last.Year == year) return last;
        _lastZone = zone;
        return _lastYear = Years.GetOrAdd((zone.Id, year), static (key, z) => YearOffsets.Build(z, key.Year), zone);
    }

    private static readonly ConcurrentDictionary<(string Zone, int Year), YearOffsets> Years = new();
    private TimeZoneInfo? _lastZone;
    private YearOffsets? _lastYear;

    private sealed class YearOffsets
    {
        public int Year;
        public long EndUtc;
        /// <summary>Offsets[0] holds from the year's start, Offsets[i + 1] from Changes[i].</summary>
        public long[] Changes = [];
        public long[] Offsets = [];

        public long OffsetAt(long utc)
        {
            var i = Changes.Length;
            while (i > 0 && Changes[i - 1] > utc) i--;
            return Offsets[i];
        }

        public static YearOffsets Build(TimeZoneInfo zone, int year)
        {
            long t = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks, end = t + (DateTime.IsLeapYear(year) ? 366 : 365) * TimeSpan.TicksPerDay;
            List<long> changes = [];
            List<long> offsets = [OffsetTicks(zone, t)];
            // Offsets change at most a few times a year, so a day never hides two changes.
            while (t < end)
            {
                var next = Math.Min(t + TimeSpan.TicksPerDay, end);
                var nextOffset = OffsetTicks(zone, next);
                if (nextOffset != offsets[^1])
                {
                    long lo = t, hi = next;
                    while (hi - lo > 1)
                    {
                        var mid = lo + (hi - lo) / 2;
                        if (OffsetTicks(zone, mid) == offsets[^1]) lo = mid; else hi = mid;
                    }
                    changes.Add(hi);
                    offsets.Add(nextOffset);
                }
                t = next;
            }
            return new YearOffsets { Year = year, EndUtc = end, Changes = [.. changes], Offsets = [.. offsets] };
        }
    }

    public long OffsetAt(long utc)
    {
        var i = _count - 1;
        while (i > 0 && _changes[i] > utc) i--;
        return _offsets[i];
    }

    public long Local(long utc) => utc + OffsetAt(utc);

    /// <summary>
    /// Adds to <paramref name="into"/> every UTC instant strictly inside (start, end) at which the local
    /// clock shows one of <paramref name="minutes"/> (a time in a DST gap has none, a repeated time has two),
    /// and the offset changes themselves, where local time jumps across such minutes.
    /// </summary>
    public void AddLocalBoundaries(ReadOnlySpan<int> minutes, long startUtc, long endUtc, ref long[] into, ref int count)
    {
        if (minutes.IsEmpty) return;
        var firstDay = Local(startUtc) / TimeSpan.TicksPerDay;
        var lastDay = Local(endUtc) / TimeSpan.TicksPerDay;
        for (var day = firstDay; day <= lastDay; day++)
        {
            foreach (var minute in minutes)
            {
                var local = day * TimeSpan.TicksPerDay + minute * TimeSpan.TicksPerMinute;
                for (var i = 0; i < _count; i++)
                {
                    if (!IsFirstOf(i)) continue;
                    var utc = local - _offsets[i];
                    if (utc > startUtc && utc < endUtc && OffsetAt(utc) == _offsets[i]) GrowableArray.Add(ref into, ref count, utc);
                }
            }
        }
        for (var i = 1; i < _count; i++)
            if (_changes[i] > startUtc && _changes[i] < endUtc) GrowableArray.Add(ref into, ref count, _changes[i]);
    }

    /// <summary>True for the first occurrence of an offset, so a zone that returns to an offset is not tried twice.</summary>
    private bool IsFirstOf(int i)
    {
        for (var j = 0; j < i; j++) if (_offsets[j] == _offsets[i]) return false;
        return true;
    }

    private void Add(long change, long offset)
    {
        if (_count == _changes.Length)
        {
            Array.Resize(ref _changes, _count * 2);
            Array.Resize(ref _offsets, _count * 2);
        }
        _changes[_count] = change;
        _offsets[_count++] = offset;
    }

    private static long OffsetTicks(TimeZoneInfo zone, long utc) =>
        zone.GetUtcOffset(new DateTime(utc, DateTimeKind.Utc)).Ticks;
}

/// <summary>Appending to a reused buffer that grows by doubling, for the per-thread workspace.</summary>
internal static class GrowableArray
{
    public static void Add<T>(ref T[] array, ref int count, T value)
    {
        if (count == array.Length) Array.Resize(ref array, array.Length * 2);
        array[count++] = value;
    }
}

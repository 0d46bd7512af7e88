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

    public int ChangeCount => _count - 1;
    public long ChangeAt(int i) => _changes[i + 1];

    public void Reset(TimeZoneInfo zone, long startUtc, long endUtc)
    {
        _count = 0;
        var first = OffsetTicks(zone, startUtc);
        Add(long.MinValue, first);
        if (!zone.SupportsDaylightSavingTime) return;
        // Offsets change at most a few times a year, so one change per day is the most a day-long step can hide.
        var t = startUtc;
        var offset = first;
        while (t < endUtc)
        {
            var next = Math.Min(t + TimeSpan.TicksPerDay, endUtc);
            var nextOffset = OffsetTicks(zone, next);
            if (nextOffset != offset)
            {
                long lo = t, hi = next;
                while (hi - lo > 1)
                {
                    var mid = lo + (hi - lo) / 2;
                    if (OffsetTicks(zone, mid) == offset) lo = mid; else hi = mid;
                }
                Add(hi, nextOffset);
                offset = nextOffset;
            }
            t = next;
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

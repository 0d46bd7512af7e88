using System.Globalization;

namespace Roaming.Azure.Tables;

/// <summary>
/// Row keys that sort by time, "~lu|{ticks}|…", shared by the locations' change index and the flat objects' index
/// entries, so a window of last_updated times is one range of keys (ticks as 19 digits sort as the times do).
/// </summary>
internal static class TimeKeys
{
    public const string Prefix = "~lu|";
    /// <summary>Past every time key.</summary>
    public const string End = "~lu}";

    /// <summary>Keys of this time or later sort at or after this one (null: the earliest).</summary>
    public static string Bound(DateTimeOffset? time) => Bound((time ?? DateTimeOffset.MinValue).UtcTicks);

    public static string Bound(long ticks) => Prefix + ticks.ToString("D19", CultureInfo.InvariantCulture) + "|";

    /// <summary>The filter of the time keys in [from, to) (to null: all from then on).</summary>
    public static string Window(DateTimeOffset? from, DateTimeOffset? to) =>
        $"RowKey ge {TableKey.Quote(Bound(from))} and RowKey lt {TableKey.Quote(to is { } t ? Bound(t) : End)}";

    /// <summary>The ticks of a time key.</summary>
    public static long Ticks(string key) => long.Parse(key.AsSpan(Prefix.Length, 19), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>What follows a time key's time.</summary>
    public static string Rest(string key) => key[(Prefix.Length + 20)..];
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure.Data.Tables;

namespace Roaming.Azure.Tables;

/// <summary>
/// An object stored as UTF-8 JSON across binary properties J0..J14 of at most 64 KiB each (the property limit),
/// which keeps a large object within one entity (1 MiB) without truncation or a second round trip.
/// </summary>
internal static class JsonChunks
{
    private const int ChunkSize = 64 * 1024;
    private const int MaxChunks = 15;
    public static readonly string[] PropertyNames = Enumerable.Range(0, MaxChunks).Select(i => "J" + i).ToArray();

    public static void Write<T>(TableEntity entity, T value, JsonTypeInfo<T> type)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        if (bytes.Length > ChunkSize * MaxChunks)
            throw new Core.Transport.InvalidParametersException($"The object is {bytes.Length / 1024} KiB of JSON; at most {ChunkSize * MaxChunks / 1024} KiB can be stored.");
        for (var i = 0; i < MaxChunks; i++)
        {
            var start = i * ChunkSize;
            if (start < bytes.Length) entity[PropertyNames[i]] = bytes.AsSpan(start, Math.Min(ChunkSize, bytes.Length - start)).ToArray();
            else entity.Remove(PropertyNames[i]);
        }
    }

    /// <summary>The stored JSON itself, as one buffer.</summary>
    public static ReadOnlyMemory<byte> Bytes(TableEntity entity)
    {
        var first = entity.GetBinary(PropertyNames[0]) ?? throw new InvalidDataException($"Entity {entity.PartitionKey}/{entity.RowKey} holds no JSON.");
        if (entity.GetBinary(PropertyNames[1]) is null) return first;
        // Over 64 KiB (rare): the chunks joined into one buffer of the exact size, copied once.
        var chunks = PropertyNames.Select(entity.GetBinary).TakeWhile(c => c is not null).ToList();
        var joined = new byte[chunks.Sum(c => c!.Length)];
        var at = 0;
        foreach (var chunk in chunks)
        {
            chunk!.CopyTo(joined, at);
            at += chunk.Length;
        }
        return joined;
    }

    public static T Read<T>(TableEntity entity, JsonTypeInfo<T> type) => JsonSerializer.Deserialize(Bytes(entity).Span, type)!;
}

/// <summary>
/// Table keys from OCPI identifiers. CiString ids compare case-insensitively, so keys are upper-case; the
/// characters Table Storage forbids in keys ('/', '\', '#', '?', controls), our separator '|' and '~' (which
/// starts the system rows, e.g. the outbox, so they sort after every object) are percent-escaped, so any
/// identifier a partner sends is a valid, unique key.
/// </summary>
internal static class TableKey
{
    public static string Encode(string id)
    {
        var upper = id.ToUpperInvariant();
        if (!upper.AsSpan().ContainsAny("/\\#?|%~") && !upper.Any(char.IsControl)) return upper;
        var sb = new System.Text.StringBuilder(upper.Length + 8);
        foreach (var c in upper)
        {
            if (c is '/' or '\\' or '#' or '?' or '|' or '%' or '~' || char.IsControl(c)) sb.Append('%').Append(((int)c).ToString("X2"));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>An OData string literal (quotes doubled).</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''") + "'";

    /// <summary>An OData DateTime literal.</summary>
    public static string DateTime(DateTimeOffset value) => $"datetime'{value.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffffffZ}'";

    public static string Prefix(Core.Storage.DataScope scope) => scope == Core.Storage.DataScope.Own ? "O" : "R";

    /// <summary>Partition keys of a scope, or of one party in it, as a [start, end) range ('}' sorts right after '|').</summary>
    public static (string Start, string End) Range(Core.Storage.DataScope scope, Core.Types.PartyKey? party)
    {
        var start = party is { } p ? $"{Prefix(scope)}|{p.CountryCode}|{Encode(p.PartyId)}|" : $"{Prefix(scope)}|";
        return (start, start[..^1] + "}");
    }

    public static string RangeFilter(string start, string end) => $"PartitionKey ge {Quote(start)} and PartitionKey lt {Quote(end)}";

    /// <summary>The rows a full pull did not see, as a filter to add: not stored since it started, inside the window it asked for.</summary>
    public static string NotSeen(Core.Storage.NotSeenQuery query) =>
        $" and Stored lt {DateTime(query.Since)}" + (query.UpdatedBefore is { } before ? $" and LastUpdated lt {DateTime(before)}" : "");

    /// <summary>Of the rows each filter selects, how many a full pull did not see, and how many there are (key-only scans).</summary>
    public static async Task<Core.Storage.NotSeenCount> CountNotSeenAsync(this global::Azure.Data.Tables.TableClient table, IEnumerable<string> filters,
        Core.Storage.NotSeenQuery query, CancellationToken ct)
    {
        var (notSeen, total) = (0, 0);
        foreach (var filter in filters)
        {
            total += await table.CountAsync(filter, ct);
            notSeen += await table.CountAsync(filter + NotSeen(query), ct);
        }
        return new Core.Storage.NotSeenCount(notSeen, total);
    }

    /// <summary>How many entities match: a key-only scan (X-Total-Count has no cheaper source in Table Storage).</summary>
    public static async Task<int> CountAsync(this global::Azure.Data.Tables.TableClient table, string filter, CancellationToken ct)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<global::Azure.Data.Tables.TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey"], cancellationToken: ct)) count++;
        return count;
    }
}

/// <summary>
/// Where the next page of a listing starts (keys, not an offset, so a deep page costs what the first costs)
/// and the total counted on the first page. Opaque to clients; one that points outside the range asked for is ignored.
/// </summary>
internal sealed record PageCursor(int Total, string PartitionKey, string RowKey)
{
    // Both keys may hold '|' (an index entry's row key does), so the row key's length says where it ends.
    public override string ToString() =>
        $"{Total.ToString(CultureInfo.InvariantCulture)}|{RowKey.Length.ToString(CultureInfo.InvariantCulture)}|{RowKey}{PartitionKey}";

    public static PageCursor? Parse(string? text, string start, string end)
    {
        if (text is null) return null;
        var first = text.IndexOf('|');
        var second = first < 0 ? -1 : text.IndexOf('|', first + 1);
        if (second < 0
            || !int.TryParse(text.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            || !int.TryParse(text.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length > text.Length - second - 1) return null;
        var cursor = new PageCursor(total, text[(second + 1 + length)..], text.Substring(second + 1, length));
        return string.CompareOrdinal(cursor.PartitionKey, start) >= 0 && string.CompareOrdinal(cursor.PartitionKey, end) < 0 ? cursor : null;
    }
}

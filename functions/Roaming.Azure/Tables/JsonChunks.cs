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

    public static T Read<T>(TableEntity entity, JsonTypeInfo<T> type)
    {
        var first = entity.GetBinary(PropertyNames[0]) ?? throw new InvalidDataException($"Entity {entity.PartitionKey}/{entity.RowKey} holds no JSON.");
        if (entity.GetBinary(PropertyNames[1]) is null) return JsonSerializer.Deserialize(first, type)!;
        using var buffer = new MemoryStream();
        foreach (var name in PropertyNames)
        {
            if (entity.GetBinary(name) is not { } chunk) break;
            buffer.Write(chunk);
        }
        return JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), type)!;
    }
}

/// <summary>
/// Table keys from OCPI identifiers. CiString ids compare case-insensitively, so keys are upper-case; the
/// characters Table Storage forbids in keys ('/', '\', '#', '?', controls) and our separator '|' are
/// percent-escaped, so any identifier a partner sends is a valid, unique key.
/// </summary>
internal static class TableKey
{
    public static string Encode(string id)
    {
        var upper = id.ToUpperInvariant();
        if (!upper.AsSpan().ContainsAny("/\\#?|%") && !upper.Any(char.IsControl)) return upper;
        var sb = new System.Text.StringBuilder(upper.Length + 8);
        foreach (var c in upper)
        {
            if (c is '/' or '\\' or '#' or '?' or '|' or '%' || char.IsControl(c)) sb.Append('%').Append(((int)c).ToString("X2"));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>An OData string literal (quotes doubled).</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "''") + "'";
}

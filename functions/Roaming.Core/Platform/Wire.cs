using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Roaming.Core.Transport;

namespace Roaming.Core.Platform;

/// <summary>
/// Maps one kind of stored object to and from one OCPI version's JSON. Objects are stored in one canonical shape;
/// each version a module is served in has its mappers in a folder beside the module (e.g. Locations/V221).
/// Reading validates: what comes out is a valid canonical object or a 2001 naming the field.
/// </summary>
public interface IWire<T>
{
    T Read(ReadOnlyMemory<byte> body, string what = "request body");
    T Read(JsonElement element, string what);
    /// <summary>Reads without validating, for an object completed (e.g. last_updated filled in) before it is checked.</summary>
    T Bind(JsonElement element);
    void Write(Utf8JsonWriter writer, T value);
}

/// <summary>A version whose JSON is the canonical shape (2.2.1 today): the source-generated contract, nothing to convert.</summary>
public sealed class JsonWire<T>(JsonTypeInfo<T> type) : IWire<T>
{
    public JsonTypeInfo<T> Type => type;

    public T Read(ReadOnlyMemory<byte> body, string what = "request body") => OcpiJson.Read(body, type, what);

    public T Read(JsonElement element, string what) => OcpiJson.Read(element, type, what);

    public T Bind(JsonElement element) => OcpiJson.Bind(element, type);

    public void Write(Utf8JsonWriter writer, T value) => JsonSerializer.Serialize(writer, value, type);
}

public static class WireExtensions
{
    public static void WriteList<T>(this IWire<T> wire, Utf8JsonWriter writer, IEnumerable<T> items)
    {
        writer.WriteStartArray();
        foreach (var item in items) wire.Write(writer, item);
        writer.WriteEndArray();
    }

    /// <summary>The object as a JSON tree in this version's shape, e.g. to send a PATCH of some of its fields.</summary>
    public static System.Text.Json.Nodes.JsonObject ToNode<T>(this IWire<T> wire, T value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer)) wire.Write(writer, value);
        return System.Text.Json.Nodes.JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }
}

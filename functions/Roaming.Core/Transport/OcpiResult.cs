using System.Buffers;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Roaming.Core.Transport;

/// <summary>What a handler answers: the data to wrap in the OCPI envelope, the status codes and extra headers.</summary>
public sealed class OcpiResult
{
    private Action<Utf8JsonWriter>? _writeData;

    public HttpStatusCode HttpStatus { get; init; } = HttpStatusCode.OK;
    public int StatusCode { get; init; } = OcpiStatus.Success;
    public string? StatusMessage { get; init; }
    public List<KeyValuePair<string, string>> Headers { get; } = [];
    /// <summary>Written without the OCPI envelope (the operator API answers plain JSON).</summary>
    public bool Plain { get; private init; }

    public static OcpiResult Ok(HttpStatusCode http = HttpStatusCode.OK) => new() { HttpStatus = http };

    public static OcpiResult Ok<T>(T data, JsonTypeInfo<T> typeInfo, HttpStatusCode http = HttpStatusCode.OK) =>
        new() { HttpStatus = http, _writeData = w => JsonSerializer.Serialize(w, data, typeInfo) };

    /// <summary>Data written by a module's wire mapper for the version of the route.</summary>
    public static OcpiResult Ok(Action<Utf8JsonWriter> writeData, HttpStatusCode http = HttpStatusCode.OK) =>
        new() { HttpStatus = http, _writeData = writeData };

    /// <summary>Data beside a status other than success, where the spec pairs them (a command REJECTED with 2003: unknown location).</summary>
    public static OcpiResult Ok(Action<Utf8JsonWriter> writeData, int statusCode, string? message) =>
        new() { StatusCode = statusCode, StatusMessage = message, _writeData = writeData };

    /// <summary>Plain JSON, for the operator API.</summary>
    public static OcpiResult Json<T>(T data, JsonTypeInfo<T> typeInfo, HttpStatusCode http = HttpStatusCode.OK) =>
        new() { HttpStatus = http, Plain = true, _writeData = w => JsonSerializer.Serialize(w, data, typeInfo) };

    /// <summary>Plain JSON written by hand (a generic operator list), for the operator API.</summary>
    public static OcpiResult Json(Action<Utf8JsonWriter> write, HttpStatusCode http = HttpStatusCode.OK) =>
        new() { HttpStatus = http, Plain = true, _writeData = write };

    public static OcpiResult Status(int statusCode, string message, HttpStatusCode http = HttpStatusCode.OK) =>
        new() { StatusCode = statusCode, StatusMessage = message, HttpStatus = http };

    public static OcpiResult From(OcpiException e) => new() { StatusCode = e.StatusCode, StatusMessage = e.Message, HttpStatus = e.HttpStatus };

    public OcpiResult WithHeader(string name, string value)
    {
        Headers.Add(new(name, value));
        return this;
    }

    /// <summary>The envelope: data (when there is any), status_code, status_message, timestamp. Plain results: the data alone.</summary>
    public ReadOnlyMemory<byte> WriteBody(DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            if (Plain)
            {
                if (_writeData is null) w.WriteNullValue(); else _writeData(w);
                w.Flush();
                return buffer.WrittenMemory;
            }
            w.WriteStartObject();
            if (_writeData is not null)
            {
                w.WritePropertyName("data"u8);
                _writeData(w);
            }
            w.WriteNumber("status_code"u8, StatusCode);
            if (StatusMessage is not null) w.WriteString("status_message"u8, StatusMessage);
            w.WriteString("timestamp"u8, OcpiDateTime.Format(now));
            w.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }
}

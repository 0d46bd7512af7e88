using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Roaming.Core.Tariffs;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Cdrs;

/// <summary>OCPI CDR (mod_cdrs): a finished session as billed, sealed with the data valid at its start.</summary>
public sealed record Cdr : IOcpiValidatable
{
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    public string? Id { get; init; }
    public DateTimeOffset? StartDateTime { get; init; }
    public DateTimeOffset? EndDateTime { get; init; }
    public string? SessionId { get; init; }
    public CdrToken? CdrToken { get; init; }
    public AuthMethod? AuthMethod { get; init; }
    public string? AuthorizationReference { get; init; }
    public CdrLocation? CdrLocation { get; init; }
    public string? MeterId { get; init; }
    public string? Currency { get; init; }
    public List<Tariff>? Tariffs { get; init; }
    public List<ChargingPeriod>? ChargingPeriods { get; init; }
    /// <summary>Kept byte for byte as it was read (see <see cref="VerbatimSignedDataConverter"/>).</summary>
    [JsonConverter(typeof(VerbatimSignedDataConverter))]
    public SignedData? SignedData { get; init; }
    public Price? TotalCost { get; init; }
    public Price? TotalFixedCost { get; init; }
    public decimal? TotalEnergy { get; init; }
    public Price? TotalEnergyCost { get; init; }
    public decimal? TotalTime { get; init; }
    public Price? TotalTimeCost { get; init; }
    public decimal? TotalParkingTime { get; init; }
    public Price? TotalParkingCost { get; init; }
    public Price? TotalReservationCost { get; init; }
    public string? Remark { get; init; }
    public string? InvoiceReferenceId { get; init; }
    public bool? Credit { get; init; }
    public string? CreditReferenceId { get; init; }
    public bool? HomeChargingCompensation { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.CiString("country_code", CountryCode, 2);
        v.CiString("party_id", PartyId, 3);
        // 39, not 36: a credit CDR appends to the id of the CDR it credits; any other CDR keeps to 36.
        v.CiString("id", Id, 39);
        if (Credit != true && Id is { Length: > 36 }) v.Fail("id", "longer than 36 characters (only a credit CDR's id may have 39)");
        v.Required("start_date_time", StartDateTime);
        v.Required("end_date_time", EndDateTime);
        if (StartDateTime > EndDateTime) v.Fail("end_date_time", "before start_date_time");
        v.CiString("session_id", SessionId, 36, required: false);
        v.Object("cdr_token", CdrToken);
        v.Required("auth_method", AuthMethod);
        v.CiString("authorization_reference", AuthorizationReference, 36, required: false);
        v.Object("cdr_location", CdrLocation);
        v.String("meter_id", MeterId, 255, required: false);
        v.String("currency", Currency, 3);
        v.List("tariffs", Tariffs, required: false);
        v.List("charging_periods", ChargingPeriods, atLeastOne: true);
        v.Object("signed_data", SignedData, required: false);
        v.Object("total_cost", TotalCost);
        v.Object("total_fixed_cost", TotalFixedCost, required: false);
        v.Required("total_energy", TotalEnergy);
        v.Object("total_energy_cost", TotalEnergyCost, required: false);
        v.Required("total_time", TotalTime);
        v.Object("total_time_cost", TotalTimeCost, required: false);
        v.Object("total_parking_cost", TotalParkingCost, required: false);
        v.Object("total_reservation_cost", TotalReservationCost, required: false);
        v.String("remark", Remark, 255, required: false);
        v.CiString("invoice_reference_id", InvoiceReferenceId, 39, required: false);
        v.CiString("credit_reference_id", CreditReferenceId, 39, required: false);
        if (Credit == true && CreditReferenceId is null) v.Fail("credit_reference_id", "required for a credit CDR");
        v.Required("last_updated", LastUpdated);
    }
}

/// <summary>OCPI CdrToken: the token that started the session.</summary>
public sealed record CdrToken : IOcpiValidatable
{
    /// <summary>
    /// The stored column naming the eMSP that owns the token ("CC/PID"): the one party a session or CDR is for, so a
    /// sender list gives each eMSP only its own (see <see cref="PartyObjects.PartyObjectSender{T}.MapList"/>).
    /// </summary>
    public const string RecipientColumn = "Recipient";

    public static IReadOnlyDictionary<string, string> RecipientOf(CdrToken? token) =>
        new Dictionary<string, string> { [RecipientColumn] = token is { CountryCode: { } cc, PartyId: { } pid } ? new PartyKey(cc, pid).ToString() : "" };

    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    public string? Uid { get; init; }
    public Tokens.TokenType? Type { get; init; }
    public string? ContractId { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.CiString("country_code", CountryCode, 2);
        v.CiString("party_id", PartyId, 3);
        v.CiString("uid", Uid, 36);
        v.Required("type", Type);
        v.CiString("contract_id", ContractId, 36);
    }
}

/// <summary>OCPI CdrLocation: the location as it was at the session start, with only the EVSE and connector used.</summary>
public sealed record CdrLocation : IOcpiValidatable
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? Address { get; init; }
    public string? City { get; init; }
    public string? PostalCode { get; init; }
    public string? State { get; init; }
    public string? Country { get; init; }
    public Locations.GeoLocation? Coordinates { get; init; }
    public string? EvseUid { get; init; }
    public string? EvseId { get; init; }
    public string? ConnectorId { get; init; }
    /// <summary>ConnectorType, an open list (new standards appear between versions): kept as sent.</summary>
    public string? ConnectorStandard { get; init; }
    public Locations.ConnectorFormat? ConnectorFormat { get; init; }
    public Locations.PowerType? ConnectorPowerType { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.CiString("id", Id, 36);
        v.String("name", Name, 255, required: false);
        v.String("address", Address, 45);
        v.String("city", City, 45);
        v.String("postal_code", PostalCode, 10, required: false);
        v.String("state", State, 20, required: false);
        v.String("country", Country, 3);
        v.Object("coordinates", Coordinates);
        v.CiString("evse_uid", EvseUid, 36);
        v.CiString("evse_id", EvseId, 48);
        v.CiString("connector_id", ConnectorId, 36);
        v.CiString("connector_standard", ConnectorStandard, Locations.OpenValues.MaxLength);
        v.Required("connector_format", ConnectorFormat);
        v.Required("connector_power_type", ConnectorPowerType);
    }
}

[JsonConverter(typeof(OcpiEnumConverter<AuthMethod>))]
public enum AuthMethod
{
    [JsonStringEnumMemberName("AUTH_REQUEST")] AuthRequest,
    [JsonStringEnumMemberName("COMMAND")] Command,
    [JsonStringEnumMemberName("WHITELIST")] Whitelist,
}

/// <summary>OCPI SignedData: metering values signed by the charge point (e.g. German Eichrecht).</summary>
public sealed record SignedData : IOcpiValidatable
{
    /// <summary>
    /// The object's JSON exactly as it arrived (spacing, escapes, number forms), written out again unchanged: a verifier
    /// of the signature (Eichrecht transparency software) may depend on every byte, so the endpoint never re-encodes it.
    /// </summary>
    [JsonIgnore]
    public byte[]? Verbatim { get; init; }

    public string? EncodingMethod { get; init; }
    public int? EncodingMethodVersion { get; init; }
    public string? PublicKey { get; init; }
    public List<SignedValue>? SignedValues { get; init; }
    public string? Url { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.CiString("encoding_method", EncodingMethod, 36);
        v.String("public_key", PublicKey, 512, required: false);
        v.List("signed_values", SignedValues, atLeastOne: true);
        v.String("url", Url, 512, required: false);
    }
}

public sealed record SignedValue : IOcpiValidatable
{
    public string? Nature { get; init; }
    public string? PlainData { get; init; }
    public string? SignedData { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.CiString("nature", Nature, 32);
        v.String("plain_data", PlainData, 5000);
        v.String("signed_data", SignedData, 5000);
    }
}

/// <summary>Reads signed_data as the model and keeps its bytes; writes the bytes it was read from, or the model when it was built in code.</summary>
public sealed class VerbatimSignedDataConverter : JsonConverter<SignedData>
{
    public override SignedData Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var element = document.RootElement;
        SignedData? value;
        try
        {
            value = element.Deserialize(CdrsJson.Default.SignedData);
        }
        catch (JsonException e)
        {
            // Thrown again without the inner path, so the reader puts the outer one (signed_data...) in front.
            throw new JsonException((e.Path is { Length: > 1 } path ? path[1..].TrimStart('.') + ": " : "") + e.Message.Split(" Path: ")[0]);
        }
        return (value ?? throw new JsonException("must be an object")) with { Verbatim = JsonMarshal.GetRawUtf8Value(element).ToArray() };
    }

    public override void Write(Utf8JsonWriter writer, SignedData value, JsonSerializerOptions options)
    {
        if (value.Verbatim is { } verbatim) writer.WriteRawValue(verbatim);
        else JsonSerializer.Serialize(writer, value, CdrsJson.Default.SignedData);
    }
}

/// <summary>
/// signed_data as it arrived, after a tolerant read. The reader works on a JSON tree when a CDR needs more than a plain
/// binding (and a record of the back office always does), and a tree writes every object anew; so the bytes are taken
/// again from the text the CDR was read from, when they still say what was read (a value the reader normalised inside
/// signed_data keeps its normalised form: what is kept is what was understood).
/// </summary>
public static class VerbatimSignedData
{
    public static Cdr Restore(Cdr cdr, ReadOnlyMemory<byte> json)
    {
        if (cdr.SignedData is not { } read) return cdr;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("signed_data", out var element)
                || element.ValueKind != JsonValueKind.Object) return cdr;
            var raw = JsonMarshal.GetRawUtf8Value(element);
            if (read.Verbatim is { } kept && raw.SequenceEqual(kept)) return cdr;
            var original = element.Deserialize(CdrsJson.Default.SignedData);
            return original is not null && JsonSerializer.SerializeToUtf8Bytes(original, CdrsJson.Default.SignedData).AsSpan()
                .SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(read, CdrsJson.Default.SignedData))
                ? cdr with { SignedData = read with { Verbatim = raw.ToArray() } }
                : cdr;
        }
        catch (JsonException)
        {
            return cdr; // the reader took it, so it is JSON; a form only the reader understands keeps what it made of it
        }
    }

    /// <summary>The CDR's own contract (2.2.1's) with signed_data kept as it arrived, for every read of a partner's or the back office's CDR.</summary>
    public sealed class Wire(Platform.JsonWire<Cdr> inner) : Platform.IWire<Cdr>
    {
        public Cdr Read(ReadOnlyMemory<byte> body, string what = "request body") => Restore(inner.Read(body, what), body);

        public Cdr Read(JsonElement element, string what) => Restore(inner.Read(element, what), Raw(element));

        public Cdr Bind(JsonElement element) => Restore(inner.Bind(element), Raw(element));

        public void Write(Utf8JsonWriter writer, Cdr value) => inner.Write(writer, value);

        private static ReadOnlyMemory<byte> Raw(JsonElement element) => JsonMarshal.GetRawUtf8Value(element).ToArray();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(SignedData))]
[JsonSerializable(typeof(Cdr))]
[JsonSerializable(typeof(List<Cdr>))]
public sealed partial class CdrsJson : JsonSerializerContext;

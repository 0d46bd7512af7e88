using System.Text.Json;
using System.Text.Json.Serialization;
using Roaming.Core.Tokens;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Commands;

/// <summary>OCPI CommandType (mod_commands): the command requested, the last segment of the receiver's URL.</summary>
[JsonConverter(typeof(OcpiEnumConverter<CommandType>))]
public enum CommandType
{
    [JsonStringEnumMemberName("CANCEL_RESERVATION")] CancelReservation,
    [JsonStringEnumMemberName("RESERVE_NOW")] ReserveNow,
    [JsonStringEnumMemberName("START_SESSION")] StartSession,
    [JsonStringEnumMemberName("STOP_SESSION")] StopSession,
    [JsonStringEnumMemberName("UNLOCK_CONNECTOR")] UnlockConnector,
}

/// <summary>OCPI CommandResponseType: the CPO's own answer to the request (not the charge point's).</summary>
[JsonConverter(typeof(OcpiEnumConverter<CommandResponseType>))]
public enum CommandResponseType
{
    [JsonStringEnumMemberName("NOT_SUPPORTED")] NotSupported,
    [JsonStringEnumMemberName("REJECTED")] Rejected,
    [JsonStringEnumMemberName("ACCEPTED")] Accepted,
    [JsonStringEnumMemberName("UNKNOWN_SESSION")] UnknownSession,
}

/// <summary>OCPI CommandResultType: the charge point's answer, sent later to the response_url.</summary>
[JsonConverter(typeof(OcpiEnumConverter<CommandResultType>))]
public enum CommandResultType
{
    [JsonStringEnumMemberName("ACCEPTED")] Accepted,
    [JsonStringEnumMemberName("CANCELED_RESERVATION")] CanceledReservation,
    [JsonStringEnumMemberName("EVSE_OCCUPIED")] EvseOccupied,
    [JsonStringEnumMemberName("EVSE_INOPERATIVE")] EvseInoperative,
    [JsonStringEnumMemberName("FAILED")] Failed,
    [JsonStringEnumMemberName("NOT_SUPPORTED")] NotSupported,
    [JsonStringEnumMemberName("REJECTED")] Rejected,
    [JsonStringEnumMemberName("TIMEOUT")] Timeout,
    [JsonStringEnumMemberName("UNKNOWN_RESERVATION")] UnknownReservation,
}

/// <summary>A command object: one of five, each naming where its result goes.</summary>
public interface ICommand : IOcpiValidatable
{
    string? ResponseUrl { get; }
}

/// <summary>OCPI CommandResponse: the CPO's answer in the HTTP response, with how long the result may take.</summary>
public sealed record CommandResponse : IOcpiValidatable
{
    public CommandResponseType? Result { get; init; }
    /// <summary>Seconds; no result within it and the sender may assume none comes.</summary>
    public int? Timeout { get; init; }
    public List<DisplayText>? Message { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("result", Result);
        v.Required("timeout", Timeout);
        if (Timeout < 0) v.Fail("timeout", "must not be negative");
        v.List("message", Message, required: false, max: OcpiLimits.DisplayTexts);
    }
}

/// <summary>OCPI CommandResult: the charge point's answer, POSTed to the response_url.</summary>
public sealed record CommandResult : IOcpiValidatable
{
    public CommandResultType? Result { get; init; }
    public List<DisplayText>? Message { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("result", Result);
        v.List("message", Message, required: false, max: OcpiLimits.DisplayTexts);
    }
}

/// <summary>OCPI CancelReservation: the reservation_id the sender gave its ReserveNow.</summary>
public sealed record CancelReservation : ICommand
{
    public string? ResponseUrl { get; init; }
    public string? ReservationId { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Url("response_url", ResponseUrl);
        v.CiString("reservation_id", ReservationId, 36);
    }
}

/// <summary>OCPI ReserveNow: a (specific EVSE of a) location kept for a token until the expiry date.</summary>
public sealed record ReserveNow : ICommand
{
    public string? ResponseUrl { get; init; }
    public Token? Token { get; init; }
    public DateTimeOffset? ExpiryDate { get; init; }
    public string? ReservationId { get; init; }
    public string? LocationId { get; init; }
    public string? EvseUid { get; init; }
    public string? AuthorizationReference { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Url("response_url", ResponseUrl);
        v.Object("token", Token);
        v.Required("expiry_date", ExpiryDate);
        v.CiString("reservation_id", ReservationId, 36);
        v.CiString("location_id", LocationId, 36);
        v.CiString("evse_uid", EvseUid, 36, required: false);
        v.CiString("authorization_reference", AuthorizationReference, 36, required: false);
    }
}

/// <summary>OCPI StartSession: a session started for a token at a location (an EVSE, a connector of it).</summary>
public sealed record StartSession : ICommand
{
    public string? ResponseUrl { get; init; }
    public Token? Token { get; init; }
    public string? LocationId { get; init; }
    public string? EvseUid { get; init; }
    public string? ConnectorId { get; init; }
    public string? AuthorizationReference { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Url("response_url", ResponseUrl);
        v.Object("token", Token);
        v.CiString("location_id", LocationId, 36);
        v.CiString("evse_uid", EvseUid, 36, required: false);
        v.CiString("connector_id", ConnectorId, 36, required: false);
        if (ConnectorId is not null && EvseUid is null) v.Fail("evse_uid", "required when connector_id is set");
        v.CiString("authorization_reference", AuthorizationReference, 36, required: false);
    }
}

/// <summary>OCPI StopSession.</summary>
public sealed record StopSession : ICommand
{
    public string? ResponseUrl { get; init; }
    public string? SessionId { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Url("response_url", ResponseUrl);
        v.CiString("session_id", SessionId, 36);
    }
}

/// <summary>OCPI UnlockConnector: for help desks only, never sent on a driver's own request.</summary>
public sealed record UnlockConnector : ICommand
{
    public string? ResponseUrl { get; init; }
    public string? LocationId { get; init; }
    public string? EvseUid { get; init; }
    public string? ConnectorId { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Url("response_url", ResponseUrl);
        v.CiString("location_id", LocationId, 36);
        v.CiString("evse_uid", EvseUid, 36);
        v.CiString("connector_id", ConnectorId, 36);
    }
}

public static class CommandTypes
{
    public static string Name(CommandType type) => EnumNames.Of(typeof(CommandType)).NameOf(type);

    /// <summary>The command a URL segment names; anything else is 2001.</summary>
    public static CommandType Parse(string value, string field = "command")
    {
        if (EnumNames.Of(typeof(CommandType)).TryParse(value, out var type, out _)) return (CommandType)type;
        throw new InvalidParametersException([new FieldError(field, $"'{value}' is not a command ({EnumNames.Of(typeof(CommandType)).List})")]);
    }

    public static string Name(CommandResultType type) => EnumNames.Of(typeof(CommandResultType)).NameOf(type);

    public static string Name(CommandResponseType type) => EnumNames.Of(typeof(CommandResponseType)).NameOf(type);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(CommandResponse))]
[JsonSerializable(typeof(CommandResult))]
[JsonSerializable(typeof(CancelReservation))]
[JsonSerializable(typeof(ReserveNow))]
[JsonSerializable(typeof(StartSession))]
[JsonSerializable(typeof(StopSession))]
[JsonSerializable(typeof(UnlockConnector))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class CommandsJson : JsonSerializerContext;

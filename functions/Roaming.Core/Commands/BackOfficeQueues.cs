using System.Text.Json;
using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Commands;

/// <summary>
/// The queues between the endpoint and the back offices (documented in the README): requests a partner's eMSP (or SCSP)
/// sent to our CPO, for the charging station management system to carry out; outcomes of the requests our eMSP sent,
/// for the CSP's app. The messages are JSON, one request or outcome each.
/// </summary>
public static class BackOfficeQueues
{
    /// <summary>Accepted commands and charging profile requests, for the CSMS (one message per request).</summary>
    public const string CommandsOut = "commands-out";

    /// <summary>Finished commands and charging profile requests we sent, for the CSP's app (one message per outcome).</summary>
    public const string CommandResults = "command-results";

    /// <summary>The back office's reports of charge points' answers to the requests on "commands-out" (one message per result).</summary>
    public const string CommandResultsIn = "command-results-in";
}

/// <summary>
/// A request on "commands-out": the CSMS carries it out and reports the charge point's answer with
/// <c>POST /operator/{module}/{id}/result</c> (<see cref="ResultPath"/>) before <see cref="Deadline"/>.
/// </summary>
/// <param name="Request">the command or charging profile request as the sender wrote it, without its response_url</param>
/// <param name="ReservationKey">RESERVE_NOW and CANCEL_RESERVATION: the reservation's key, unique across senders (the spec's
/// reservation_id is unique per sender only, and must not reach the charge point as it is)</param>
public sealed record BackOfficeRequest(string Id, string Module, string Type, string CountryCode, string PartyId,
    string FromCountryCode, string FromPartyId, string PartnerId, JsonElement Request, DateTimeOffset Deadline, string ResultPath,
    string? ReservationKey = null);

/// <summary>An outcome on "command-results": a request of ours finished, or a later result arrived (a reservation the CPO cancelled).</summary>
/// <param name="Outcome">the result (ACCEPTED, REJECTED, …), the receiver's refusal, TIMEOUT, or absent when the call failed (<see cref="Error"/>)</param>
public sealed record RequestOutcome(string Id, string Module, string Type, string CountryCode, string PartyId, string PartnerId,
    string ToCountryCode, string ToPartyId, string? Outcome, JsonElement? Response, JsonElement? Result, string? Error, DateTimeOffset At);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(BackOfficeRequest))]
[JsonSerializable(typeof(RequestOutcome))]
public sealed partial class BackOfficeJson : JsonSerializerContext;

using System.Text.Json;
using Microsoft.Extensions.Logging;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Tokens;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Commands;

/// <summary>
/// The CPO's commands receiver (mod_commands, <c>POST {commands}/{command}</c>): a command from an eMSP, checked as the
/// spec and our data allow, is answered at once with the CPO's own CommandResponse; an accepted one goes to the back
/// office ("commands-out"), whose report of the charge point's answer reaches the eMSP's response_url later.
/// </summary>
public sealed class CommandsReceiver(RequestReceiver requests, ILocationStore locations, Reservations reservations,
    ISessionLookup sessions, TokenPseudonyms pseudonyms, TimeProvider clock, ILogger<CommandsReceiver> logger)
{
    /// <summary>Who may send commands: eMSPs (through a hub, those known behind it).</summary>
    public static readonly IReadOnlyList<Role> Senders = [Role.Emsp];

    public void Map(InterfaceRoutes routes, CommandsWire wire) => routes.Post("/{command}", ctx => PostAsync(ctx, wire));

    private async Task<OcpiResult> PostAsync(OcpiContext ctx, CommandsWire wire)
    {
        var type = CommandTypes.Parse(ctx.Value("command"));
        var from = RequestParties.Sender(ctx, Senders);
        var ours = ctx.OwnParty().Key;
        var command = wire.Read(type, ctx.Request.Body);
        var verdict = await CheckAsync(command, from, ours, ctx.Cancellation);
        if (command is StartSession start)
            logger.LogInformation("START_SESSION for token {Token} at location {LocationId}: {Result}",
                pseudonyms.Of(TokensModule.Address(start.Token!)), start.LocationId, CommandTypes.Name(verdict.Result));
        var incoming = new Incoming(ModuleIds.Commands, CommandTypes.Name(type), ctx.Partner, from, ours, Recorded(command), command.ResponseUrl!)
        {
            ReservationKey = command switch
            {
                ReserveNow r => Reservations.Key(from, r.ReservationId!),
                CancelReservation c => Reservations.Key(from, c.ReservationId!),
                _ => null,
            },
        };
        var response = new CommandResponse
        {
            Result = verdict.Result,
            Timeout = requests.TimeoutSeconds,
            Message = verdict.Message is null ? null : [new DisplayText { Language = "en", Text = verdict.Message }],
        };
        var recorded = JsonSerializer.SerializeToElement(response, CommandsJson.Default.CommandResponse);
        if (verdict.Result == CommandResponseType.Accepted) await requests.AcceptAsync(incoming, recorded, ctx.Cancellation);
        else await requests.RefuseAsync(incoming, recorded, CommandTypes.Name(verdict.Result), ctx.Cancellation);
        return OcpiResult.Ok(w => wire.Response.Write(w, response), verdict.Status, verdict.Message);
    }

    /// <summary>The CPO's answer: what the spec asks it to check, against what it holds.</summary>
    private async Task<Verdict> CheckAsync(ICommand command, PartyKey from, PartyKey ours, CancellationToken ct)
    {
        switch (command)
        {
            case StartSession start:
            {
                if (start.Token!.Party != from) return Verdict.Rejected("The token is not one of the sending eMSP's.");
                if (await FindAsync(ours, start.LocationId!, start.EvseUid, start.ConnectorId, ct) is { } missing) return missing;
                if (start.EvseUid is { } uid && start.ConnectorId is null
                    && (await locations.GetEvseAsync(DataScope.Own, ours, start.LocationId!, uid, ct))?.Capabilities?.Contains("START_SESSION_CONNECTOR_REQUIRED", StringComparer.OrdinalIgnoreCase) == true)
                    return Verdict.Rejected("This EVSE needs the connector_id to start a session.");
                // The CPO SHALL NOT check the token's validity (mod_commands): its eMSP authorized it before sending, and
                // may send tokens (APP_USER, AD_HOC_USER) never pushed to us. The station may still ask for it over OCPP.
                return Verdict.Accepted;
            }
            case StopSession stop:
            {
                var session = await sessions.FindAsync(ours, stop.SessionId!, ct);
                if (session is null) return new Verdict(CommandResponseType.UnknownSession, OcpiStatus.Success, "Unknown session.");
                return session.TokenParty == from ? Verdict.Accepted : Verdict.Rejected("The session is not one of the sending eMSP's.");
            }
            case ReserveNow reserve:
            {
                if (reserve.Token!.Party != from) return Verdict.Rejected("The token is not one of the sending eMSP's.");
                if (reserve.ExpiryDate <= clock.GetUtcNow())
                    throw new InvalidParametersException([new FieldError("expiry_date", "lies in the past")]);
                // The CPO SHALL NOT check the token of a ReserveNow (mod_commands): the eMSP authorized it.
                return await FindAsync(ours, reserve.LocationId!, reserve.EvseUid, null, ct) ?? Verdict.Accepted;
            }
            case CancelReservation cancel:
                return await reservations.FindActiveAsync(ours, from, cancel.ReservationId!, ct) is null
                    ? Verdict.Rejected("Unknown reservation.")
                    : Verdict.Accepted;
            case UnlockConnector unlock:
                return await FindAsync(ours, unlock.LocationId!, unlock.EvseUid, unlock.ConnectorId, ct) ?? Verdict.Accepted;
            default:
                throw new ArgumentOutOfRangeException(nameof(command));
        }
    }

    /// <summary>The location, EVSE and connector named must be ours: REJECTED with 2003 otherwise, as the spec's flow shows.</summary>
    private async Task<Verdict?> FindAsync(PartyKey ours, string locationId, string? evseUid, string? connectorId, CancellationToken ct)
    {
        if (evseUid is null)
            return await locations.GetHeaderAsync(DataScope.Own, ours, locationId, ct) is null ? Unknown("location") : null;
        var evse = await locations.GetEvseAsync(DataScope.Own, ours, locationId, evseUid, ct);
        if (evse is null) return Unknown("location or EVSE");
        if (connectorId is not null && evse.Connectors?.Any(c => string.Equals(c.Id, connectorId, StringComparison.OrdinalIgnoreCase)) != true)
            return Unknown("connector");
        return null;
    }

    private static Verdict Unknown(string what) => new(CommandResponseType.Rejected, OcpiStatus.UnknownLocation, $"Unknown {what}.");

    /// <summary>The command as recorded and handed to the back office: without its response_url, which stays with the request.</summary>
    private static JsonElement Recorded(ICommand command) =>
        RequestJson.Element(JsonSerializer.SerializeToNode(command, command.GetType(), CommandsJson.Default)!.AsObject(), without: "response_url");

    private sealed record Verdict(CommandResponseType Result, int Status, string? Message)
    {
        public static readonly Verdict Accepted = new(CommandResponseType.Accepted, OcpiStatus.Success, null);

        public static Verdict Rejected(string message) => new(CommandResponseType.Rejected, OcpiStatus.Success, message);
    }
}

using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Web;
using Roaming.Core.Operator;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Tokens;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Commands;

/// <summary>
/// The back office's commands on /operator/commands. A CSP's app sends one (<c>POST</c>) to a CPO partner and reads how
/// it went (<c>GET /{id}</c>, lists with <c>?scope=sent|received</c>); the outcome also arrives on "command-results".
/// A CSO's charging station management system reads accepted commands from "commands-out" and reports the charge
/// point's answer with <c>POST /{id}/result</c> (<see cref="CommandResults"/>); it may cancel an accepted reservation with CANCELED_RESERVATION.
/// Reservations are listed on <c>GET /operator/reservations</c>.
/// </summary>
public sealed class CommandsOperatorApi(RequestSender sender, RequestParties parties, RequestsOperatorApi records, Reservations reservations,
    IPartyObjectStore<Token> tokens) : IRouteGroup
{
    private const string Base = "/operator/commands";

    public void Map(RouteTable routes)
    {
        routes.Map("POST", Base, RouteAccess.Operator, SendAsync);
        records.Map(routes, ModuleIds.Commands, Base);
        routes.Map("GET", "/operator/reservations", RouteAccess.Operator, ListReservationsAsync);
    }

    /// <summary>A command to a CPO partner: sent with a response_url of ours, answered with the record (201) once the CPO answered.</summary>
    private async Task<OcpiResult> SendAsync(OcpiContext ctx)
    {
        var order = ctx.Body(CommandsOperatorJson.Default.CommandOrder);
        var type = order.Command!.Value;
        var token = type is CommandType.StartSession or CommandType.ReserveNow ? await TokenAsync(ctx, order) : null;
        var from = Sender(ctx, order, token);
        var (partner, to) = await parties.TargetAsync(order.PartnerId, order.Party, Role.Cpo, ctx.Cancellation);
        // Validated whole before anything is sent; the response_url is the only part made at sending time.
        var draft = Build(order, type, token, ctx.BaseUrl + "/");
        OcpiValidator.ThrowIfInvalid(draft);
        var recorded = RequestJson.Element(JsonSerializer.SerializeToNode(draft, draft.GetType(), CommandsJson.Default)!.AsObject(), without: "response_url");
        var name = CommandTypes.Name(type);

        var record = await sender.SendAsync(new Outgoing(ModuleIds.Commands, name, partner, from, to, recorded, ctx.BaseUrl)
        {
            Call = async (client, responseUrl, ct) =>
            {
                var wire = client.Wire<CommandsWire>(ModuleIds.Commands);
                var command = Build(order, type, token, responseUrl);
                var answer = await client.SendAsync(HttpMethod.Post, [name], CommandsJson.Default.JsonElement, w => wire.Write(w, command), ct: ct);
                var response = ReceiverAnswer.Read(answer, wire.Response, "CommandResponse", $"POST {client.Url}/{name}");
                return new ReceiverAnswer(CommandTypes.Name(response.Result!.Value), response.Timeout!.Value,
                    JsonSerializer.SerializeToElement(response, CommandsJson.Default.CommandResponse));
            },
        }, ctx.Cancellation);
        return OcpiResult.Json(w => RequestsOperatorApi.View(record).WriteTo(w), HttpStatusCode.Created);
    }

    private async Task<OcpiResult> ListReservationsAsync(OcpiContext ctx)
    {
        var q = HttpUtility.ParseQueryString(ctx.Request.QueryString);
        var page = ctx.Page();
        var result = await reservations.ListAsync(new ObjectQuery(OperatorQuery.Party(q), page.DateFrom, page.DateTo, page.Offset, page.Limit, page.Continuation), ctx.Cancellation);
        var next = OperatorQuery.NextLink(ctx, page, "/operator/reservations", result.Items.Count, result.Continuation, q);
        return OcpiResult.Json(w => OperatorList.Write(w, result.TotalCount, result.Items, ReservationsJson.Default.Reservation, next));
    }

    /// <summary>
    /// The token of a START_SESSION or RESERVE_NOW: the whole token as given, or, given its uid (and type), our own
    /// token of that uid. A token's restrictions stay here. The eMSP authorizes the token before a command carries it,
    /// since the CPO SHALL NOT (mod_commands): one we hold as not valid is refused, whatever the app sent.
    /// </summary>
    private async Task<Token> TokenAsync(OcpiContext ctx, CommandOrder order)
    {
        var given = order.Token ?? throw new InvalidParametersException([new FieldError("token", "required")]);
        var check = new OcpiValidator();
        given.Validate(check);
        Token? ours = null;
        if (given.Uid is { } uid)
        {
            var party = given.CountryCode is not null && given.PartyId is not null ? given.Party : Sender(ctx, order, null);
            ours = await tokens.GetAsync(DataScope.Own, party, TokensModule.Address(uid, given.Type ?? TokenTypes.Default).StoredId, ctx.Cancellation);
        }
        var token = check.IsValid ? given : ours ?? throw new InvalidParametersException(check.Errors.Select(e => e with { Field = "token." + e.Field }).Prepend(
            new FieldError("token", "not one of our tokens; give the whole token")).ToList());
        if ((ours ?? token).Valid != true) throw new InvalidParametersException([new FieldError("token", "not valid: a command carries only a token we authorize")]);
        return token with { Restrictions = null };
    }

    /// <summary>Our eMSP party that sends: the one named, else the token's, else our only one.</summary>
    private static PartyKey Sender(OcpiContext ctx, CommandOrder order, Token? token) =>
        RequestParties.Ours(ctx, order.From ?? token?.Party, Senders, order.From is null && token is not null ? "token.country_code" : "from_country_code");

    private static readonly IReadOnlyList<Role> Senders = [Role.Emsp];

    private static ICommand Build(CommandOrder o, CommandType type, Token? token, string responseUrl) => type switch
    {
        CommandType.StartSession => new StartSession
        {
            ResponseUrl = responseUrl, Token = token, LocationId = o.LocationId, EvseUid = o.EvseUid, ConnectorId = o.ConnectorId,
            AuthorizationReference = o.AuthorizationReference,
        },
        CommandType.StopSession => new StopSession { ResponseUrl = responseUrl, SessionId = o.SessionId },
        CommandType.ReserveNow => new ReserveNow
        {
            ResponseUrl = responseUrl, Token = token, ExpiryDate = o.ExpiryDate, ReservationId = o.ReservationId, LocationId = o.LocationId,
            EvseUid = o.EvseUid, AuthorizationReference = o.AuthorizationReference,
        },
        CommandType.CancelReservation => new CancelReservation { ResponseUrl = responseUrl, ReservationId = o.ReservationId },
        CommandType.UnlockConnector => new UnlockConnector { ResponseUrl = responseUrl, LocationId = o.LocationId, EvseUid = o.EvseUid, ConnectorId = o.ConnectorId },
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}

/// <summary>
/// A command the back office asks us to send: to a partner (<c>partner_id</c>) or the CPO party (<c>country_code</c>,
/// <c>party_id</c>), from our EMSP party (<c>from_country_code</c>, <c>from_party_id</c>; by default the token's, or our
/// only one), with the fields of the command's object (mod_commands) except the response_url, which is ours to make.
/// </summary>
public sealed record CommandOrder : RequestOrder
{
    public CommandType? Command { get; init; }
    public Token? Token { get; init; }
    public string? LocationId { get; init; }
    public string? EvseUid { get; init; }
    public string? ConnectorId { get; init; }
    public string? AuthorizationReference { get; init; }
    public string? SessionId { get; init; }
    public string? ReservationId { get; init; }
    public DateTimeOffset? ExpiryDate { get; init; }

    public override void Validate(OcpiValidator v)
    {
        base.Validate(v);
        v.Required("command", Command);
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(CommandOrder))]
public sealed partial class CommandsOperatorJson : JsonSerializerContext;

using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Web;
using Roaming.Core.Commands;
using Roaming.Core.Operator;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.ChargingProfiles;

/// <summary>
/// The back office's charging profiles on /operator/chargingprofiles. A sender (our eMSP, or SCSP) sets, asks for or
/// clears a session's profile at a CPO partner (<c>POST</c> with <c>request</c>: SET_CHARGING_PROFILE,
/// GET_ACTIVE_CHARGING_PROFILE, CLEAR_PROFILE) and reads how it went as for commands; a CPO's back office takes the
/// requests from "commands-out", reports the EVSE's result (<c>POST /{id}/result</c>, <see cref="ChargingProfileResults"/>)
/// and tells the sender of a changed active profile (<c>PUT /sessions/{country_code}/{party_id}/{session_id}</c>). Both
/// read a session's profile as they know it (<c>GET /sessions/…?scope=own|received</c>).
/// </summary>
public sealed class ChargingProfilesOperatorApi(RequestSender sender, RequestParties parties, RequestsOperatorApi records,
    IPartyObjectStore<ProfileSession> sessions, TimeProvider clock) : IRouteGroup
{
    private const string Base = "/operator/chargingprofiles";
    private const string Session = Base + "/sessions/{country_code}/{party_id}/{session_id}";

    public void Map(RouteTable routes)
    {
        routes.Map("POST", Base, RouteAccess.Operator, SendAsync);
        records.Map(routes, ModuleIds.ChargingProfiles, Base);
        routes.Map("GET", Session, RouteAccess.Operator, GetSessionAsync);
        routes.Map("PUT", Session, RouteAccess.Operator, PutActiveAsync);
    }

    private async Task<OcpiResult> SendAsync(OcpiContext ctx)
    {
        var order = ctx.Body(ProfilesOperatorJson.Default.ProfileOrder);
        var from = Sender(ctx, order);
        var (partner, to) = await parties.TargetAsync(order.PartnerId, order.Party, Role.Cpo, ctx.Cancellation);
        var type = order.Request!;
        var request = new JsonObject { ["session_id"] = order.SessionId };
        if (type == ProfileRequests.Set) request["charging_profile"] = JsonSerializer.SerializeToNode(order.ChargingProfile, ChargingProfilesJson.Default.ChargingProfile);
        if (type == ProfileRequests.GetActive) request["duration"] = order.Duration;

        var record = await sender.SendAsync(new Outgoing(ModuleIds.ChargingProfiles, type, partner, from, to, RequestJson.Element(request), ctx.BaseUrl)
        {
            Call = async (client, responseUrl, ct) =>
            {
                var wire = client.Wire<ChargingProfilesWire>(ModuleIds.ChargingProfiles);
                var url = "response_url=" + Uri.EscapeDataString(responseUrl);
                var answer = type switch
                {
                    ProfileRequests.Set => await client.SendAsync(HttpMethod.Put, [order.SessionId!], ChargingProfilesJson.Default.JsonElement,
                        w => wire.Set.Write(w, new SetChargingProfile { ChargingProfile = order.ChargingProfile, ResponseUrl = responseUrl }), ct: ct),
                    ProfileRequests.GetActive => await client.SendAsync(HttpMethod.Get, [order.SessionId!], ChargingProfilesJson.Default.JsonElement,
                        query: $"duration={order.Duration}&{url}", ct: ct),
                    _ => await client.SendAsync(HttpMethod.Delete, [order.SessionId!], ChargingProfilesJson.Default.JsonElement, query: url, ct: ct),
                };
                var response = ReceiverAnswer.Read(answer, wire.Response, "ChargingProfileResponse", $"{type} at {client.Url}/{order.SessionId}");
                return new ReceiverAnswer(ProfileRequests.Name(response.Result!.Value), response.Timeout!.Value,
                    JsonSerializer.SerializeToElement(response, ChargingProfilesJson.Default.ChargingProfileResponse));
            },
        }, ctx.Cancellation);
        return OcpiResult.Json(w => RequestsOperatorApi.View(record).WriteTo(w), HttpStatusCode.Created);
    }

    private async Task<OcpiResult> GetSessionAsync(OcpiContext ctx)
    {
        var (party, sessionId) = OperatorQuery.Target(ctx, "session_id", null);
        var scope = OperatorQuery.Scope(HttpUtility.ParseQueryString(ctx.Request.QueryString)["scope"]);
        var session = await sessions.GetAsync(scope, party, sessionId, ctx.Cancellation)
            ?? throw new NotFoundException($"No charging profile is known of session {sessionId} of {party}.");
        return OcpiResult.Json(session, ChargingProfilesJson.Default.ProfileSession);
    }

    /// <summary>
    /// The back office reports a new active profile of one of our sessions: kept, and PUT to the sender that set a
    /// profile on the session (the spec: only such a sender is told, and it must be).
    /// </summary>
    private async Task<OcpiResult> PutActiveAsync(OcpiContext ctx)
    {
        var (party, sessionId) = OperatorQuery.Target(ctx, "session_id", Role.Cpo);
        var active = ctx.Body(ChargingProfilesJson.Default.ActiveChargingProfile);
        var updated = await sessions.UpdateAsync(DataScope.Own, party, sessionId,
            s => s.PartnerId is null ? null : s with { ActiveChargingProfile = active, LastUpdated = Now() },
            s => new PushChange(ModuleIds.ChargingProfiles, PushKind.Put, party.CountryCode, party.PartyId, sessionId,
                ToCountryCode: s.FromCountryCode, ToPartyId: s.FromPartyId, PartnerId: s.PartnerId), ctx.Cancellation);
        if (updated?.PartnerId is null)
            throw new OcpiException(OcpiStatus.InvalidOrMissingParameters, HttpStatusCode.Conflict,
                $"No sender set a charging profile on session {sessionId}; nobody is to be told of its active profile.");
        return OcpiResult.Json(updated, ChargingProfilesJson.Default.ProfileSession);
    }

    /// <summary>Our party that sends: the one named, else our only eMSP or SCSP party.</summary>
    private static PartyKey Sender(OcpiContext ctx, ProfileOrder order) => RequestParties.Ours(ctx, order.From, ChargingProfilesReceiver.Senders, "from_country_code");

    private DateTimeOffset Now() => OcpiDateTime.Normalize(clock.GetUtcNow());
}

/// <summary>
/// A charging profile request the back office asks us to send: to a partner (<c>partner_id</c>) or the CPO party
/// (<c>country_code</c>, <c>party_id</c>), for one of its sessions, from our party (<c>from_country_code</c>,
/// <c>from_party_id</c>; by default our only eMSP or SCSP party).
/// </summary>
public sealed record ProfileOrder : RequestOrder
{
    public string? SessionId { get; init; }
    /// <summary>SET_CHARGING_PROFILE, GET_ACTIVE_CHARGING_PROFILE or CLEAR_PROFILE.</summary>
    public string? Request { get; init; }
    public ChargingProfile? ChargingProfile { get; init; }
    public int? Duration { get; init; }

    public override void Validate(OcpiValidator v)
    {
        base.Validate(v);
        v.CiString("session_id", SessionId, 36);
        if (Request is null) v.Fail("request", "required");
        else if (!ProfileRequests.All.Contains(Request)) v.Fail("request", $"must be one of {string.Join(", ", ProfileRequests.All)}");
        v.Object("charging_profile", ChargingProfile, required: Request == ProfileRequests.Set);
        if (Request == ProfileRequests.GetActive && Duration is not > 0) v.Fail("duration", "required: a whole number of seconds above 0");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(ProfileOrder))]
public sealed partial class ProfilesOperatorJson : JsonSerializerContext;

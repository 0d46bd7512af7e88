using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Web;
using Roaming.Core.Commands;
using Roaming.Core.Platform;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.ChargingProfiles;

/// <summary>
/// The CPO's chargingprofiles receiver (mod_charging_profiles): <c>PUT {session_id}</c> sets a profile,
/// <c>GET {session_id}?duration=&amp;response_url=</c> asks for the active one, <c>DELETE {session_id}?response_url=</c>
/// clears it. Each is answered at once with a ChargingProfileResponse; an accepted one goes to the back office on
/// "commands-out" like a command, and its result to the response_url.
/// </summary>
public sealed class ChargingProfilesReceiver(RequestReceiver requests, ISessionLookup sessions, ChargingProfilePace pace)
{
    /// <summary>Who may send charging profiles: the eMSP of a session's token, or a smart charging service provider the operator admitted.</summary>
    public static readonly IReadOnlyList<Role> Senders = [Role.Emsp, Role.Scsp];

    public void Map(InterfaceRoutes routes, ChargingProfilesWire wire)
    {
        routes.Put("/{session_id}", ctx =>
        {
            var set = wire.Set.Read(ctx.Request.Body, "SetChargingProfile");
            var request = new JsonObject { ["charging_profile"] = JsonSerializer.SerializeToNode(set.ChargingProfile, ChargingProfilesJson.Default.ChargingProfile) };
            return TakeAsync(ctx, wire, ProfileRequests.Set, request, set.ResponseUrl!);
        });
        routes.Get("/{session_id}", ctx =>
        {
            var (responseUrl, duration) = Query(ctx, withDuration: true);
            return TakeAsync(ctx, wire, ProfileRequests.GetActive, new JsonObject { ["duration"] = duration }, responseUrl);
        });
        routes.Delete("/{session_id}", ctx => TakeAsync(ctx, wire, ProfileRequests.Clear, new JsonObject(), Query(ctx, withDuration: false).ResponseUrl));
    }

    private async Task<OcpiResult> TakeAsync(OcpiContext ctx, ChargingProfilesWire wire, string type, JsonObject request, string responseUrl)
    {
        var sessionId = SessionId(ctx);
        var from = RequestParties.Sender(ctx, Senders);
        var ours = ctx.OwnParty().Key;
        var result = await CheckAsync(ctx, from, ours, sessionId);
        if (result == ChargingProfileResponseType.Accepted && !pace.Take(ours, sessionId, type)) result = ChargingProfileResponseType.TooOften;
        request.Insert(0, "session_id", sessionId);
        var incoming = new Incoming(ModuleIds.ChargingProfiles, type, ctx.Partner, from, ours, RequestJson.Element(request), responseUrl);
        var response = new ChargingProfileResponse { Result = result, Timeout = requests.TimeoutSeconds };
        var recorded = JsonSerializer.SerializeToElement(response, ChargingProfilesJson.Default.ChargingProfileResponse);
        if (result == ChargingProfileResponseType.Accepted) await requests.AcceptAsync(incoming, recorded, ctx.Cancellation);
        else await requests.RefuseAsync(incoming, recorded, ProfileRequests.Name(result), ctx.Cancellation);
        return OcpiResult.Ok(w => wire.Response.Write(w, response));
    }

    /// <summary>
    /// The session must be ours; an eMSP may act only on sessions of its own tokens (the spec lets the CPO refuse
    /// others), an SCSP on any it was admitted for.
    /// </summary>
    private async Task<ChargingProfileResponseType> CheckAsync(OcpiContext ctx, PartyKey from, PartyKey ours, string sessionId)
    {
        var session = await sessions.FindAsync(ours, sessionId, ctx.Cancellation);
        if (session is null) return ChargingProfileResponseType.UnknownSession;
        var scsp = ctx.Acting.ActsFor(from, Role.Scsp);
        return scsp || session.TokenParty == from ? ChargingProfileResponseType.Accepted : ChargingProfileResponseType.Rejected;
    }

    private static string SessionId(OcpiContext ctx)
    {
        var v = new OcpiValidator();
        v.CiString("session_id", ctx.Value("session_id"), 36);
        v.ThrowIfInvalid();
        return ctx.Value("session_id");
    }

    /// <summary>The parameters a GET and a DELETE carry in the query: response_url (a URL) and, for a GET, duration (seconds).</summary>
    private static (string ResponseUrl, int Duration) Query(OcpiContext ctx, bool withDuration)
    {
        var q = HttpUtility.ParseQueryString(ctx.Request.QueryString);
        var v = new OcpiValidator();
        v.Url("response_url", q["response_url"]);
        var duration = 0;
        if (withDuration && !(int.TryParse(q["duration"], NumberStyles.None, CultureInfo.InvariantCulture, out duration) && duration > 0))
            v.Fail("duration", q["duration"] is null ? "required" : "must be a whole number of seconds above 0");
        v.ThrowIfInvalid();
        return (q["response_url"]!, duration);
    }
}

using System.Text.Json;
using Roaming.Core.Commands;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.ChargingProfiles;

/// <summary>
/// The sender interface of chargingprofiles, hosted by our eMSP: CPOs post the results of our requests to the
/// response_urls we gave (<c>POST {chargingprofiles}/{type}/{id}/{secret}</c>) and tell us of changes of a session's
/// active profile (<c>PUT {chargingprofiles}/{session_id}</c>, only for sessions we set a profile on, as the spec says).
/// </summary>
public sealed class ChargingProfilesSender(RequestSender requests, IPartyObjectStore<ProfileSession> sessions, TimeProvider clock)
{
    public void Map(InterfaceRoutes routes, ChargingProfilesWire wire)
    {
        routes.Post("/{type}/{id}/{secret}", ctx => ResultAsync(ctx, wire));
        routes.Put("/{session_id}", ctx => ActiveAsync(ctx, wire));
    }

    private async Task<OcpiResult> ResultAsync(OcpiContext ctx, ChargingProfilesWire wire)
    {
        var type = ctx.Value("type");
        if (!ProfileRequests.All.Contains(type)) throw new NotFoundException("No request awaits a result at this URL.", OcpiStatus.InvalidOrMissingParameters);
        var result = wire.ReadResult(type, ctx.Request.Body);
        await requests.TakeResultAsync(ctx.Partner, ModuleIds.ChargingProfiles, type, ctx.Value("id"), ctx.Value("secret"),
            ChargingProfilesWire.Canonical(result), ProfileRequests.Name(result.Result!.Value), ctx.Cancellation, request => KeepAsync(request, result, ctx.Cancellation));
        return OcpiResult.Ok();
    }

    /// <summary>A profile the EVSE accepted, or the active profile it reported, kept on the session for our back office.</summary>
    private async Task KeepAsync(SentRequest request, IProfileResult result, CancellationToken ct)
    {
        if (result.Result != ChargingProfileResultType.Accepted) return;
        var sent = request.Request!.Value;
        var sessionId = sent.GetProperty("session_id").GetString()!;
        var now = OcpiDateTime.Normalize(clock.GetUtcNow());
        var current = await sessions.GetAsync(DataScope.Received, request.To, sessionId, ct)
            ?? new ProfileSession { CountryCode = request.ToCountryCode, PartyId = request.ToPartyId, SessionId = sessionId };
        var kept = current with { PartnerId = request.PartnerId, FromCountryCode = request.CountryCode, FromPartyId = request.PartyId, LastUpdated = now };
        kept = result switch
        {
            ChargingProfileResult => kept with { ChargingProfile = sent.GetProperty("charging_profile").Deserialize(ChargingProfilesJson.Default.ChargingProfile) },
            ActiveChargingProfileResult { Profile: { } profile } => kept with { ActiveChargingProfile = profile },
            _ => kept,
        };
        await sessions.PutAsync(DataScope.Received, kept, null, onlyIfNewer: false, ct);
    }

    /// <summary>A CPO tells us the active profile of a session changed: taken only for a session whose profile we set with that CPO.</summary>
    private async Task<OcpiResult> ActiveAsync(OcpiContext ctx, ChargingProfilesWire wire)
    {
        var active = wire.Active.Read(ctx.Request.Body, "ActiveChargingProfile");
        var cpo = RequestParties.Sender(ctx, [Role.Cpo]);
        var sessionId = ctx.Value("session_id");
        var updated = await sessions.UpdateAsync(DataScope.Received, cpo, sessionId,
            s => s.PartnerId == ctx.Partner.Id ? s with { ActiveChargingProfile = active, LastUpdated = OcpiDateTime.Normalize(clock.GetUtcNow()) } : null,
            null, ctx.Cancellation);
        if (updated?.PartnerId != ctx.Partner.Id)
            throw new NotFoundException($"No charging profile of ours is set on session {sessionId} of {cpo}.", OcpiStatus.InvalidOrMissingParameters);
        return OcpiResult.Ok();
    }
}

/// <summary>
/// The CPO's side of the push channel for chargingprofiles: the results our back office reported, to each request's
/// response_url; a session's new active profile, PUT to the sender interface of the partner that set a profile on it.
/// </summary>
public sealed class ChargingProfilesPushSource(RequestReceiver requests, IPartyObjectStore<ProfileSession> sessions) : IPushSource
{
    public string Module => ModuleIds.ChargingProfiles;

    public InterfaceRole Target => InterfaceRole.Sender;

    public async Task SendAsync(PushChange change, PushContent? content, InterfaceClient client, CancellationToken ct)
    {
        var wire = client.Wire<ChargingProfilesWire>(Module);
        if (change.Kind == PushKind.Post)
        {
            await requests.DeliverAsync(Module, change, client, (request, result) =>
            {
                var typed = ChargingProfilesWire.Stored(request.Type!, result);
                return w => wire.WriteResult(w, typed);
            }, ct);
            return;
        }
        var session = await sessions.GetAsync(DataScope.Own, change.Party, change.ObjectId, ct);
        if (session?.ActiveChargingProfile is not { } active) throw new PushObjectGoneException($"session {change.ObjectId} has no active charging profile");
        await client.SendAsync<JsonElement>(HttpMethod.Put, [session.SessionId!], null, w => wire.Active.Write(w, active), ct: ct);
    }
}

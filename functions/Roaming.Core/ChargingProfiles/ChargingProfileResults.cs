using System.Text.Json;
using Roaming.Core.Commands;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.ChargingProfiles;

/// <summary>
/// The EVSE's answer to a charging profile request we received, from the back office (operator API or
/// "command-results-in"), in the shape of the request's result (ActiveChargingProfileResult, ChargingProfileResult,
/// ClearProfileResult): recorded and sent to the sender's response_url. A profile the EVSE accepted makes its sender the
/// one told of later changes of the session's active profile.
/// </summary>
public sealed class ChargingProfileResults(RequestBooks books, RequestReceiver receiver, IPartyObjectStore<ProfileSession> sessions, TimeProvider clock)
    : IRequestResults
{
    public string Module => ModuleIds.ChargingProfiles;

    public async Task<ReceivedRequest> ReportAsync(string id, ReadOnlyMemory<byte> body, bool again, CancellationToken ct)
    {
        var request = await books.FindReceivedAsync(ModuleIds.ChargingProfiles, id, ct) ?? throw new NotFoundException($"No charging profile request {id}.");
        IProfileResult result = request.Type switch
        {
            ProfileRequests.GetActive => OcpiJson.Read(body, ChargingProfilesJson.Default.ActiveChargingProfileResult),
            ProfileRequests.Set => OcpiJson.Read(body, ChargingProfilesJson.Default.ChargingProfileResult),
            _ => OcpiJson.Read(body, ChargingProfilesJson.Default.ClearProfileResult),
        };
        if (request.State == RequestState.Waiting && result.Result == ChargingProfileResultType.Accepted)
            await KeepAsync(request, result, ct);
        return await receiver.ReportAsync(ModuleIds.ChargingProfiles, request, ChargingProfilesWire.Canonical(result),
            ProfileRequests.Name(result.Result!.Value), again, ct);
    }

    /// <summary>At the CPO: the sender whose profile the EVSE accepted, and the active profile reported.</summary>
    private async Task KeepAsync(ReceivedRequest request, IProfileResult result, CancellationToken ct)
    {
        var sessionId = request.Request!.Value.GetProperty("session_id").GetString()!;
        var current = await sessions.GetAsync(DataScope.Own, request.Party, sessionId, ct)
            ?? new ProfileSession { CountryCode = request.CountryCode, PartyId = request.PartyId, SessionId = sessionId };
        var kept = result switch
        {
            ChargingProfileResult => current with
            {
                PartnerId = request.PartnerId, FromCountryCode = request.FromCountryCode, FromPartyId = request.FromPartyId,
                ChargingProfile = request.Request!.Value.GetProperty("charging_profile").Deserialize(ChargingProfilesJson.Default.ChargingProfile),
            },
            ActiveChargingProfileResult { Profile: { } profile } => current with { ActiveChargingProfile = profile },
            _ => current,
        };
        await sessions.PutAsync(DataScope.Own, kept with { LastUpdated = OcpiDateTime.Normalize(clock.GetUtcNow()) }, null, onlyIfNewer: false, ct);
    }
}

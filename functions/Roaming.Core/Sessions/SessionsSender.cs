using System.Text.Json;
using System.Text.Json.Serialization;
using Roaming.Core.Partners;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Tariffs;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Sessions;

/// <summary>
/// The sessions sender interface: the paged list (each eMSP sees the sessions of its own tokens only; a hub those of the
/// parties known behind it), and <c>PUT {session_id}/charging_preferences</c> from the eMSP of the session's token.
/// Preferences for an EVSE without the
/// CHARGING_PREFERENCES_CAPABLE capability get 404 with 2001 (mod_sessions); a profile the connector has no tariff for,
/// PROFILE_TYPE_NOT_SUPPORTED; a session that is over, NOT_POSSIBLE; accepted ones go to the CSMS on the outbound queue
/// "charging-preferences-out".
/// </summary>
public sealed class SessionsSender(PartyObjectSender<Session> list, IPartyObjectStore<Session> sessions, ILocationStore locations,
    IPartyObjectStore<Tariff> tariffs, PartnerAccess access, IWorkQueue queue, TimeProvider clock)
{
    public const string PreferencesQueue = "charging-preferences-out";
    private const string Capability = "CHARGING_PREFERENCES_CAPABLE";

    public void Map(InterfaceRoutes routes, IWire<Session> wire)
    {
        list.MapList(routes, wire, Cdrs.CdrToken.RecipientColumn);
        routes.Put("/{session_id}/charging_preferences", SetPreferencesAsync);
    }

    private async Task<OcpiResult> SetPreferencesAsync(OcpiContext ctx)
    {
        var id = ctx.Value("session_id");
        var v = new OcpiValidator();
        v.CiString("session_id", id, 36);
        v.ThrowIfInvalid();
        var preferences = ctx.Body(SessionsJson.Default.ChargingPreferences);
        var cpo = ctx.OwnParty().Key;
        var session = await sessions.GetAsync(DataScope.Own, cpo, id, ctx.Cancellation);
        // Only the eMSP whose token started the session may steer it (its connection, or a hub it is known behind); to anyone else it does not exist.
        if (session?.TokenParty is not { } token || !await access.MayActForAsync(ctx.Partner, token, Role.Emsp, ctx.Cancellation))
            throw new NotFoundException($"Unknown session {id}.");
        var evse = await locations.GetEvseAsync(DataScope.Own, cpo, session.LocationId!, session.EvseUid!, ctx.Cancellation);
        if (evse?.Capabilities?.Contains(Capability, StringComparer.OrdinalIgnoreCase) != true)
            throw new NotFoundException($"The EVSE of session {id} does not take charging preferences.", OcpiStatus.InvalidOrMissingParameters);

        ChargingPreferencesResponse answer;
        if (session.Status is not (SessionStatus.Active or SessionStatus.Pending or SessionStatus.Reservation)) answer = ChargingPreferencesResponse.NotPossible;
        else if (!await SupportsAsync(cpo, evse, session.ConnectorId, preferences.ProfileType!.Value, ctx.Cancellation)) answer = ChargingPreferencesResponse.ProfileTypeNotSupported;
        else
        {
            var message = new ChargingPreferencesMessage(cpo.CountryCode, cpo.PartyId, session.Id!, session.LocationId!, session.EvseUid!, session.ConnectorId!,
                preferences, OcpiDateTime.Normalize(clock.GetUtcNow()));
            await queue.SendAsync(PreferencesQueue, JsonSerializer.SerializeToUtf8Bytes(message, SessionMessagesJson.Default.ChargingPreferencesMessage), ct: ctx.Cancellation);
            answer = ChargingPreferencesResponse.Accepted;
        }
        return OcpiResult.Ok(answer, SessionsJson.Default.ChargingPreferencesResponse);
    }

    /// <summary>mod_sessions: for every profile a connector supports, it has a tariff of that type (REGULAR: a regular or untyped one).</summary>
    private async Task<bool> SupportsAsync(PartyKey cpo, Locations.Evse evse, string? connectorId, ProfileType profile, CancellationToken ct)
    {
        var connector = evse.Connectors?.FirstOrDefault(c => string.Equals(c.Id, connectorId, StringComparison.OrdinalIgnoreCase));
        if (connector is null) return false;
        if (profile == ProfileType.Regular && connector.TariffIds is not { Count: > 0 }) return true;
        foreach (var tariffId in connector.TariffIds ?? [])
        {
            var type = (await tariffs.GetAsync(DataScope.Own, cpo, tariffId, ct))?.Type;
            if (profile switch
                {
                    ProfileType.Cheap => type == TariffType.ProfileCheap,
                    ProfileType.Fast => type == TariffType.ProfileFast,
                    ProfileType.Green => type == TariffType.ProfileGreen,
                    _ => type is null or TariffType.Regular,
                }) return true;
        }
        return false;
    }
}

/// <summary>What the CSMS reads from "charging-preferences-out": the driver's preferences for one of its sessions.</summary>
public sealed record ChargingPreferencesMessage(string CountryCode, string PartyId, string SessionId, string LocationId, string EvseUid, string ConnectorId,
    ChargingPreferences ChargingPreferences, DateTimeOffset ReceivedAt);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(ChargingPreferencesMessage))]
public sealed partial class SessionMessagesJson : JsonSerializerContext;

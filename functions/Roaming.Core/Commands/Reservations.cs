using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Roaming.Core.Locations;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Commands;

/// <summary>
/// A reservation at one of our locations (RESERVE_NOW accepted by the charge point), kept until it expires, is
/// cancelled by its sender, or by us. Keyed by the sender and its reservation_id (unique per sender only, so two
/// eMSPs never touch each other's).
/// </summary>
public sealed record Reservation
{
    /// <summary>Our CPO party.</summary>
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    /// <summary>The key: the sender's party and its reservation_id (<see cref="Reservations.Key"/>), also the back office's reservation key.</summary>
    public string? Id { get; init; }
    public string? FromCountryCode { get; init; }
    public string? FromPartyId { get; init; }
    public string? ReservationId { get; init; }
    public string? LocationId { get; init; }
    public string? EvseUid { get; init; }
    public DateTimeOffset? ExpiryDate { get; init; }
    /// <summary>The RESERVE_NOW request that made it (its response_url hears of a cancellation by us).</summary>
    public string? RequestId { get; init; }
    public bool Active { get; init; }
    /// <summary>Why it ended: EXPIRED, CANCELLED (by its sender), CANCELED_RESERVATION (by us), REPLACED.</summary>
    public string? Ended { get; init; }
    /// <summary>The EVSE's status before it showed RESERVED, shown again when the reservation ends.</summary>
    public EvseStatus? EvseStatusBefore { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    [JsonIgnore]
    public PartyKey Party => new(CountryCode!, PartyId!);
}

/// <summary>
/// Reservations of our EVSEs: begun when the charge point accepts a RESERVE_NOW, the EVSE showing RESERVED through
/// the Locations module (stored and pushed as any status change) while it lasts; ended at its expiry (a deadline
/// message), by CANCEL_RESERVATION or by our back office, the EVSE showing its earlier status again unless the back
/// office changed it meanwhile (a session started on it).
/// </summary>
public sealed class Reservations(IPartyObjectStore<Reservation> store, ILocationStore locations, Deadlines deadlines, TimeProvider clock,
    ILogger<Reservations> logger) : IDeadlineHandler
{
    public const string Expired = "EXPIRED";
    public const string Cancelled = "CANCELLED";
    public const string CancelledByUs = "CANCELED_RESERVATION";
    public const string Replaced = "REPLACED";

    public static readonly PartyObjectKind<Reservation> Stored =
        new(Versions.ModuleIds.Commands, "reservations", ReservationsJson.Default.Reservation, r => r.Party, r => r.Id!, r => r.LastUpdated);

    public const string DeadlineKind = "reservation";

    public string Kind => DeadlineKind;

    public static string Key(PartyKey sender, string reservationId) => $"{sender.CountryCode}|{sender.PartyId}|{reservationId.ToUpperInvariant()}";

    public Task<Reservation?> GetAsync(PartyKey ours, string key, CancellationToken ct) => store.GetAsync(DataScope.Own, ours, key, ct);

    public async Task<Reservation?> FindActiveAsync(PartyKey ours, PartyKey sender, string reservationId, CancellationToken ct) =>
        await GetAsync(ours, Key(sender, reservationId), ct) is { Active: true } r ? r : null;

    /// <summary>The charge point accepted a RESERVE_NOW: the reservation holds until its expiry, replacing one with the same id, and its EVSE shows RESERVED.</summary>
    public async Task BeginAsync(ReceivedRequest request, ReserveNow command, CancellationToken ct)
    {
        var ours = request.Party;
        var key = Key(request.From, command.ReservationId!);
        var now = Now();
        var earlier = await store.GetAsync(DataScope.Own, ours, key, ct);
        var sameEvse = earlier is { Active: true } && Same(earlier.LocationId, command.LocationId) && Same(earlier.EvseUid, command.EvseUid);
        if (earlier is { Active: true } && !sameEvse) await EndAsync(ours, key, earlier, Replaced, ct);

        EvseStatus? before = null;
        if (command.EvseUid is { } uid)
        {
            // An EVSE still RESERVED by the reservation replaced keeps the status it had before that one.
            before = sameEvse ? earlier!.EvseStatusBefore
                : (await locations.GetEvseAsync(DataScope.Own, ours, command.LocationId!, uid, ct))?.Status;
        }
        var reservation = new Reservation
        {
            CountryCode = ours.CountryCode, PartyId = ours.PartyId, Id = key, FromCountryCode = request.FromCountryCode, FromPartyId = request.FromPartyId,
            ReservationId = command.ReservationId, LocationId = command.LocationId, EvseUid = command.EvseUid, ExpiryDate = command.ExpiryDate,
            RequestId = request.Id, Active = true, EvseStatusBefore = before, LastUpdated = now,
        };
        await store.PutAsync(DataScope.Own, reservation, null, onlyIfNewer: false, ct);
        await deadlines.ScheduleAsync(new DeadlineMessage(DeadlineKind, Versions.ModuleIds.Commands, ours.CountryCode, ours.PartyId, key), command.ExpiryDate!.Value, ct);
        if (command.EvseUid is { } evse) await ShowAsync(ours, command.LocationId!, evse, EvseStatus.Reserved, now, ct);
        logger.LogInformation("Reservation of {From} at location {LocationId} ({Evse}) until {Expiry}", request.From, command.LocationId,
            command.EvseUid ?? "any EVSE", OcpiDateTime.Format(command.ExpiryDate!.Value));
    }

    /// <summary>
    /// Ends an active reservation. Its EVSE shows its earlier status again first (if it still shows RESERVED), so whoever
    /// sees the reservation ended finds the EVSE free.
    /// </summary>
    /// <returns>the reservation as ended, or null when none was active</returns>
    public async Task<Reservation?> EndAsync(PartyKey ours, string key, string why, CancellationToken ct) =>
        await GetAsync(ours, key, ct) is { Active: true } active ? await EndAsync(ours, key, active, why, ct) : null;

    /// <param name="active">the reservation as its caller has just read it, active (the update checks that it still is)</param>
    public async Task<Reservation?> EndAsync(PartyKey ours, string key, Reservation active, string why, CancellationToken ct)
    {
        var now = Now();
        if (active.EvseUid is { } uid
            && await locations.GetEvseAsync(DataScope.Own, ours, active.LocationId!, uid, ct) is { Status: EvseStatus.Reserved })
        {
            await ShowAsync(ours, active.LocationId!, uid, active.EvseStatusBefore is { } s && s != EvseStatus.Reserved ? s : EvseStatus.Available, now, ct);
        }
        var ended = false;
        var reservation = await store.UpdateAsync(DataScope.Own, ours, key, r =>
        {
            ended = r.Active;
            return r.Active ? r with { Active = false, Ended = why, LastUpdated = now } : null;
        }, null, ct);
        if (!ended || reservation is null) return null;
        logger.LogInformation("Reservation of {From} at location {LocationId} ended: {Why}", new PartyKey(reservation.FromCountryCode!, reservation.FromPartyId!),
            reservation.LocationId, why);
        return reservation;
    }

    /// <summary>A reservation's expiry.</summary>
    public async Task<DateTimeOffset?> DueAsync(DeadlineMessage message, CancellationToken ct)
    {
        var reservation = await store.GetAsync(DataScope.Own, message.Party, message.Id, ct);
        if (reservation is not { Active: true }) return null;
        if (reservation.ExpiryDate > Now()) return reservation.ExpiryDate;
        await EndAsync(message.Party, message.Id, reservation, Expired, ct);
        return null;
    }

    /// <summary>The EVSE's status, through the locations module; an EVSE the back office removed meanwhile has none to show.</summary>
    private async Task ShowAsync(PartyKey ours, string locationId, string evseUid, EvseStatus status, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            await EvseStatusChanges.SetAsync(locations, ours, locationId, evseUid, status, now, ct);
        }
        catch (NotFoundException)
        {
            logger.LogWarning("Location {LocationId} has no EVSE {EvseUid} any more; its reservation status is not shown", locationId, evseUid);
        }
    }

    public Task<ObjectPage<Reservation>> ListAsync(ObjectQuery query, CancellationToken ct) => store.ListAsync(DataScope.Own, query, ct);

    private static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private DateTimeOffset Now() => OcpiDateTime.Normalize(clock.GetUtcNow());
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(Reservation))]
public sealed partial class ReservationsJson : JsonSerializerContext;

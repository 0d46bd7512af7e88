using System.Collections.Concurrent;
using Roaming.Core.Storage;
using Roaming.Core.Tariffs;
using Roaming.Core.Tariffs.Pricing;
using Roaming.Core.Types;

namespace Roaming.Core.Cdrs;

/// <summary>The tariff a session or CDR is priced with, ready to price, and the time zone its restrictions are read in.</summary>
public sealed record AppliedTariff(TariffPricer Pricer, TimeZoneInfo TimeZone)
{
    public Tariff Tariff => Pricer.Tariff;
}

/// <summary>
/// Finds the tariff that applied to a session, the same way for the running price of a session, the CDR built from a
/// finished session and the verification of a CDR received, so the three never disagree:
/// the tariff the charging periods name (one tariff per CDR: periods naming two are refused), taken from the tariffs
/// the record carries or else from the stored tariffs of the CPO; for our own sessions with none named, the tariff of
/// the connector (REGULAR, or untyped, when it has several). The time zone is the location's, read only for a tariff with a
/// time-of-day or calendar restriction (for any other it changes nothing). Tariffs, EVSEs and locations read are reused for
/// a few seconds. Every failure is a
/// <see cref="TariffPricingException"/> saying why, so the record is parked with the reason rather than sent unpriced.
/// </summary>
public sealed class TariffLookup(IPartyObjectStore<Tariff> tariffs, ILocationStore locations, TimeProvider clock)
{
    private const int MaxCompiled = 1024;
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<object, (DateTimeOffset At, object Value)> _recent = new();
    private readonly ConcurrentDictionary<(DataScope, PartyKey, string, DateTimeOffset?), TariffPricer> _compiled = new();

    /// <summary>For a session or finished-session record of one of our CPO parties.</summary>
    /// <param name="fallbackTariffId">the tariff named by the session the record finishes, when the record names none</param>
    public async Task<AppliedTariff> ForOwnAsync(PartyKey cpo, IReadOnlyList<ChargingPeriod>? periods, IReadOnlyList<Tariff>? carried,
        string? locationId, string? evseUid, string? connectorId, string? fallbackTariffId, CancellationToken ct)
    {
        var id = NamedTariff(periods) ?? fallbackTariffId;
        if (id is not null && Carried(carried, id) is { } inRecord) return await AppliedAsync(DataScope.Own, cpo, inRecord, stored: false, locationId, ct);
        var tariff = id is not null
            ? await StoredTariffAsync(DataScope.Own, cpo, id, ct) ?? throw new TariffPricingException($"tariff {id} is not one of ours")
            : await ConnectorTariffAsync(cpo, locationId, evseUid, connectorId, ct);
        return await AppliedAsync(DataScope.Own, cpo, tariff, stored: true, locationId, ct);
    }

    /// <summary>
    /// For a CDR as it stands (one a partner CPO sent, or one of ours priced before): the tariff its periods name, from the
    /// tariffs it carries or else the stored ones of its CPO in <paramref name="scope"/>; with none named, the one it carries.
    /// </summary>
    public async Task<AppliedTariff> ForCdrAsync(DataScope scope, Cdr cdr, CancellationToken ct)
    {
        var cpo = new PartyKey(cdr.CountryCode!, cdr.PartyId!);
        var id = NamedTariff(cdr.ChargingPeriods)
            ?? (cdr.Tariffs is [{ Id: { } only }] ? only : throw new TariffPricingException("no charging period names a tariff, and the CDR does not carry exactly one"));
        if (Carried(cdr.Tariffs, id) is { } inCdr) return await AppliedAsync(scope, cpo, inCdr, stored: false, cdr.CdrLocation?.Id, ct);
        var tariff = await StoredTariffAsync(scope, cpo, id, ct)
            ?? throw new TariffPricingException($"tariff {id} is neither in the CDR nor among the tariffs {(scope == DataScope.Own ? "we publish" : $"received from {cpo}")}");
        return await AppliedAsync(scope, cpo, tariff, stored: true, cdr.CdrLocation?.Id, ct);
    }

    /// <summary>The one tariff the periods name, or null when none names any.</summary>
    public static string? NamedTariff(IReadOnlyList<ChargingPeriod>? periods)
    {
        var named = (periods ?? []).Select(p => p.TariffId).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return named.Count switch
        {
            0 => null,
            1 => named[0],
            _ => throw new TariffPricingException($"the charging periods name several tariffs ({string.Join(", ", named)}); a CDR is priced against one tariff here"),
        };
    }

    private static Tariff? Carried(IReadOnlyList<Tariff>? carried, string id) =>
        carried?.FirstOrDefault(t => string.Equals(t.Id, id, StringComparison.OrdinalIgnoreCase));

    private async Task<Tariff> ConnectorTariffAsync(PartyKey cpo, string? locationId, string? evseUid, string? connectorId, CancellationToken ct)
    {
        var where = $"connector {connectorId} of EVSE {evseUid} at location {locationId}";
        if (locationId is null || evseUid is null || connectorId is null) throw new TariffPricingException("no tariff is named and the connector is not known");
        var evse = await Recent(("evse", cpo, locationId.ToUpperInvariant(), evseUid.ToUpperInvariant()), () => locations.GetEvseAsync(DataScope.Own, cpo, locationId, evseUid, ct))
            ?? throw new TariffPricingException($"no tariff is named and {where} is not among our locations");
        var connector = evse.Connectors?.FirstOrDefault(c => string.Equals(c.Id, connectorId, StringComparison.OrdinalIgnoreCase))
            ?? throw new TariffPricingException($"no tariff is named and {where} is not among our locations");
        var found = new List<Tariff>();
        foreach (var id in connector.TariffIds ?? [])
            if (await StoredTariffAsync(DataScope.Own, cpo, id, ct) is { } t) found.Add(t);
        if (found.Count == 0)
            throw new TariffPricingException(connector.TariffIds is { Count: > 0 } ids
                ? $"no tariff is named and {where} names {string.Join(", ", ids)}, none of which we publish"
                : $"no tariff is named and {where} has none");
        // A connector lists a tariff per type (mod_tariffs); a session without charging preferences is REGULAR.
        return found.FirstOrDefault(t => t.Type is null or TariffType.Regular) ?? found[0];
    }

    private async Task<AppliedTariff> AppliedAsync(DataScope scope, PartyKey cpo, Tariff tariff, bool stored, string? locationId, CancellationToken ct)
    {
        var pricer = stored ? Compile(scope, cpo, tariff) : TariffPricer.Compile(tariff);
        // Without a time-of-day or calendar restriction the zone changes nothing: no need to read the location.
        if (!pricer.UsesCalendar) return new AppliedTariff(pricer, TimeZoneInfo.Utc);
        var location = locationId is null ? null : await Recent(("location", scope, cpo, locationId.ToUpperInvariant()), () => locations.GetHeaderAsync(scope, cpo, locationId, ct));
        if (location?.TimeZone is { } zone)
        {
            try { return new AppliedTariff(pricer, TimeZoneInfo.FindSystemTimeZoneById(zone)); }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new TariffPricingException($"location {locationId} has time zone '{zone}', which this system does not know");
            }
        }
        throw new TariffPricingException($"tariff {tariff.Id} has time-of-day or calendar restrictions, and location {locationId} with its time zone is not known here");
    }

    private Task<Tariff?> StoredTariffAsync(DataScope scope, PartyKey cpo, string id, CancellationToken ct) =>
        Recent(("tariff", scope, cpo, id.ToUpperInvariant()), () => tariffs.GetAsync(scope, cpo, id, ct));

    /// <summary>
    /// What was read in the last <see cref="Fresh"/>, else read now (and kept only when found, so a tariff or location
    /// published after a record was parked for want of it is found when the record is replayed). Every CDR of a busy
    /// connector needs the same three rows; a price changed that recently is no nearer the one of the session's start.
    /// </summary>
    private async Task<T?> Recent<T>(object key, Func<Task<T?>> read) where T : class
    {
        var now = clock.GetUtcNow();
        if (_recent.TryGetValue(key, out var hit) && now - hit.At < Fresh) return (T)hit.Value;
        var value = await read();
        if (value is null) return null;
        if (_recent.Count >= MaxCompiled) _recent.Clear();
        _recent[key] = (now, value);
        return value;
    }

    /// <summary>Stored tariffs are compiled once per version (last_updated); a tariff carried in a record each time.</summary>
    private TariffPricer Compile(DataScope scope, PartyKey cpo, Tariff tariff)
    {
        var key = (scope, cpo, tariff.Id!.ToUpperInvariant(), tariff.LastUpdated);
        if (_compiled.TryGetValue(key, out var pricer)) return pricer;
        if (_compiled.Count >= MaxCompiled) _compiled.Clear();
        return _compiled[key] = TariffPricer.Compile(tariff);
    }
}

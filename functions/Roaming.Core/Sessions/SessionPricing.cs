using Microsoft.Extensions.Logging;
using Roaming.Core.Cdrs;
using Roaming.Core.Tariffs.Pricing;
using Roaming.Core.Types;

namespace Roaming.Core.Sessions;

/// <summary>
/// The running price of a session of ours: its charging periods so far priced by the tariff engine with the tariff that
/// applies (<see cref="TariffLookup"/>), up to its end or its last update, as total_cost; the same engine and tariff
/// later price its CDR, so session and CDR agree on the same periods. Periods that name no tariff get the one applied,
/// so the eMSP sees which tariff prices them. A session that cannot be priced (yet) keeps the total the CSMS gave, if
/// any: a missing price must not hold a session back; its CDR will be parked with the reason instead.
/// </summary>
public sealed class SessionPricing(TariffLookup lookup, ILogger<SessionPricing> logger)
{
    /// <summary>The tariff that applies to the session, or null (logged) when none can be found yet.</summary>
    public async Task<AppliedTariff?> ResolveAsync(Session session, CancellationToken ct)
    {
        if (session.ChargingPeriods is not { Count: > 0 } periods) return null;
        try
        {
            return await lookup.ForOwnAsync(session.Party, periods, null, session.LocationId, session.EvseUid, session.ConnectorId, null, ct);
        }
        catch (TariffPricingException e)
        {
            logger.LogInformation("Session {Party}/{SessionId}: no running price: {Reason}", session.Party, session.Id, e.Message);
            return null;
        }
    }

    /// <summary>The session with its periods naming <paramref name="applied"/>'s tariff and total_cost priced by it; unchanged without a tariff.</summary>
    public Session Price(Session session, AppliedTariff? applied)
    {
        if (applied is null || session.ChargingPeriods is not { Count: > 0 } periods || session.StartDateTime is not { } start) return session;
        var named = periods.Select(p => p.TariffId is null ? p with { TariffId = applied.Tariff.Id } : p).ToList();
        var ordered = named.OrderBy(p => p.StartDateTime).ToList();
        var end = session.EndDateTime ?? Later(session.LastUpdated ?? start, ordered[^1].StartDateTime ?? start);
        try
        {
            var priced = CdrPricing.Price(applied.Pricer, new Cdr { Currency = session.Currency, StartDateTime = start, EndDateTime = end, ChargingPeriods = ordered }, applied.TimeZone);
            var total = priced.Rounded.Total;
            return session with { ChargingPeriods = named, TotalCost = new Price { ExclVat = total.ExclVat, InclVat = total.InclVat } };
        }
        catch (TariffPricingException e)
        {
            logger.LogInformation("Session {Party}/{SessionId}: no running price: {Reason}", session.Party, session.Id, e.Message);
            return session with { ChargingPeriods = named };
        }
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

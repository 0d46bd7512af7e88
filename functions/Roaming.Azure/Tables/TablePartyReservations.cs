using Azure;
using Azure.Data.Tables;
using Roaming.Core.Storage;
using Roaming.Core.Types;

namespace Roaming.Azure.Tables;

/// <summary>
/// Party reservations in table "partyreservations": partition "{CC}|{PID}" (upper-case, escaped), row "", the holding
/// partner and when it reserved. An insert fails when the row exists (409), which is what makes a reservation atomic.
/// </summary>
public sealed class TablePartyReservations(StorageTables tables, TimeProvider clock) : IPartyReservations
{
    private TableClient Table => tables.Get(StorageTables.PartyReservations);

    public async Task<(PartyReservation Standing, bool Made)> ReserveAsync(PartyKey party, string partnerId, CancellationToken ct)
    {
        while (true)
        {
            var reserved = clock.GetUtcNow();
            try
            {
                var response = await Table.AddEntityAsync(new TableEntity(Key(party), "") { ["PartnerId"] = partnerId, ["Reserved"] = reserved }, ct);
                return (new PartyReservation(party, partnerId, reserved, response.Headers.ETag?.ToString() ?? ""), true);
            }
            catch (RequestFailedException e) when (e.Status == 409)
            {
                // Reserved already; released again before it could be read: try once more.
                if (await GetAsync(party, ct) is { } standing) return (standing, false);
            }
        }
    }

    public async Task<bool> TakeOverAsync(PartyReservation stale, string partnerId, CancellationToken ct)
    {
        var entity = new TableEntity(Key(stale.Party), "") { ["PartnerId"] = partnerId, ["Reserved"] = clock.GetUtcNow() };
        try
        {
            await Table.UpdateEntityAsync(entity, new ETag(stale.Version), TableUpdateMode.Replace, ct);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    public async Task<PartyReservation?> GetAsync(PartyKey party, CancellationToken ct)
    {
        var response = await Table.GetEntityIfExistsAsync<TableEntity>(Key(party), "", cancellationToken: ct);
        return response.HasValue ? Read(party, response.Value!) : null;
    }

    public async Task ReleaseAsync(PartyKey party, string partnerId, CancellationToken ct)
    {
        var current = await Table.GetEntityIfExistsAsync<TableEntity>(Key(party), "", cancellationToken: ct);
        if (!current.HasValue || current.Value!.GetString("PartnerId") != partnerId) return;
        try { await Table.DeleteEntityAsync(Key(party), "", current.Value.ETag, ct); }
        catch (RequestFailedException e) when (e.Status is 404 or 412) { /* released or taken over meanwhile: not ours to delete */ }
    }

    private static PartyReservation Read(PartyKey party, TableEntity e) =>
        new(party, e.GetString("PartnerId") ?? "", e.GetDateTimeOffset("Reserved") ?? DateTimeOffset.MinValue, e.ETag.ToString());

    private static string Key(PartyKey party) => TableKey.Encode(party.CountryCode) + "|" + TableKey.Encode(party.PartyId);
}

using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Storage;
using Roaming.Core.Sync;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Tariffs;

/// <summary>Stores tariffs pulled from a partner CPO; each validated and owner-checked on its own.</summary>
public sealed class TariffPullHandler(ITariffStore store) : IPullHandler
{
    public string Module => ModuleIds.Tariffs;

    public async Task<(int Stored, List<string> Errors)> StoreAsync(Partner partner, IReadOnlyList<JsonElement> objects, CancellationToken ct)
    {
        var errors = new List<string>();
        var stored = 0;
        foreach (var element in objects)
        {
            try
            {
                var tariff = OcpiJson.Read(System.Text.Encoding.UTF8.GetBytes(element.GetRawText()), TariffsJson.Default.Tariff, "tariff");
                var party = new PartyKey(tariff.CountryCode!, tariff.PartyId!);
                if (!partner.Owns(party)) { errors.Add($"tariff {party}/{tariff.Id}: not a party of this connection"); continue; }
                await store.PutAsync(DataScope.Received, tariff, ct);
                stored++;
            }
            catch (InvalidParametersException e)
            {
                errors.Add($"tariff {(element.ValueKind == JsonValueKind.Object && element.TryGetProperty("id", out var id) ? id.ToString() : "?")}: {e.Message}");
            }
        }
        return (stored, errors);
    }

    public Task<int> RemoveNotSeenAsync(Partner partner, DateTimeOffset started, CancellationToken ct) =>
        store.DeleteNotSeenSinceAsync(partner.Roles.Where(r => r.Role == Role.Cpo).Select(r => r.Key).Distinct().ToList(), started, ct);
}

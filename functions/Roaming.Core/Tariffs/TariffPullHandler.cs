using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Storage;
using Roaming.Core.Sync;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Tariffs;

/// <summary>Stores tariffs pulled from a partner CPO.</summary>
public sealed class TariffPullHandler(ITariffStore store) : IPullHandler
{
    public string Module => ModuleIds.Tariffs;

    public async Task<(int Stored, List<string> Errors)> StoreAsync(Partner partner, IReadOnlyList<JsonElement> objects, CancellationToken ct)
    {
        var (valid, errors) = PulledObjects.Read(partner, objects, TariffsJson.Default.Tariff, "tariff", t => new PartyKey(t.CountryCode!, t.PartyId!), t => t.Id);
        await Parallel.ForEachAsync(valid, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (tariff, token) => await store.PutAsync(DataScope.Received, tariff, token));
        return (valid.Count, errors);
    }

    public Task<int> RemoveNotSeenAsync(Partner partner, DateTimeOffset started, CancellationToken ct) =>
        store.DeleteNotSeenSinceAsync(PulledObjects.CpoParties(partner), started, ct);
}

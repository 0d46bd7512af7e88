using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Storage;
using Roaming.Core.Sync;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations;

/// <summary>Stores locations pulled from a partner CPO.</summary>
public sealed class LocationPullHandler(ILocationStore store) : IPullHandler
{
    public string Module => ModuleIds.Locations;

    public async Task<(int Stored, List<string> Errors)> StoreAsync(Partner partner, IReadOnlyList<JsonElement> objects, CancellationToken ct)
    {
        var (valid, errors) = PulledObjects.Read(partner, objects, LocationsJson.Default.Location, "location", l => l.Party, l => l.Id);
        await Parallel.ForEachAsync(valid, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (location, token) => await store.PutAsync(DataScope.Received, location, token));
        return (valid.Count, errors);
    }

    public Task<int> RemoveNotSeenAsync(Partner partner, DateTimeOffset started, CancellationToken ct) =>
        store.DeleteNotSeenSinceAsync(PulledObjects.CpoParties(partner), started, ct);
}

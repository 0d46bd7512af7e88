using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Sync;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations;

/// <summary>Stores locations pulled from a partner CPO, each read in the partner's version.</summary>
public sealed class LocationsPullHandler(ILocationStore store, ModuleCatalog catalog) : IPullHandler
{
    public string Module => ModuleIds.Locations;

    public async Task<(int Stored, List<string> Errors)> StoreAsync(Partner partner, IReadOnlyList<JsonElement> objects, CancellationToken ct)
    {
        var wire = catalog.Wire<LocationsWire>(Module, partner.Version) ?? throw new InvalidOperationException($"{Module} is not served in {partner.Version}.");
        var (valid, errors) = PulledObjects.Read(partner, Role.Cpo, objects, wire.Location, "location", l => l.Party, l => l.Id);
        await Parallel.ForEachAsync(valid, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (location, token) => await store.PutAsync(DataScope.Received, location, onlyIfNewer: true, null, token));
        return (valid.Count, errors);
    }

    public Task<int> RemoveNotSeenAsync(IReadOnlyCollection<PartyKey> parties, DateTimeOffset started, CancellationToken ct) =>
        store.DeleteNotSeenSinceAsync(parties, started, ct);
}

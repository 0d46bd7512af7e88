using System.Text.Json;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Sync;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations;

/// <summary>Stores locations pulled from a partner CPO, each read in the partner's version.</summary>
public sealed class LocationsPullHandler(ILocationStore store, ModuleCatalog catalog) : IPullHandler
{
    public string Module => ModuleIds.Locations;

    public async Task<(int Stored, List<string> Errors)> StoreAsync(PullScope scope, IReadOnlyList<JsonElement> objects, CancellationToken ct)
    {
        var version = scope.Partner.Version;
        var wire = catalog.Wire<LocationsWire>(Module, version) ?? throw new InvalidOperationException($"{Module} is not served in {version}.");
        var (valid, errors) = PulledObjects.Read(scope, objects, wire.Location, "location", l => l.Party, l => l.Id);
        // Each location waits on a few round trips of its own; more of them in flight fill the index's shared batches.
        await Parallel.ForEachAsync(valid, new ParallelOptions { MaxDegreeOfParallelism = 50, CancellationToken = ct },
            async (location, token) => await store.PutAsync(DataScope.Received, location, onlyIfNewer: true, null, token));
        return (valid.Count, errors);
    }

    public Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct) => store.CountNotSeenAsync(query, ct);

    public Task<int> RemoveNotSeenAsync(NotSeenQuery query, CancellationToken ct) => store.DeleteNotSeenAsync(query, ct);
}

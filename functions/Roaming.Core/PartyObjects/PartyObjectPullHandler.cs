using System.Text.Json;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Sync;

namespace Roaming.Core.PartyObjects;

/// <summary>Stores flat party objects pulled from a partner's sender interface, each read in the partner's version.</summary>
/// <param name="wire">picks the object's mapper from the module's wire set of a version</param>
public sealed class PartyObjectPullHandler<T>(IPartyObjectStore<T> store, ModuleCatalog catalog, Func<object, IWire<T>> wire) : IPullHandler where T : class
{
    public string Module => store.Kind.Module;

    public async Task<(int Stored, List<string> Errors)> StoreAsync(PullScope scope, IReadOnlyList<JsonElement> objects, CancellationToken ct)
    {
        var kind = store.Kind;
        var version = scope.Partner.Version;
        var mapper = wire(catalog.Wire<object>(Module, version) ?? throw new InvalidOperationException($"{Module} is not served in {version}."));
        var module = catalog.Module(Module);
        var (valid, errors) = PulledObjects.Read(scope, objects, mapper, Module, kind.Party, item => module.Shown(kind.Id(item)));
        await Parallel.ForEachAsync(valid, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (item, token) => await store.PutAsync(DataScope.Received, item, null, onlyIfNewer: true, token));
        return (valid.Count, errors);
    }

    public Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct) => store.CountNotSeenAsync(query, ct);

    public Task<int> RemoveNotSeenAsync(NotSeenQuery query, CancellationToken ct) => store.DeleteNotSeenAsync(query, ct);
}

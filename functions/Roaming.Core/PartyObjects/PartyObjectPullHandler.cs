using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Sync;
using Roaming.Core.Types;

namespace Roaming.Core.PartyObjects;

/// <summary>Stores flat party objects pulled from a partner's sender interface, each read in the partner's version.</summary>
/// <param name="wire">picks the object's mapper from the module's wire set of a version</param>
public sealed class PartyObjectPullHandler<T>(IPartyObjectStore<T> store, ModuleCatalog catalog, Func<object, IWire<T>> wire) : IPullHandler where T : class
{
    public string Module => store.Kind.Module;

    public async Task<(int Stored, List<string> Errors)> StoreAsync(Partner partner, IReadOnlyList<JsonElement> objects, CancellationToken ct)
    {
        var kind = store.Kind;
        var mapper = wire(catalog.Wire<object>(Module, partner.Version) ?? throw new InvalidOperationException($"{Module} is not served in {partner.Version}."));
        var module = catalog.Module(Module);
        var (valid, errors) = PulledObjects.Read(partner, module.Owner!.Value, objects, mapper, Module, kind.Party, item => module.Shown(kind.Id(item)));
        await Parallel.ForEachAsync(valid, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (item, token) => await store.PutAsync(DataScope.Received, item, null, onlyIfNewer: true, token));
        return (valid.Count, errors);
    }

    public Task<int> RemoveNotSeenAsync(IReadOnlyCollection<PartyKey> parties, DateTimeOffset started, CancellationToken ct) =>
        store.DeleteNotSeenSinceAsync(parties, started, ct);
}

using System.Text.Json.Serialization.Metadata;
using Roaming.Core.Push;
using Roaming.Core.Types;

namespace Roaming.Core.Storage;

/// <summary>
/// A kind of flat object owned by a party (a tariff, a token, a session, a CDR): what the generic store, receiver,
/// sender, operator API, push and pull need to know of it. Stored as its canonical JSON.
/// </summary>
/// <param name="Collection">the table it is stored in</param>
/// <param name="Id">its identity within the party; a module whose identity has several parts (a token's uid and type) joins them</param>
public sealed record PartyObjectKind<T>(
    string Module,
    string Collection,
    JsonTypeInfo<T> Stored,
    Func<T, PartyKey> Party,
    Func<T, string> Id,
    Func<T, DateTimeOffset?> LastUpdated) where T : class
{
    /// <summary>Where a URL finds the object, for a kind whose identity has a second part (a token's type); <see cref="Id"/> is its stored form.</summary>
    public Func<T, ObjectAddress>? Address { get; init; }

    public ObjectAddress AddressOf(T value) => Address?.Invoke(value) ?? new ObjectAddress(Id(value));

    /// <summary>How error messages name the id's parts (a token's: "uid, type").</summary>
    public string IdName { get; init; } = "id";

    /// <summary>
    /// Objects are also looked up by id alone, without their party (a token presented at a charge point names no
    /// eMSP): the store keeps an index from id to parties.
    /// </summary>
    public bool IndexedById { get; init; }

    /// <summary>Values stored beside the object that a list can filter on (e.g. the party a CDR is for); names are plain identifiers.</summary>
    public Func<T, IReadOnlyDictionary<string, string>>? Columns { get; init; }

    /// <summary>The CiString length of the id in URLs (39 for a CDR: a credit CDR appends to the id it credits).</summary>
    public int MaxIdLength { get; init; } = 36;
}

/// <summary>How a write went.</summary>
public enum PutOutcome
{
    Created,
    Replaced,
    /// <summary>The stored object has a later last_updated: it was kept, the older one dropped (out-of-order arrival).</summary>
    KeptNewer,
}

/// <summary>A store of some kind of party objects, as the storage set-up sees it (tables to create, outboxes to sweep).</summary>
public interface IPartyObjectStore
{
    string Module { get; }
    string Collection { get; }
}

/// <summary>
/// Flat party-owned objects of one kind. A write may carry the push it causes: the change and its push record are
/// stored in one transaction, so a crash between "stored" and "queued" loses nothing (the outbox relays it later).
/// </summary>
public interface IPartyObjectStore<T> : IPartyObjectStore where T : class
{
    PartyObjectKind<T> Kind { get; }

    Task<T?> GetAsync(DataScope scope, PartyKey party, string id, CancellationToken ct);

    /// <summary>Stores the object whole, replacing any earlier one.</summary>
    /// <param name="onlyIfNewer">keep a stored object whose last_updated is later (a receiver must never go back in time)</param>
    Task<PutOutcome> PutAsync(DataScope scope, T value, PushChange? push, bool onlyIfNewer, CancellationToken ct);

    /// <summary>
    /// Changes a stored object: <paramref name="change"/> gets the current one and returns the new one, or null to leave
    /// it as it is. Retried on a concurrent change (ETag), so two simultaneous updates both take effect.
    /// </summary>
    /// <returns>the object as stored afterwards, or null when there is none</returns>
    Task<T?> UpdateAsync(DataScope scope, PartyKey party, string id, Func<T, T?> change, Func<T, PushChange?>? push, CancellationToken ct);

    /// <summary>Stores a new object that must never be replaced (a CDR): false, and nothing written, when one with its id exists.</summary>
    Task<bool> AddAsync(DataScope scope, T value, PushChange? push, CancellationToken ct);

    /// <returns>false when there was nothing to delete</returns>
    Task<bool> DeleteAsync(DataScope scope, PartyKey party, string id, PushChange? push, CancellationToken ct);

    Task<ObjectPage<T>> ListAsync(DataScope scope, ObjectQuery query, CancellationToken ct);

    /// <summary>The objects of every party with this id (usually one); only for a kind <see cref="PartyObjectKind{T}.IndexedById"/>.</summary>
    Task<IReadOnlyList<T>> FindAsync(DataScope scope, string id, CancellationToken ct);

    /// <summary>How many received objects of the query's parties a full pull did not see, of how many.</summary>
    Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct);

    /// <summary>Removes received objects a full pull did not see (the pages together are the truth).</summary>
    Task<int> DeleteNotSeenAsync(NotSeenQuery query, CancellationToken ct);
}

/// <summary>Makes the store of a kind (one implementation, on Table Storage).</summary>
public interface IPartyObjectStores
{
    IPartyObjectStore<T> For<T>(PartyObjectKind<T> kind) where T : class;
}

/// <param name="Party">Only this party's objects, or all of the scope.</param>
/// <param name="Continuation">The cursor of the previous page, from <see cref="ObjectPage{T}.Continuation"/>.</param>
/// <param name="Where">Only objects whose column (see <see cref="PartyObjectKind{T}.Columns"/>) holds one of the values given for it.</param>
public sealed record ObjectQuery(PartyKey? Party, DateTimeOffset? DateFrom, DateTimeOffset? DateTo, int Offset, int Limit, string? Continuation,
    IReadOnlyDictionary<string, IReadOnlyCollection<string>>? Where = null);

/// <param name="Continuation">Where the next page starts, or null after the last page.</param>
public sealed record ObjectPage<T>(IReadOnlyList<T> Items, int TotalCount, string? Continuation);

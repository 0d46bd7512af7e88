using System.Text.Json;
using System.Text.Json.Serialization;
using Roaming.Core.Partners;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Sync;

public enum SyncMode
{
    /// <summary>Everything the partner has; what it no longer has is removed here when the sync ends cleanly.</summary>
    Full,
    /// <summary>Only what changed since the start of the last successful sync (date_from).</summary>
    Delta,
}

public enum SyncState
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>
/// A pull of one module from one partner, page by page and party by party (one crawl per party of the partner in the
/// module's owner role, each addressed to it; through a hub one crawl addressed to the hub); what the operator sees.
/// </summary>
public sealed class SyncJob
{
    public required string PartnerId { get; init; }
    public required string JobId { get; init; }
    public required string Module { get; init; }
    public SyncMode Mode { get; init; }
    public SyncState State { get; set; }
    public DateTimeOffset Started { get; init; }
    public DateTimeOffset? Finished { get; set; }
    /// <summary>The window asked for, on last_updated: from (delta only, inclusive) to (always, exclusive).</summary>
    public DateTimeOffset? DateFrom { get; init; }
    public DateTimeOffset? DateTo { get; init; }
    /// <summary>The parties the crawls are addressed to (OCPI-to), "CC/PID", in order.</summary>
    public List<string> Parties { get; init; } = [];
    /// <summary>Through a hub: the parties whose objects the pages held, the scope of a full pull's cleanup.</summary>
    public List<string> SeenParties { get; set; } = [];
    public int Pages { get; set; }
    public int Fetched { get; set; }
    public int Stored { get; set; }
    /// <summary>Objects that could not be read; any of them keeps a full pull from removing anything.</summary>
    public int Failed { get; set; }
    /// <summary>Objects of parties the connection may not speak for (ours, another connection's), left out.</summary>
    public int Ignored { get; set; }
    public int Removed { get; set; }
    /// <summary>Objects a full pull did not see but did not remove, because they were more than the allowed share.</summary>
    public int RemovalsHeld { get; set; }
    /// <summary>The share of a module's objects this pull may remove (the operator's, or Roaming:SyncMaxRemovalShare).</summary>
    public double? MaxRemovalShare { get; init; }
    /// <summary>
    /// Set when the job succeeded: objects changed before this were all covered by it, so the next delta pull starts
    /// here. Never later than what was covered: the start less the clock skew, and no further than the job's own
    /// start of window when objects failed.
    /// </summary>
    public DateTimeOffset? Watermark { get; set; }
    public string? LastError { get; set; }
    /// <summary>What the operator should know of a job that succeeded (removals held).</summary>
    public string? Warning { get; set; }
    public string? ETag { get; set; }
}

/// <summary>One page to fetch (queue "ocpi-sync"). Page numbers (counted across the parties) make a message seen twice a no-op.</summary>
/// <param name="Party">the index in <see cref="SyncJob.Parties"/> of the crawl this page belongs to</param>
/// <param name="Offset">objects the crawl fetched before this page; with <paramref name="Limit"/>, how to ask again when a next link fails</param>
/// <param name="Limit">the page size the partner used so far</param>
/// <param name="PutOffSince">when the partner first put this page off (its pace, a young registration's 401): such waits are not failures</param>
/// <param name="Registering">the first page of a pull a registration started, while the partner may still be storing our token</param>
public sealed record SyncPageMessage(string PartnerId, string JobId, string Url, int Page, int Party = 0, int Offset = 0, int Limit = 0, DateTimeOffset? PutOffSince = null,
    bool Registering = false);

/// <summary>
/// Whose objects a pull may store: those of a party the partner may speak for in the module's owner role (its own
/// parties; through a hub, the parties behind it). Records the parties it met.
/// </summary>
/// <param name="behindHub">for a hub, the parties known behind it in the owner role (PartnerAccess.BehindHubAsync)</param>
public sealed class PullScope(Partner partner, Role owner, IReadOnlySet<PartyKey> behindHub)
{
    public Partner Partner => partner;
    public Role Owner => owner;
    public HashSet<PartyKey> Seen { get; } = [];
    /// <summary>Objects of parties it does not accept, and why the last one was not taken.</summary>
    public int Ignored { get; private set; }
    public string? LastIgnored { get; private set; }

    public bool Accepts(PartyKey party) => partner.Holds(party, owner) || behindHub.Contains(party);

    public void Ignore(string why)
    {
        Ignored++;
        LastIgnored = why;
    }
}


/// <summary>A module's side of the pull channel: stores what a pull fetched from a partner's sender interface.</summary>
public interface IPullHandler
{
    string Module { get; }
    /// <summary>
    /// Reads each object in the partner's version, checks the scope accepts its party (<see cref="PulledObjects"/>), and
    /// stores it; a bad object is counted and reported, the rest is kept.
    /// </summary>
    Task<(int Stored, List<string> Errors)> StoreAsync(PullScope scope, IReadOnlyList<JsonElement> objects, CancellationToken ct);
    /// <summary>How many received objects a clean full pull did not see, of how many.</summary>
    Task<NotSeenCount> CountNotSeenAsync(NotSeenQuery query, CancellationToken ct);
    /// <summary>After a clean full pull: removes the objects it did not see.</summary>
    Task<int> RemoveNotSeenAsync(NotSeenQuery query, CancellationToken ct);
}

public interface ISyncJobStore
{
    Task CreateAsync(SyncJob job, CancellationToken ct);
    Task<SyncJob?> GetAsync(string partnerId, string jobId, CancellationToken ct);
    /// <summary>ETag-checked; throws <see cref="Storage.ConcurrencyException"/> when the job changed meanwhile.</summary>
    Task UpdateAsync(SyncJob job, CancellationToken ct);
    Task<IReadOnlyList<SyncJob>> ListAsync(string partnerId, CancellationToken ct);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(OcpiDateTimeConverter), typeof(JsonStringEnumConverter<SyncMode>), typeof(JsonStringEnumConverter<SyncState>)])]
[JsonSerializable(typeof(SyncPageMessage))]
[JsonSerializable(typeof(SyncJob))]
[JsonSerializable(typeof(List<SyncJob>))]
[JsonSerializable(typeof(List<JsonElement>))]
[JsonSerializable(typeof(List<string>))]
public sealed partial class SyncJson : JsonSerializerContext;

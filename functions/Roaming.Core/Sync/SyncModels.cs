using System.Text.Json;
using System.Text.Json.Serialization;
using Roaming.Core.Partners;
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

/// <summary>A pull of one module from one partner, page by page; what the operator sees of its progress.</summary>
public sealed class SyncJob
{
    public required string PartnerId { get; init; }
    public required string JobId { get; init; }
    public required string Module { get; init; }
    public SyncMode Mode { get; init; }
    public SyncState State { get; set; }
    public DateTimeOffset Started { get; init; }
    public DateTimeOffset? Finished { get; set; }
    public DateTimeOffset? DateFrom { get; init; }
    public int Pages { get; set; }
    public int Fetched { get; set; }
    public int Stored { get; set; }
    public int Failed { get; set; }
    public int Removed { get; set; }
    public string? LastError { get; set; }
    public string? ETag { get; set; }
}

/// <summary>One page to fetch (queue "ocpi-sync"). Page numbers make a message seen twice a no-op.</summary>
public sealed record SyncPageMessage(string PartnerId, string JobId, string Url, int Page);

/// <summary>A module's side of the pull channel: stores what a pull fetched from a partner's sender interface.</summary>
public interface IPullHandler
{
    string Module { get; }
    /// <summary>
    /// Reads each object in the partner's version, checks it belongs to a party the partner holds in the module's owner
    /// role, and stores it; a bad object is counted and reported, the rest is kept.
    /// </summary>
    Task<(int Stored, List<string> Errors)> StoreAsync(Partner partner, IReadOnlyList<JsonElement> objects, CancellationToken ct);
    /// <summary>After a clean full pull: remove the parties' objects not stored since <paramref name="started"/>.</summary>
    Task<int> RemoveNotSeenAsync(IReadOnlyCollection<PartyKey> parties, DateTimeOffset started, CancellationToken ct);
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
public sealed partial class SyncJson : JsonSerializerContext;

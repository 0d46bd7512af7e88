using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;

namespace Roaming.Azure.Tables;

/// <summary>
/// The tables, created once at start. Layout (partition key / row key), chosen for the queries made:
/// - partners: "partner" / partner id. Few rows, listed whole for the operator and for push fan-out.
/// - credentialtokens: HMAC of a token / "". One point read per authenticated request.
/// Later modules add their own tables here, each with its layout written beside it.
/// </summary>
public sealed class StorageTables(StorageConnection connection, IOptions<RoamingOptions> options)
{
    private readonly ConcurrentDictionary<string, TableClient> _clients = new();
    private readonly string _prefix = options.Value.StoragePrefix;

    public TableClient Partners => Get("partners");
    public TableClient CredentialTokens => Get("credentialtokens");

    /// <param name="name">the table's name without the deployment's prefix</param>
    public TableClient Get(string name) => _clients.GetOrAdd(name, n => connection.CreateTableClient(_prefix + n, n));

    public const string Locations = "locations";
    public const string SyncJobs = "syncjobs";
    /// <summary>partyreservations: "{CC}|{PID}" / "". One row per party a connection holds; see TablePartyReservations.</summary>
    public const string PartyReservations = "partyreservations";
    public const string InputNotes = "inputnotes";
    public const string PushMarkers = "pushmarkers";
    /// <summary>locationindex: the count and the last_updated index of each party's locations; see LocationIndex.</summary>
    public const string LocationIndex = "locationindex";

    /// <summary>The tables of the platform itself; each flat object module adds its own (its PartyObjectKind's collection).</summary>
    public static readonly string[] All = ["partners", "credentialtokens", Locations, SyncJobs, PartyReservations, InputNotes, PushMarkers, LocationIndex];

    public async Task CreateAllAsync(IEnumerable<string> names, CancellationToken ct)
    {
        foreach (var name in names)
        {
            try { await Get(name).CreateIfNotExistsAsync(ct); }
            catch (RequestFailedException e) when (e.Status == 409) { /* created by another instance meanwhile */ }
        }
    }
}

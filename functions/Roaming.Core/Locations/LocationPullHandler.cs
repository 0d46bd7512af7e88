using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Storage;
using Roaming.Core.Sync;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations;

/// <summary>Stores locations pulled from a partner CPO; each object is validated and owner-checked on its own.</summary>
public sealed class LocationPullHandler(ILocationStore store) : IPullHandler
{
    public string Module => ModuleIds.Locations;

    public async Task<(int Stored, List<string> Errors)> StoreAsync(Partner partner, IReadOnlyList<JsonElement> objects, CancellationToken ct)
    {
        var errors = new List<string>();
        var valid = new List<Location>(objects.Count);
        foreach (var element in objects)
        {
            try
            {
                var location = OcpiJson.Read(System.Text.Encoding.UTF8.GetBytes(element.GetRawText()), LocationsJson.Default.Location, "location");
                // Spec: objects outside the partner's registered roles may be ignored; here they are refused and counted.
                if (!partner.Owns(location.Party)) errors.Add($"location {location.Party}/{location.Id}: not a party of this connection");
                else valid.Add(location);
            }
            catch (InvalidParametersException e)
            {
                var id = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("id", out var i) ? i.ToString() : "?";
                errors.Add($"location {id}: {e.Message}");
            }
        }
        await Parallel.ForEachAsync(valid, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (location, token) => await store.PutAsync(DataScope.Received, location, token));
        return (valid.Count, errors);
    }

    public Task<int> RemoveNotSeenAsync(Partner partner, DateTimeOffset started, CancellationToken ct) =>
        store.DeleteNotSeenSinceAsync(partner.Roles.Where(r => r.Role == Types.Role.Cpo).Select(r => r.Key).Distinct().ToList(), started, ct);
}

using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>
/// The back office's list of locations with its filters and totals, after changes that write only EVSE rows (status,
/// last_updated) and a replacement with fewer EVSEs: what the filters see is what the locations are now.
/// </summary>
public class LocationListTests
{
    [Fact]
    public async Task Status_and_date_filters_and_their_totals_follow_evse_changes_and_replacements()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        var ids = Enumerable.Range(0, 30).Select(i => $"L{i:D2}").ToList();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
            await cpo.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Fixtures.Location(id), expect: 201));

        // Changed since 2026-06-01: two by an EVSE status alone, one replaced by a location with a single EVSE.
        var since = "2026-06-01T00:00:00Z";
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/L05/L05-E2", new { status = "CHARGING" });
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/L17/L17-E1", new { status = "CHARGING" });
        var replacement = Fixtures.Location("L20", evses: 1, status: "CHARGING");
        replacement.Remove("last_updated");
        ((JsonObject)replacement["evses"]![0]!).Remove("last_updated");
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/L20", replacement);

        await AssertListAsync(cpo, "status=CHARGING&limit=2", 3, "L05", "L17", "L20");
        // L20 has no AVAILABLE EVSE any more; L05 and L17 still have one.
        var available = await ListAsync(cpo, "status=AVAILABLE&limit=7");
        Assert.Equal(29, available.Total);
        Assert.Equal(ids.Where(id => id != "L20"), available.Ids);
        await AssertListAsync(cpo, $"date_from={since}&limit=2", 3, "L05", "L17", "L20");
        var before = await ListAsync(cpo, $"date_to={since}&limit=10");
        Assert.Equal(27, before.Total);
        Assert.Equal(ids.Where(id => id is not ("L05" or "L17" or "L20")), before.Ids);
        await AssertListAsync(cpo, $"status=AVAILABLE&date_from={since}", 2, "L05", "L17");
        await AssertListAsync(cpo, "status=RESERVED", 0);

        var all = await ListAsync(cpo, "limit=8");
        Assert.Equal(30, all.Total);
        Assert.Equal(ids, all.Ids);
    }

    private static Task<(int Total, List<string> Ids)> ListAsync(TestEndpoint cpo, string query) => Fixtures.WalkAsync(cpo, "/operator/locations?" + query);

    private static async Task AssertListAsync(TestEndpoint cpo, string query, int total, params string[] ids)
    {
        var list = await ListAsync(cpo, query);
        Assert.Equal(total, list.Total);
        Assert.Equal(ids, list.Ids);
    }
}

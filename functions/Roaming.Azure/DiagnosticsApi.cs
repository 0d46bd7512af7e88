using System.Diagnostics;
using System.Text.Json;
using Roaming.Azure.Tables;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;

namespace Roaming.Azure;

/// <summary>
/// GET /operator/diagnostics: what this host instance has done since it started, for the operator and the
/// benchmarks: storage operations per table and queue (<see cref="StorageOperations"/>), CPU time, bytes allocated,
/// garbage collections and memory (the process's own counters, read in-process).
/// </summary>
internal sealed class DiagnosticsApi(StorageOperations operations) : IRouteGroup
{
    public void Map(RouteTable routes) => routes.Map("GET", "/operator/diagnostics", RouteAccess.Operator, ctx => Task.FromResult(OcpiResult.Json(Write)));

    private void Write(Utf8JsonWriter w)
    {
        using var process = Process.GetCurrentProcess();
        w.WriteStartObject();
        w.WriteStartObject("storage_operations");
        foreach (var (resource, count) in operations.All.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteNumber(resource, count);
        w.WriteEndObject();
        w.WriteNumber("storage_operations_total", operations.Total);
        w.WriteNumber("cpu_seconds", process.TotalProcessorTime.TotalSeconds);
        w.WriteNumber("allocated_bytes", GC.GetTotalAllocatedBytes(precise: true));
        w.WriteStartArray("gc_collections");
        for (var g = 0; g <= GC.MaxGeneration; g++) w.WriteNumberValue(GC.CollectionCount(g));
        w.WriteEndArray();
        w.WriteNumber("working_set_bytes", process.WorkingSet64);
        w.WriteNumber("peak_working_set_bytes", process.PeakWorkingSet64);
        w.WriteNumber("managed_heap_bytes", GC.GetTotalMemory(forceFullCollection: false));
        w.WriteEndObject();
    }
}

/// <summary>
/// POST /operator/storage/reindex: brings every store's indexes and counts in line with its objects (once after an
/// upgrade from a version without them, or to repair what a host that stopped mid-write left); safe to run again.
/// </summary>
internal sealed class ReindexApi(ILocationStore locations, IEnumerable<IPartyObjectStore> objectStores) : IRouteGroup
{
    public void Map(RouteTable routes) => routes.Map("POST", "/operator/storage/reindex", RouteAccess.Operator, async ctx =>
    {
        var done = new List<(string Collection, int Fixed)>();
        foreach (var store in objectStores.Cast<object>().Prepend(locations).OfType<IReindexable>())
            done.Add((store.Collection, await store.ReindexAsync(ctx.Cancellation)));
        return OcpiResult.Json(w =>
        {
            w.WriteStartObject();
            foreach (var (collection, count) in done) w.WriteNumber(collection, count);
            w.WriteEndObject();
        });
    });
}

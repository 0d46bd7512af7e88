using System.Diagnostics;
using System.Text.Json;
using Roaming.Core.Platform;
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

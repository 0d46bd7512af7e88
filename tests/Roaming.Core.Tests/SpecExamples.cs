using System.Text.Json;
using Roaming.Core.Cdrs;
using Roaming.Core.Tariffs;

namespace Roaming.Core.Tests;

/// <summary>
/// The OCPI 2.2.1 example payloads, read from ../shared/ocpi-2.2.1/examples beside the repository (never copied
/// into it). Where that folder is absent the tests that use it are skipped, saying so.
/// </summary>
public static class SpecExamples
{
    public static string? Folder { get; } = Find();

    public const string MissingReason = "The OCPI 2.2.1 example payloads (shared/ocpi-2.2.1/examples beside the repository or a folder above it) are not present on this machine.";

    /// <summary>Theory data: the example file names matching the pattern, or one "(none)" row that the test skips.</summary>
    public static TheoryData<string> Files(string pattern)
    {
        var data = new TheoryData<string>();
        if (Folder is null) { data.Add("(none)"); return data; }
        foreach (var file in Directory.GetFiles(Folder, pattern).Order()) data.Add(Path.GetFileName(file));
        return data;
    }

    public static byte[] Read(string name) => File.ReadAllBytes(PathOf(name));

    public static string PathOf(string name)
    {
        Skip.If(Folder is null || name == "(none)", MissingReason);
        return Path.Combine(Folder!, name);
    }

    public static Tariff Tariff(string name) => JsonSerializer.Deserialize(Read(name), TariffsJson.Default.Tariff)!;

    public static Cdr Cdr(string name) => JsonSerializer.Deserialize(Read(name), CdrsJson.Default.Cdr)!;

    /// <summary>shared/ocpi-2.2.1/examples beside the repository or beside any folder above it (a git worktree sits deeper than the main checkout).</summary>
    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "RoamingFunctions.sln"))) continue;
            for (var above = dir.Parent; above is not null; above = above.Parent)
            {
                var examples = Path.Combine(above.FullName, "shared", "ocpi-2.2.1", "examples");
                if (Directory.Exists(examples)) return examples;
            }
            return null;
        }
        return null;
    }
}

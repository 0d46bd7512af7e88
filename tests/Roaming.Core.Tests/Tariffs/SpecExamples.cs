using System.Text.Json;
using Roaming.Core.Cdrs;
using Roaming.Core.Tariffs;

namespace Roaming.Core.Tests.Tariffs;

/// <summary>
/// The OCPI 2.2.1 example payloads, read where the workspace keeps them (../shared/ocpi-2.2.1/examples
/// beside the repository), never copied into it. Tests that need them skip when the folder is absent.
/// </summary>
internal static class SpecExamples
{
    private static readonly Lazy<string?> Folder = new(Find);

    public static string Directory
    {
        get
        {
            Skip.If(Folder.Value is null,
                $"The OCPI 2.2.1 examples are not here: no folder shared/ocpi-2.2.1/examples beside a RoamingFunctions.sln above {AppContext.BaseDirectory}.");
            return Folder.Value!;
        }
    }

    public static string PathOf(string file) => Path.Combine(Directory, file);

    public static Tariff Tariff(string file) =>
        JsonSerializer.Deserialize(File.ReadAllBytes(PathOf(file)), TariffsJson.Default.Tariff)!;

    public static Cdr Cdr(string file) =>
        JsonSerializer.Deserialize(File.ReadAllBytes(PathOf(file)), CdrsJson.Default.Cdr)!;

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "RoamingFunctions.sln"))) continue;
            var examples = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "ocpi-2.2.1", "examples"));
            return System.IO.Directory.Exists(examples) ? examples : null;
        }
        return null;
    }
}

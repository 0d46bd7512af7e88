using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Roaming.Azure.Tests;

/// <summary>
/// infra-bicep/main.bicep compiled to ARM JSON with the Bicep CLI that scripts/bicep-check.sh restores (the
/// NuGet package pinned in tools/bicep/Bicep.csproj), and what the Function App's app settings name.
/// </summary>
internal static partial class BicepTemplate
{
    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RoamingFunctions.sln"))) return dir.FullName;
        throw new InvalidOperationException("RoamingFunctions.sln not found above " + AppContext.BaseDirectory);
    }

    public static string FindCli()
    {
        var project = File.ReadAllText(Path.Combine(RepositoryRoot, "tools", "bicep", "Bicep.csproj"));
        var version = VersionPin().Match(project).Groups[1].Value;
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cli = Path.Combine(packages, "azure.bicep.commandline.linux-x64", version, "tools", "bicep");
        if (!File.Exists(cli))
            Assert.Fail($"The Bicep CLI {version} is not at {cli}. Run scripts/bicep-check.sh first (CI runs it before the tests); it restores the CLI from NuGet.");
        return cli;
    }

    /// <summary>Compiles main.bicep; a compile error fails the test with the CLI's own message.</summary>
    public static JsonObject Compile()
    {
        var start = new ProcessStartInfo(FindCli(), ["build", Path.Combine(RepositoryRoot, "infra-bicep", "main.bicep"), "--stdout"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            Assert.Fail("bicep build did not finish within two minutes.");
        }
        Assert.True(process.ExitCode == 0, $"bicep build failed: {stderr.Result}");
        return JsonNode.Parse(stdout.Result)!.AsObject();
    }

    /// <summary>The nested template of the module deployed under <paramref name="deploymentName"/>.</summary>
    public static JsonObject Module(JsonObject template, string deploymentName) =>
        Resources(template).Single(r => (string?)r["type"] == "Microsoft.Resources/deployments" && (string?)r["name"] == deploymentName)
            ["properties"]!["template"]!.AsObject();

    public static IEnumerable<JsonObject> Resources(JsonObject template) => template["resources"] switch
    {
        JsonArray array => array.Select(r => r!.AsObject()),
        JsonObject symbolic => symbolic.Select(p => p.Value!.AsObject()),
        _ => [],
    };

    /// <summary>
    /// The setting names an app settings resource sets for certain: literal property names, whether the
    /// properties are a JSON object or an ARM expression built from createObject/union/variables. Names
    /// computed at deployment time (the extra parties) are not counted: the test cannot know them.
    /// </summary>
    public static HashSet<string> LiteralSettingNames(JsonObject template, JsonNode? properties)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        switch (properties)
        {
            case JsonObject literal:
                names.UnionWith(literal.Select(p => p.Key));
                break;
            case JsonValue value when value.TryGetValue(out string? text) && text.StartsWith('[') && text.EndsWith(']'):
                var parser = new ArmExpression(text[1..^1]);
                var expression = parser.Parse();
                Collect(template, expression, names);
                break;
        }
        return names;
    }

    private static void Collect(JsonObject template, ArmExpression.Node node, HashSet<string> names)
    {
        if (node is not ArmExpression.Call call) return;
        switch (call.Function)
        {
            case "union":
                foreach (var argument in call.Arguments) Collect(template, argument, names);
                break;
            case "createObject":
                for (var i = 0; i < call.Arguments.Count; i += 2)
                    if (call.Arguments[i] is ArmExpression.Literal { Value: var name }) names.Add(name);
                break;
            case "variables" when call.Arguments is [ArmExpression.Literal { Value: var variable }]:
                names.UnionWith(LiteralSettingNames(template, template["variables"]?[variable]));
                break;
        }
    }

    [GeneratedRegex("""Azure\.Bicep\.CommandLine\.linux-x64" Version="\[([0-9.]+)\]""")]
    private static partial Regex VersionPin();
}

/// <summary>Just enough of the ARM template expression language to read function calls and string literals.</summary>
internal sealed class ArmExpression(string text)
{
    public abstract record Node;
    public sealed record Literal(string Value) : Node;
    public sealed record Call(string Function, List<Node> Arguments) : Node;
    public sealed record Other : Node;

    private int _at;

    public Node Parse()
    {
        var node = ParseNode();
        Skip();
        if (_at != text.Length) throw new FormatException($"Unexpected '{text[_at..]}' in ARM expression.");
        return node;
    }

    private Node ParseNode()
    {
        Skip();
        Node node;
        if (text[_at] == '\'')
        {
            var value = new System.Text.StringBuilder();
            _at++;
            while (true)
            {
                if (text[_at] == '\'' && _at + 1 < text.Length && text[_at + 1] == '\'') { value.Append('\''); _at += 2; continue; }
                if (text[_at] == '\'') { _at++; break; }
                value.Append(text[_at++]);
            }
            node = new Literal(value.ToString());
        }
        else
        {
            var start = _at;
            while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] is '_' or '-')) _at++;
            var word = text[start.._at];
            Skip();
            if (_at < text.Length && text[_at] == '(')
            {
                _at++;
                var arguments = new List<Node>();
                Skip();
                while (text[_at] != ')')
                {
                    arguments.Add(ParseNode());
                    Skip();
                    if (text[_at] == ',') _at++;
                }
                _at++;
                node = new Call(word, arguments);
            }
            else node = new Other();
        }
        // Property and index access after a value: reference(...).x, parameters('p')[0].name
        while (true)
        {
            Skip();
            if (_at < text.Length && text[_at] == '.') { _at++; while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] == '_')) _at++; node = new Other(); }
            else if (_at < text.Length && text[_at] == '[') { _at++; ParseNode(); Skip(); _at++; node = new Other(); }
            else return node;
        }
    }

    private void Skip()
    {
        while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
    }
}

using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Roaming.Azure.Queues;

/// <summary>
/// host.json as the Functions host reads it: its settings under "AzureFunctionsJobHost", overridable by app
/// settings such as AzureFunctionsJobHost__extensions__queues__maxDequeueCount. Both hosts load it, so the queue
/// rules (extensions.queues) the Functions runtime applies to the triggers are the rules the core decides by
/// (QueueRules) and the rules the polling service of the ASP.NET Core host follows: one file, one source.
/// </summary>
public static class HostJson
{
    public const string FileName = "host.json";
    public const string Root = "AzureFunctionsJobHost";

    /// <summary>Adds host.json (from the app's own directory unless told) beneath every other source, so settings override it.</summary>
    public static IConfigurationBuilder AddHostJson(this IConfigurationBuilder builder, string? directory = null)
    {
        var path = Path.Combine(directory ?? AppContext.BaseDirectory, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{FileName} is missing beside the app; it holds the queue rules.", path);
        builder.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Read(File.ReadAllText(path)) });
        return builder;
    }

    /// <summary>host.json's values as configuration keys ("AzureFunctionsJobHost:extensions:queues:batchSize").</summary>
    public static Dictionary<string, string?> Read(string json)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        Flatten(document.RootElement, Root, values);
        return values;
    }

    private static void Flatten(JsonElement element, string key, Dictionary<string, string?> values)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject()) Flatten(property.Value, key + ":" + property.Name, values);
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray()) Flatten(item, key + ":" + i++, values);
                break;
            case JsonValueKind.Null:
                values[key] = null;
                break;
            default:
                values[key] = element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
                break;
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Roaming.Core.Transport.Tolerance;

namespace Roaming.Core.Transport;

/// <summary>
/// OCPI PATCH: the fields present replace the stored ones, absent ones stay. The merged object is read back
/// through the model and validated whole, so a PATCH can never leave an invalid object behind.
/// </summary>
public static class JsonMerge
{
    public static T Apply<T>(T current, JsonElement patch, JsonTypeInfo<T> type, IEnumerable<string>? ignore = null) =>
        Apply(current, patch, new Platform.JsonWire<T>(type), ignore);

    /// <summary>The merge in a version's wire shape: the patch is in that version's JSON, so the stored object is too while merging.</summary>
    public static T Apply<T>(T current, JsonElement patch, Platform.IWire<T> wire, IEnumerable<string>? ignore = null)
    {
        var node = Platform.WireExtensions.ToNode(wire, current);
        var skipped = ignore?.ToHashSet(StringComparer.Ordinal) ?? [];
        foreach (var property in patch.EnumerateObject())
        {
            if (skipped.Contains(property.Name)) continue;
            // From the raw UTF-8, checked as text: a value that is no text is a 2001, never a 500 while copying it.
            node[property.Name] = JsonText.ParseElement(property.Value);
        }
        return wire.Read(JsonSerializer.SerializeToElement(node), "merged object");
    }

    /// <summary>PATCH bodies must carry last_updated (spec: "Any request to the PATCH method SHALL contain the last_updated field").</summary>
    public static DateTimeOffset RequireLastUpdated(JsonElement patch)
    {
        if (!patch.TryGetProperty("last_updated", out var value))
            throw new InvalidParametersException([new FieldError("last_updated", "required in a PATCH")]);
        if (value.ValueKind != JsonValueKind.String || !OcpiDateTime.TryParse(value.GetString(), out var at))
            throw new InvalidParametersException([new FieldError("last_updated", "not an OCPI DateTime")]);
        var v = new OcpiValidator();
        v.LastUpdated("last_updated", at);
        v.ThrowIfInvalid();
        return OcpiDateTime.Normalize(at);
    }
}


using System.Text.Json;
using System.Text.Json.Nodes;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Core.Sessions;

/// <summary>
/// A PATCH of a Session (mod_sessions): charging_periods in it are added to the stored ones (an omitted or empty list
/// changes nothing), kept in time order; every other field present replaces the stored one. A period starting when a
/// stored one starts is that period again and replaces it, so a PATCH that arrives twice adds nothing twice. A PATCH older
/// than the stored session (overtaken by a later one on the way) still adds its periods, and changes nothing else: periods
/// only ever add up, so none is lost to two PATCHes crossing. The result is read back through the version's mapper and
/// validated whole.
/// </summary>
public static class SessionPatch
{
    public const string Periods = "charging_periods";

    /// <returns>the session patched, or null when an overtaken PATCH brings no periods</returns>
    public static Session? Apply(Session current, JsonElement patch, IWire<Session> wire, bool overtaken)
    {
        if (overtaken && !(patch.TryGetProperty(Periods, out var added) && added.ValueKind == JsonValueKind.Array && added.GetArrayLength() > 0)) return null;
        var node = wire.ToNode(current);
        foreach (var property in patch.EnumerateObject())
        {
            if (overtaken && property.Name != Periods) continue;
            if (property.Name == Periods && property.Value.ValueKind is JsonValueKind.Array or JsonValueKind.Null)
            {
                if (property.Value.ValueKind == JsonValueKind.Array) node[Periods] = Add(node[Periods] as JsonArray, property.Value);
                continue;
            }
            node[property.Name] = JsonNode.Parse(property.Value.GetRawText());
        }
        return wire.Read(JsonSerializer.SerializeToElement(node), "merged object");
    }

    private static JsonArray Add(JsonArray? stored, JsonElement added)
    {
        var periods = stored?.Select(p => p?.DeepClone()).ToList() ?? [];
        foreach (var period in added.EnumerateArray())
        {
            var node = JsonNode.Parse(period.GetRawText());
            var at = Start(node) is { } start ? periods.FindIndex(p => Start(p) == start) : -1;
            if (at >= 0) periods[at] = node;
            else periods.Add(node);
        }
        // In time order, as a period runs until the next starts: a PATCH that arrives late still lands in its place.
        return new JsonArray([.. periods.OrderBy(p => Start(p) ?? DateTimeOffset.MaxValue)]);
    }

    private static DateTimeOffset? Start(JsonNode? period) =>
        period is JsonObject o && o["start_date_time"] is JsonValue v && v.TryGetValue<string>(out var text) && OcpiDateTime.TryParse(text, out var at) ? at : null;
}

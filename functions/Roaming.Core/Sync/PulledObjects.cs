using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Roaming.Core.Partners;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Sync;

/// <summary>
/// The objects of a pulled page, each read and validated on its own (spec: a client should at least process
/// the correct objects of a list), and kept only when they belong to the partner's registered parties.
/// </summary>
public static class PulledObjects
{
    public static (List<T> Valid, List<string> Errors) Read<T>(Partner partner, IReadOnlyList<JsonElement> objects, JsonTypeInfo<T> type,
        string what, Func<T, PartyKey> owner, Func<T, string?> id)
    {
        var valid = new List<T>(objects.Count);
        var errors = new List<string>();
        foreach (var element in objects)
        {
            try
            {
                var item = OcpiJson.Read(element, type, what);
                // Spec: objects outside the partner's registered roles may be ignored; here they are counted as failed.
                if (partner.Owns(owner(item))) valid.Add(item);
                else errors.Add($"{what} {owner(item)}/{id(item)}: not a party of this connection");
            }
            catch (InvalidParametersException e)
            {
                errors.Add($"{what} {(element.ValueKind == JsonValueKind.Object && element.TryGetProperty("id", out var i) ? i.ToString() : "?")}: {e.Message}");
            }
        }
        return (valid, errors);
    }

    /// <summary>The partner's CPO parties, whose objects a clean full sync replaces.</summary>
    public static List<PartyKey> CpoParties(Partner partner) =>
        partner.Roles.Where(r => r.Role == Role.Cpo).Select(r => r.Key).Distinct().ToList();
}

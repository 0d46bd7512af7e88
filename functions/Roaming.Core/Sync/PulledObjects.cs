using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Sync;

/// <summary>
/// The objects of a pulled page, each read and validated on its own (spec: a client should at least process
/// the correct objects of a list), and kept only when they belong to a party the partner holds in the module's
/// owner role.
/// </summary>
public static class PulledObjects
{
    public static (List<T> Valid, List<string> Errors) Read<T>(Partner partner, Role owner, IReadOnlyList<JsonElement> objects, IWire<T> wire,
        string what, Func<T, PartyKey> party, Func<T, string?> id)
    {
        var valid = new List<T>(objects.Count);
        var errors = new List<string>();
        foreach (var element in objects)
        {
            try
            {
                var item = wire.Read(element, what);
                // Spec: objects outside the partner's registered roles may be ignored; here they are counted as failed.
                if (partner.Holds(party(item), owner)) valid.Add(item);
                else errors.Add($"{what} {party(item)}/{id(item)}: not a {owner.ToString().ToUpperInvariant()} party of this connection");
            }
            catch (InvalidParametersException e)
            {
                errors.Add($"{what} {(element.ValueKind == JsonValueKind.Object && element.TryGetProperty("id", out var i) ? i.ToString() : "?")}: {e.Message}");
            }
        }
        return (valid, errors);
    }

    /// <summary>The partner's parties in a role, whose objects a clean full pull replaces.</summary>
    public static List<PartyKey> Parties(Partner partner, Role role) =>
        partner.Roles.Where(r => r.Role == role).Select(r => r.Key).Distinct().ToList();
}

using System.Text.Json;
using Roaming.Core.Platform;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Sync;

/// <summary>
/// The objects of a pulled page, each read and validated on its own (spec: a client should at least process
/// the correct objects of a list), and kept only when they belong to a party the scope accepts: one the partner
/// holds in the module's owner role, or, through a hub, one behind it (transport_and_format: GET All via Hubs;
/// the owner is in each object). Objects of other parties are ignored and counted on the scope.
/// </summary>
public static class PulledObjects
{
    public static (List<T> Valid, List<string> Errors) Read<T>(PullScope scope, IReadOnlyList<JsonElement> objects, IWire<T> wire,
        string what, Func<T, PartyKey> party, Func<T, string?> id)
    {
        var valid = new List<T>(objects.Count);
        var errors = new List<string>();
        foreach (var element in objects)
        {
            try
            {
                var item = wire.Read(element, what);
                var owner = party(item);
                // Spec: objects outside the partner's registered roles may be ignored. They are counted apart from the
                // objects that could not be read: those might belong to a pulled party, these never do.
                if (scope.Accepts(owner))
                {
                    valid.Add(item);
                    scope.Seen.Add(owner);
                }
                else scope.Ignore($"{what} {owner}/{id(item)}: {owner} is not a {scope.Owner.ToString().ToUpperInvariant()} party this connection may speak for");
            }
            catch (InvalidParametersException e)
            {
                errors.Add($"{what} {(element.ValueKind == JsonValueKind.Object && element.TryGetProperty("id", out var i) ? i.ToString() : "?")}: {e.Message}");
            }
        }
        return (valid, errors);
    }
}

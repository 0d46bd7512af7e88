namespace Roaming.Core.Storage;

/// <summary>
/// An object as a URL addresses it below its party: its id and, for a module whose identity has a second part (a
/// token's type, from <c>?type=</c>), that part.
/// </summary>
public readonly record struct ObjectAddress(string Id, string? Variant = null)
{
    /// <summary>The id the object is stored under (<see cref="PartyObjectKind{T}.Id"/>).</summary>
    public string StoredId => Variant is null ? Id : StoredIds.Join(Id, Variant);
}

/// <summary>Ids of several parts (a token's uid and type) as one stored id.</summary>
public static class StoredIds
{
    public static string Join(string id, string variant) => id + "|" + variant;
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Roaming.Core.Transport.Tolerance;

/// <summary>
/// Reads one OCPI object from a JSON tree: tolerant in what it accepts, strict in what it keeps.
/// <list type="number">
/// <item>Lossless normalisation by type (<see cref="JsonNormaliser"/>): DateTime forms, enum case, numbers as strings.</item>
/// <item>The object is read and validated. A lenient validator proposes repairs where the intent is plain
/// (an over-precise coordinate, a URL without its scheme, control characters in free text, opening hours
/// that contradict themselves); they are written into the tree and the object read again.</item>
/// <item>A field that cannot be read, or fails its check, is left out when the model says the object is whole
/// without it (<see cref="OcpiValidator.MayDrop"/>: an image, the energy mix, a parking type), and the object
/// kept. Everything else (identity, required and structural fields) refuses the object with 2001 naming
/// every such field.</item>
/// </list>
/// Each change is noted (field, kind, example) for the partner's counts. The operator API reads strictly
/// (<see cref="InputNotes.Lenient"/> false): only step 1 applies there.
/// </summary>
public static class TolerantReader
{
    private const int MaxPasses = 16;

    // Bumped by the converters when they take a non-canonical form; binding is synchronous, so per thread is per read.
    [ThreadStatic] private static int t_lenientConversions;

    /// <summary>A converter took a form the spec does not show (enum case, a DateTime offset): the fast path does not apply.</summary>
    internal static void ConvertedLeniently() => t_lenientConversions++;

    /// <summary>
    /// The fast path, for what most partners send most of the time: an object that binds without a lenient
    /// conversion and validates without a repair is taken as it is, without building a tree. Anything else
    /// (a binding error, a non-canonical form, an error, a repair) returns false for the full reader, which then
    /// also gives the body's own answers (not JSON, no text).
    /// </summary>
    public static bool TryReadClean<T>(Func<T?> bind, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? value)
    {
        var before = t_lenientConversions;
        try
        {
            value = bind();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            value = default;
            return false;
        }
        if (value is null || t_lenientConversions != before) return false;
        if (value is not IOcpiValidatable validatable) return true;
        var v = new OcpiValidator { Lenient = true };
        validatable.Validate(v);
        return v.IsValid && v.Fixes.Count == 0 && v.Drops.Count == 0;
    }

    /// <param name="validate">false to only bind (the caller completes the object and validates it).</param>
    public static T Read<T>(JsonNode? root, JsonTypeInfo<T> type, string what, bool validate = true)
    {
        if (root is null) throw new InvalidParametersException([new FieldError("(body)", $"the {what} must be a JSON object, not null")]);
        var lenient = validate && InputNotes.LenientNow;
        var owner = type.Kind == JsonTypeInfoKind.Enumerable && type.ElementType is { } element ? element.Name : type.Type.Name;
        var notes = new List<InputNote>();
        JsonNormaliser.Normalise(root, type, "", notes, owner);

        // Fields left out for now because they could not be read, with why and what they held.
        var refused = new Dictionary<string, (FieldError Error, string? Held)>(StringComparer.Ordinal);
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            var value = Bind(root, type, what, _ => lenient, refused);
            if (!validate || value is not IOcpiValidatable validatable)
            {
                if (refused.Count > 0) throw new InvalidParametersException(refused.Values.Select(r => r.Error).ToList());
                Commit(root, notes);
                return value;
            }

            var v = new OcpiValidator { Lenient = lenient };
            validatable.Validate(v);
            var failures = new List<FieldError>();
            var drops = new List<(string Path, InputNote Note)>();
            foreach (var (path, (error, held)) in refused) Consider(path, error, InputKinds.Unreadable, held);
            foreach (var error in v.Errors)
            {
                // A refused field now reads as missing; its own error says more.
                if (refused.Keys.Any(r => r == error.Field || JsonPath.IsWithin(error.Field, r))) continue;
                Consider(error.Field, error, InputKinds.Invalid, error.Problem);
            }
            if (failures.Count > 0) throw new InvalidParametersException(failures);
            if (drops.Count == 0 && v.Fixes.Count == 0 && v.Drops.Count == 0)
            {
                Commit(root, notes);
                return value;
            }

            foreach (var (path, fixedValue, kind, example) in v.Fixes)
            {
                JsonPath.Set(root, path, JsonValue.Create(fixedValue));
                notes.Add(Note(owner, path, InputAction.Normalised, kind, example));
            }
            foreach (var (path, kind, problem) in v.Drops) drops.Add((path, Note(owner, path, InputAction.Dropped, kind, problem)));
            notes.AddRange(drops.Select(d => d.Note));
            // Deepest first and, among items of one list, the last first, so no removal moves another's index.
            foreach (var path in drops.Select(d => d.Path).Distinct().OrderByDescending(p => JsonPath.Parse(p).Count).ThenByDescending(TrailingIndex))
                JsonPath.Remove(root, path);
            refused.Clear();

            void Consider(string path, FieldError error, string kind, string? example)
            {
                if (lenient && v.DroppableAround(path) is { } around) drops.Add((around, Note(owner, path, InputAction.Dropped, kind, example)));
                else failures.Add(error);
            }
        }
        throw new InvalidParametersException([new FieldError("(body)", $"the {what} needs more repairs than are made for one object; fix it at the source")]);
    }

    /// <summary>
    /// Binds <paramref name="root"/> as it stands (no validation), leaving out each field that cannot be read and that
    /// <paramref name="mayLeaveOut"/> allows, with why and what it held in <paramref name="leftOut"/>; any other such
    /// field refuses the object, naming every field left out so far as well. An item of a list becomes null rather
    /// than going, so the indices of the others hold.
    /// </summary>
    public static T Bind<T>(JsonNode root, JsonTypeInfo<T> type, string what, Func<string, bool> mayLeaveOut,
        Dictionary<string, (FieldError Error, string? Held)> leftOut)
    {
        while (true)
        {
            try
            {
                return root.Deserialize(type) ?? throw new InvalidParametersException([new FieldError("(body)", $"the {what} must be a JSON object, not null")]);
            }
            catch (JsonException e)
            {
                var error = OcpiJson.ToFieldError(e);
                var held = JsonPath.Get(root, error.Field)?.ToJsonString();
                if (leftOut.ContainsKey(error.Field) || !mayLeaveOut(error.Field)
                    || !(error.Field.EndsWith(']') ? JsonPath.Set(root, error.Field, null) : JsonPath.Remove(root, error.Field)))
                    throw new InvalidParametersException([.. leftOut.Values.Select(r => r.Error), error]);
                leftOut[error.Field] = (error, held);
            }
        }
    }

    private static InputNote Note(string owner, string path, InputAction action, string kind, string? example)
    {
        var pattern = JsonPath.Pattern(path);
        return new InputNote(pattern.StartsWith('[') ? owner + pattern : owner + "." + pattern, action, kind, InputExample.Of(path, example));
    }

    private static int TrailingIndex(string path) =>
        JsonPath.Parse(path) is { Count: > 0 } segments && segments[^1] is int index ? index : -1;

    /// <summary>
    /// Hands the notes to the request's collector, under a hash of the object as read: the same text read twice
    /// (a PATCH merged to check it, then to write it) normalises to the same tree, so it is counted once.
    /// </summary>
    private static void Commit(JsonNode root, List<InputNote> notes)
    {
        if (notes.Count == 0 || InputNotes.Current is not { } scope) return;
        var hash = new HashCode();
        hash.AddBytes(JsonSerializer.SerializeToUtf8Bytes(root));
        scope.Add(hash.ToHashCode(), notes);
    }
}

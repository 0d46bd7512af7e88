namespace Roaming.Core.Transport.Tolerance;

/// <summary>What the tolerant reader did to a field: brought it into the spec's form, or left it out.</summary>
public enum InputAction
{
    Normalised,
    Dropped,
}

/// <summary>One thing a reader did to one object's field. <see cref="Field"/> is a pattern: <c>Location.evses[].status</c>.</summary>
public sealed record InputNote(string Field, InputAction Action, string Kind, string? Example);

/// <summary>How often a field was normalised or dropped, with the latest example.</summary>
public sealed record InputNoteCount(string Field, InputAction Action, string Kind, long Count, string? Example, DateTimeOffset LastSeen);

/// <summary>
/// The notes of one request (or one pulled page), set for the async flow that handles it, so the readers deep
/// inside a handler report to it without being handed anything. The endpoint records them for the calling
/// partner after the handler; the sync records them for the pulled partner.
/// <para>
/// One object read twice in a request (a PATCH is merged once to check it and again to write it) is counted
/// once: notes are counted per distinct object text.
/// </para>
/// </summary>
public sealed class InputNotes : IDisposable
{
    private static readonly AsyncLocal<InputNotes?> CurrentScope = new();
    private readonly InputNotes? _outer;
    // Made by the first note: most requests need none.
    private Notes? _notes;

    private sealed class Notes
    {
        public Dictionary<(string Field, InputAction Action, string Kind), (long Count, string? Example)> Counts { get; } = [];
        public HashSet<(int Unit, string Field, InputAction Action, string Kind)> Seen { get; } = [];
    }

    private InputNotes(bool lenient)
    {
        Lenient = lenient;
        _outer = CurrentScope.Value;
        CurrentScope.Value = this;
    }

    /// <summary>The notes of the request in flight, or null outside one.</summary>
    public static InputNotes? Current => CurrentScope.Value;

    /// <summary>
    /// Starts collecting for this async flow. <paramref name="lenient"/>: partners' input, where a field that
    /// cannot be taken as sent may be normalised or dropped; false for the operator API, where only the
    /// lossless normalisations (case, number and DateTime notation) apply and anything else is refused.
    /// </summary>
    public static InputNotes Begin(bool lenient) => new(lenient);

    /// <summary>Whether readers may normalise values and drop optional fields (true outside any scope).</summary>
    public static bool LenientNow => CurrentScope.Value?.Lenient ?? true;

    public bool Lenient { get; }

    public bool IsEmpty
    {
        get
        {
            if (Volatile.Read(ref _notes) is not { } notes) return true;
            lock (notes) return notes.Counts.Count == 0;
        }
    }

    /// <summary>The notes of one object read, whose text (as read) hashes to <paramref name="unit"/>.</summary>
    public void Add(int unit, IEnumerable<InputNote> notes)
    {
        var held = Volatile.Read(ref _notes) ?? Interlocked.CompareExchange(ref _notes, new Notes(), null) ?? _notes!;
        lock (held)
        {
            foreach (var n in notes)
            {
                if (!held.Seen.Add((unit, n.Field, n.Action, n.Kind))) continue;
                var key = (n.Field, n.Action, n.Kind);
                held.Counts[key] = (held.Counts.TryGetValue(key, out var c) ? c.Count + 1 : 1, n.Example);
            }
        }
    }

    public IReadOnlyList<InputNoteCount> Counts(DateTimeOffset now)
    {
        if (Volatile.Read(ref _notes) is not { } notes) return [];
        lock (notes) return notes.Counts.Select(c => new InputNoteCount(c.Key.Field, c.Key.Action, c.Key.Kind, c.Value.Count, c.Value.Example, now)).ToList();
    }

    public void Dispose()
    {
        if (CurrentScope.Value == this) CurrentScope.Value = _outer;
    }
}

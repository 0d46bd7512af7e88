using System.Buffers;

namespace Roaming.Core.Transport;

/// <summary>An OCPI object that checks its own fields (lengths, required fields, nested objects).</summary>
public interface IOcpiValidatable
{
    void Validate(OcpiValidator v);
}

/// <summary>
/// Collects every field error of an object with its JSON path, so one 2001 answer names all of them.
/// The JSON reader already refuses wrong types and unknown closed-enum values; this checks what
/// JSON cannot: cardinality, string lengths and the printable-character rules of string and CiString.
/// <para>
/// A <see cref="Lenient"/> validator (the tolerant reader's, for partners' input) also proposes repairs
/// instead of errors where the intent is plain (<see cref="Fix"/>, <see cref="Drop"/>), and learns which
/// optional fields an object can do without (<see cref="MayDrop"/>); a strict one turns both into errors.
/// </para>
/// </summary>
public sealed class OcpiValidator
{
    private readonly List<FieldError> _errors = [];
    private readonly List<string> _path = [];
    private readonly HashSet<string> _droppable = new(StringComparer.Ordinal);

    public IReadOnlyList<FieldError> Errors => _errors;
    public bool IsValid => _errors.Count == 0;

    /// <summary>Propose repairs (<see cref="Fixes"/>, <see cref="Drops"/>) instead of failing where the model allows it.</summary>
    public bool Lenient { get; init; }

    /// <summary>The time a last_updated is checked against.</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Values to write at a path before the object is read again (lenient only).</summary>
    public List<(string Path, string Value, string Kind, string? Example)> Fixes { get; } = [];

    /// <summary>Fields to leave out before the object is read again (lenient only).</summary>
    public List<(string Path, string Kind, string Problem)> Drops { get; } = [];

    public static void ThrowIfInvalid(IOcpiValidatable value, string? root = null)
    {
        var v = new OcpiValidator();
        if (root is null) value.Validate(v);
        else v.Object(root, value, required: true);
        v.ThrowIfInvalid();
    }

    public void ThrowIfInvalid()
    {
        if (_errors.Count > 0) throw new InvalidParametersException(_errors);
    }

    public void Fail(string field, string problem) => _errors.Add(new FieldError(PathOf(field), problem));

    /// <summary>Lenient: write <paramref name="value"/> at the field instead. Strict: the field fails with <paramref name="problem"/>.</summary>
    public void Fix(string field, string value, string kind, string? example, string problem)
    {
        if (Lenient) Fixes.Add((PathOf(field), value, kind, example));
        else Fail(field, problem);
    }

    /// <summary>Lenient: leave the field out (it contradicts another). Strict: the field fails with <paramref name="problem"/>.</summary>
    public void Drop(string field, string kind, string problem)
    {
        if (Lenient) Drops.Add((PathOf(field), kind, problem));
        else Fail(field, problem);
    }

    /// <summary>
    /// Optional fields the object is still whole without: when one cannot be read or fails its check, a lenient
    /// reader leaves it out and keeps the object. "name[]" lets items of a list go one by one (and the list, when it is the list that fails).
    /// </summary>
    public void MayDrop(params string[] fields)
    {
        foreach (var field in fields) _droppable.Add(PathOf(field));
    }

    /// <summary>The nearest field at or around <paramref name="path"/> that <see cref="MayDrop"/> allows to leave out, or null.</summary>
    public string? DroppableAround(string path)
    {
        foreach (var candidate in Tolerance.JsonPath.SelfAndAncestors(path))
        {
            if (_droppable.Contains(candidate) || _droppable.Contains(candidate + "[]")) return candidate;
            if (candidate.EndsWith(']') && _droppable.Contains(candidate[..candidate.LastIndexOf('[')] + "[]")) return candidate;
        }
        return null;
    }

    /// <summary>string(n): case sensitive, printable UTF-8 (no control characters).</summary>
    public void String(string field, string? value, int maxLength, bool required = true)
    {
        if (!CheckPresent(field, value, required)) return;
        if (value!.Length > maxLength) Fail(field, $"longer than {maxLength} characters");
        else if (value.Any(char.IsControl)) Fail(field, "contains non-printable characters");
    }

    /// <summary>
    /// Free text shown to people (a name, an address, a direction): string(n), where a line break or tab a
    /// partner left in is a slip, not a meaning. Lenient: each run of control characters becomes one space.
    /// </summary>
    public void Text(string field, string? value, int maxLength, bool required = true)
    {
        if (!CheckPresent(field, value, required) || value is null) return;
        var control = value.AsSpan().IndexOfAny(ControlCharacters);
        if (control < 0)
        {
            if (value.Length > maxLength) Fail(field, $"longer than {maxLength} characters");
            return;
        }
        var cleaned = WithoutControlCharacters(value);
        if (cleaned.Length > maxLength) Fail(field, $"longer than {maxLength} characters");
        else Fix(field, cleaned, Tolerance.InputKinds.ControlCharacters, $"U+{(int)value[control]:X4} at {control}", "contains non-printable characters");
    }

    private static readonly SearchValues<char> ControlCharacters =
        SearchValues.Create(Enumerable.Range(0, 0xA0).Select(i => (char)i).Where(char.IsControl).ToArray());

    /// <summary>Each run of control characters becomes one space (none where a space already is); the ends are trimmed.</summary>
    private static string WithoutControlCharacters(string value)
    {
        var sb = new System.Text.StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (!char.IsControl(c)) sb.Append(c);
            else if (sb.Length > 0 && sb[^1] != ' ') sb.Append(' ');
        }
        return sb.ToString().Trim();
    }

    /// <summary>CiString(n): case insensitive, printable ASCII only.</summary>
    public void CiString(string field, string? value, int maxLength, bool required = true)
    {
        if (!CheckPresent(field, value, required)) return;
        if (value!.Length > maxLength) Fail(field, $"longer than {maxLength} characters");
        else if (value.Any(c => c is < ' ' or > '~')) Fail(field, "must be printable ASCII");
    }

    /// <summary>URL: string(255), absolute http(s). Lenient: a host and path without a scheme (www.example.com/x) gets https://.</summary>
    public void Url(string field, string? value, bool required = true)
    {
        if (!CheckPresent(field, value, required)) return;
        if (value!.Length > 255) Fail(field, "longer than 255 characters");
        else if (!IsHttpUrl(value))
        {
            var withScheme = "https://" + value.TrimStart('/');
            if (!value.Contains("://", StringComparison.Ordinal) && withScheme.Length <= 255 && IsHttpUrl(withScheme)
                && Uri.TryCreate(withScheme, UriKind.Absolute, out var guessed) && guessed.Host.Contains('.'))
                Fix(field, withScheme, Tolerance.InputKinds.UrlWithoutScheme, guessed.Host, "not an absolute http(s) URL");
            else Fail(field, "not an absolute http(s) URL");
        }
    }

    private static bool IsHttpUrl(string value) =>
        !value.Any(char.IsWhiteSpace) && Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    /// <summary>
    /// An object's last_updated: required, and within the sane window (<see cref="OcpiDateTime.IsSaneLastUpdated"/>),
    /// so a placeholder date (year 1, year 9999) never pins "newest wins".
    /// </summary>
    public void LastUpdated(string field, DateTimeOffset? value)
    {
        if (value is null) Fail(field, "required");
        else if (!OcpiDateTime.IsSaneLastUpdated(value.Value, Now))
            Fail(field, $"{OcpiDateTime.Format(value.Value)} is outside {OcpiDateTime.Format(OcpiDateTime.EarliestLastUpdated)} to a day from now");
    }

    public void Required<T>(string field, T? value) where T : struct
    {
        if (value is null) Fail(field, "required");
    }

    public void Required(string field, object? value)
    {
        if (value is null) Fail(field, "required");
    }

    public void Range(string field, decimal? value, decimal min, decimal max)
    {
        if (value is { } v && (v < min || v > max)) Fail(field, $"must be between {min} and {max}");
    }

    public void Object<T>(string field, T? value, bool required = true) where T : IOcpiValidatable
    {
        if (value is null)
        {
            if (required) Fail(field, "required");
            return;
        }
        _path.Add(field);
        value.Validate(this);
        _path.RemoveAt(_path.Count - 1);
    }

    /// <summary>A list of objects; <paramref name="atLeastOne"/> for cardinality '+'; at most <paramref name="max"/> items (see <see cref="OcpiLimits"/>).</summary>
    public void List<T>(string field, IReadOnlyList<T>? items, bool required = true, bool atLeastOne = false, int max = int.MaxValue) where T : IOcpiValidatable
    {
        if (!CheckList(field, items, required, atLeastOne, max)) return;
        for (var i = 0; i < items!.Count; i++)
        {
            if (items[i] is null) { Fail($"{field}[{i}]", "must not be null"); continue; }
            _path.Add($"{field}[{i}]");
            items[i].Validate(this);
            _path.RemoveAt(_path.Count - 1);
        }
    }

    public void StringList(string field, IReadOnlyList<string>? items, int maxLength, bool ci = false, bool required = true, bool atLeastOne = false, int max = int.MaxValue)
    {
        if (!CheckList(field, items, required, atLeastOne, max)) return;
        for (var i = 0; i < items!.Count; i++)
        {
            if (ci) CiString($"{field}[{i}]", items[i], maxLength);
            else String($"{field}[{i}]", items[i], maxLength);
        }
    }

    /// <summary>A list of enum values (read by the JSON reader): only its size is checked.</summary>
    public void EnumList<T>(string field, IReadOnlyList<T>? items, int max, bool required = false) where T : struct, Enum =>
        CheckList(field, items, required, atLeastOne: false, max);

    private bool CheckList<T>(string field, IReadOnlyList<T>? items, bool required, bool atLeastOne, int max)
    {
        if (items is null)
        {
            if (required || atLeastOne) Fail(field, "required");
            return false;
        }
        if (atLeastOne && items.Count == 0) Fail(field, "must hold at least one element");
        if (items.Count > max)
        {
            Fail(field, $"holds {items.Count} items; at most {max} are accepted");
            return false;
        }
        return true;
    }

    private bool CheckPresent(string field, string? value, bool required)
    {
        if (value is not null) return true;
        if (required) Fail(field, "required");
        return false;
    }

    private string PathOf(string field) => _path.Count == 0 ? field : string.Join('.', _path) + "." + field;
}

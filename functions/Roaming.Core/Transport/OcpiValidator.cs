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
/// </summary>
public sealed class OcpiValidator
{
    private readonly List<FieldError> _errors = [];
    private readonly List<string> _path = [];

    public IReadOnlyList<FieldError> Errors => _errors;
    public bool IsValid => _errors.Count == 0;

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

    /// <summary>string(n): case sensitive, printable UTF-8 (no control characters).</summary>
    public void String(string field, string? value, int maxLength, bool required = true)
    {
        if (!CheckPresent(field, value, required)) return;
        if (value!.Length > maxLength) Fail(field, $"longer than {maxLength} characters");
        else if (value.Any(char.IsControl)) Fail(field, "contains non-printable characters");
    }

    /// <summary>CiString(n): case insensitive, printable ASCII only.</summary>
    public void CiString(string field, string? value, int maxLength, bool required = true)
    {
        if (!CheckPresent(field, value, required)) return;
        if (value!.Length > maxLength) Fail(field, $"longer than {maxLength} characters");
        else if (value.Any(c => c is < ' ' or > '~')) Fail(field, "must be printable ASCII");
    }

    /// <summary>URL: string(255), absolute http(s).</summary>
    public void Url(string field, string? value, bool required = true)
    {
        if (!CheckPresent(field, value, required)) return;
        if (value!.Length > 255) Fail(field, "longer than 255 characters");
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            Fail(field, "not an absolute http(s) URL");
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

    /// <summary>A list of objects; <paramref name="atLeastOne"/> for cardinality '+'.</summary>
    public void List<T>(string field, IReadOnlyList<T>? items, bool required = true, bool atLeastOne = false) where T : IOcpiValidatable
    {
        if (!CheckList(field, items, required, atLeastOne)) return;
        for (var i = 0; i < items!.Count; i++)
        {
            if (items[i] is null) { Fail($"{field}[{i}]", "must not be null"); continue; }
            _path.Add($"{field}[{i}]");
            items[i].Validate(this);
            _path.RemoveAt(_path.Count - 1);
        }
    }

    public void StringList(string field, IReadOnlyList<string>? items, int maxLength, bool ci = false, bool required = true, bool atLeastOne = false)
    {
        if (!CheckList(field, items, required, atLeastOne)) return;
        for (var i = 0; i < items!.Count; i++)
        {
            if (ci) CiString($"{field}[{i}]", items[i], maxLength);
            else String($"{field}[{i}]", items[i], maxLength);
        }
    }

    private bool CheckList<T>(string field, IReadOnlyList<T>? items, bool required, bool atLeastOne)
    {
        if (items is null)
        {
            if (required || atLeastOne) Fail(field, "required");
            return false;
        }
        if (atLeastOne && items.Count == 0) Fail(field, "must hold at least one element");
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

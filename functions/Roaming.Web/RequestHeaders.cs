using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;

namespace Roaming.Web;

/// <summary>
/// The request's headers as the core reads them, straight from the server's own collection (no copy per request):
/// names compare case-insensitively, and a header sent several times reads as its values joined by commas.
/// </summary>
internal sealed class RequestHeaders(IHeaderDictionary headers) : IReadOnlyDictionary<string, string>
{
    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public IEnumerable<string> Keys => headers.Keys;

    public IEnumerable<string> Values => headers.Values.Select(v => v.ToString());

    public int Count => headers.Count;

    public bool ContainsKey(string key) => headers.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        if (headers.TryGetValue(key, out var values))
        {
            value = values.ToString();
            return true;
        }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() =>
        headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

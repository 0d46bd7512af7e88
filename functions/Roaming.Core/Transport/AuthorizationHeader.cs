using System.Text;

namespace Roaming.Core.Transport;

/// <summary>
/// The OCPI Authorization header: "Token " + Base64(UTF-8(credentials token)). Many 2.1.1/2.2 partners send
/// the token without Base64; the spec leaves detection to the server, so both readings are offered as
/// candidates (decoded first) and the one that matches a known token wins.
/// </summary>
public static class AuthorizationHeader
{
    public readonly record struct Candidate(string Token, bool WasBase64);

    public static IReadOnlyList<Candidate> Candidates(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return [];
        var value = header.Trim();
        if (!value.StartsWith("Token ", StringComparison.OrdinalIgnoreCase)) return [];
        var raw = value[6..].Trim();
        if (raw.Length is 0 or > 512) return [];

        var list = new List<Candidate>(2);
        if (TryDecode(raw, out var decoded)) list.Add(new(decoded, true));
        if (raw.All(c => c is >= '!' and <= '~') && (list.Count == 0 || list[0].Token != raw)) list.Add(new(raw, false));
        return list;
    }

    public static string Format(string token, bool base64) =>
        "Token " + (base64 ? Convert.ToBase64String(Encoding.UTF8.GetBytes(token)) : token);

    private static bool TryDecode(string raw, out string decoded)
    {
        decoded = "";
        var bytes = new byte[raw.Length];
        if (!Convert.TryFromBase64String(raw, bytes, out var written)) return false;
        // The spec's own example encodes a trailing newline; a token never holds whitespace, so trim it.
        var text = Encoding.ASCII.GetString(bytes, 0, written).TrimEnd('\n', '\r', ' ');
        if (text.Length == 0 || !text.All(c => c is >= '!' and <= '~')) return false;
        decoded = text;
        return true;
    }
}

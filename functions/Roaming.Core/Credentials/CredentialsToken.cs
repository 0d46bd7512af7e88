using System.Security.Cryptography;

namespace Roaming.Core.Credentials;

public static class CredentialsToken
{
    /// <summary>A new credentials token: 32 random bytes, base64url (43 characters, within string(64)).</summary>
    public static string New() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>The spec's rule for a credentials token: printable ASCII without whitespace.</summary>
    public static bool IsWellFormed(string token) => token.Length is > 0 and <= 64 && token.All(c => c is >= '!' and <= '~');

    internal static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

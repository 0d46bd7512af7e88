using System.Security.Cryptography;
using System.Text;

namespace Roaming.Core.Credentials;

/// <summary>
/// Keeps credentials tokens out of storage in clear. Tokens partners present to us are stored only as a
/// keyed hash (HMAC-SHA256): a leaked table does not let anyone call us, and the hash is still a point-read
/// key for authentication. Tokens we must present to partners are encrypted (AES-GCM) so they can be used.
/// Both keys are derived (HKDF) from one configured secret, Roaming:TokenKey.
/// </summary>
public sealed class TokenProtector
{
    private readonly byte[] _hashKey;
    private readonly byte[] _encryptionKey;

    public TokenProtector(string base64Secret)
    {
        byte[] secret;
        try { secret = Convert.FromBase64String(base64Secret); }
        catch (FormatException) { throw new InvalidOperationException("Roaming:TokenKey must be Base64 (32 random bytes or more)."); }
        if (secret.Length < 32) throw new InvalidOperationException("Roaming:TokenKey must hold at least 32 bytes.");
        _hashKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: "ocpi-token-hash"u8.ToArray());
        _encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, info: "ocpi-token-encryption"u8.ToArray());
    }

    /// <summary>Lower-case hex HMAC of the token; safe as a table key.</summary>
    public string Hash(string token) => Convert.ToHexStringLower(HMACSHA256.HashData(_hashKey, Encoding.UTF8.GetBytes(token)));

    /// <summary>The same keyed hash of any text, written to 32 bytes, for keys held only in memory; false when the text is too long to hash here.</summary>
    public bool TryHash(ReadOnlySpan<char> text, Span<byte> destination)
    {
        Span<byte> utf8 = stackalloc byte[1024];
        if (!Encoding.UTF8.TryGetBytes(text, utf8, out var length)) return false;
        return HMACSHA256.TryHashData(_hashKey, utf8[..length], destination, out _);
    }

    public string Protect(string token)
    {
        var plain = Encoding.UTF8.GetBytes(token);
        var output = new byte[12 + 16 + plain.Length];
        var nonce = output.AsSpan(0, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_encryptionKey, 16);
        aes.Encrypt(nonce, plain, output.AsSpan(28), output.AsSpan(12, 16));
        return Convert.ToBase64String(output);
    }

    public string Unprotect(string protectedToken)
    {
        var input = Convert.FromBase64String(protectedToken);
        if (input.Length < 28) throw new CryptographicException("protected token too short");
        var plain = new byte[input.Length - 28];
        using var aes = new AesGcm(_encryptionKey, 16);
        aes.Decrypt(input.AsSpan(0, 12), input.AsSpan(28), input.AsSpan(12, 16), plain);
        return Encoding.UTF8.GetString(plain);
    }
}

using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;
using Roaming.Core.Storage;

namespace Roaming.Core.Tokens;

/// <summary>
/// A token as log lines may name it (IEC 63119-1 clause 8): a keyed hash of its uid and type, the same for the same
/// token so lines about it can be followed, of no use to anyone without the deployment's key. Its key is derived
/// from Roaming:TokenKey for this purpose alone.
/// </summary>
public sealed class TokenPseudonyms
{
    private readonly byte[] _key;

    public TokenPseudonyms(IOptions<RoamingOptions> options) =>
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(options.Value.TokenKey!), 32, info: "ocpi-token-log-pseudonym"u8.ToArray());

    public string Of(ObjectAddress token) =>
        "tok-" + Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(token.StoredId.ToUpperInvariant())).AsSpan(0, 8));
}

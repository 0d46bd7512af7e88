using System.Security.Cryptography;
using Roaming.Core.Credentials;

namespace Roaming.Core.Tests;

public class TokenProtectorTests
{
    private static readonly string Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Hash_is_stable_keyed_and_not_the_token()
    {
        var a = new TokenProtector(Key);
        Assert.Equal(a.Hash("tok"), new TokenProtector(Key).Hash("tok"));
        Assert.NotEqual(a.Hash("tok"), new TokenProtector(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))).Hash("tok"));
        Assert.DoesNotContain("tok", a.Hash("tok"));
        Assert.Equal(64, a.Hash("tok").Length);
    }

    [Fact]
    public void Protect_round_trips_and_detects_tampering()
    {
        var p = new TokenProtector(Key);
        var sealedToken = p.Protect("partner-token");
        Assert.NotEqual(sealedToken, p.Protect("partner-token"));
        Assert.Equal("partner-token", p.Unprotect(sealedToken));
        var bytes = Convert.FromBase64String(sealedToken);
        bytes[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => p.Unprotect(Convert.ToBase64String(bytes)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("c2hvcnQ=")]
    [InlineData("not base64!")]
    public void A_weak_or_malformed_key_is_refused(string key) => Assert.Throws<InvalidOperationException>(() => new TokenProtector(key));

    [Fact]
    public void New_tokens_are_well_formed_and_unique()
    {
        var tokens = Enumerable.Range(0, 100).Select(_ => CredentialsToken.New()).ToHashSet();
        Assert.Equal(100, tokens.Count);
        Assert.All(tokens, t => Assert.True(CredentialsToken.IsWellFormed(t)));
    }
}

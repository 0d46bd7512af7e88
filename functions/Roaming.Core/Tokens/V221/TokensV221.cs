using System.Text.Json;
using Roaming.Core.Platform;
using Roaming.Core.Versions;

namespace Roaming.Core.Tokens.V221;

/// <summary>
/// Tokens in OCPI 2.2.1: the stored shape is 2.2.1's plus the eMSP's own restrictions, so the mappers are the
/// model's JSON contracts with the restrictions taken off: never written to a partner, dropped when a partner sends them.
/// </summary>
public static class TokensV221
{
    public static readonly ModuleVersion<TokensWire> Version = new(ModuleIds.Tokens, "2.2.1", new TokensWire(
        new Shared<Token>(new JsonWire<Token>(TokensJson.Default.Token), Strip),
        new JsonWire<LocationReferences>(TokensJson.Default.LocationReferences),
        new Shared<AuthorizationInfo>(new JsonWire<AuthorizationInfo>(TokensJson.Default.AuthorizationInfo),
            i => i.Token?.Restrictions is null ? i : i with { Token = Strip(i.Token) })));

    private static Token Strip(Token t) => t.Restrictions is null ? t : t with { Restrictions = null };

    /// <summary>A contract whose objects cross to partners only without what the eMSP keeps to itself.</summary>
    private sealed class Shared<T>(JsonWire<T> inner, Func<T, T> strip) : IWire<T>
    {
        public T Read(ReadOnlyMemory<byte> body, string what = "request body") => strip(inner.Read(body, what));

        public T Read(JsonElement element, string what) => strip(inner.Read(element, what));

        public T Bind(JsonElement element) => strip(inner.Bind(element));

        public void Write(Utf8JsonWriter writer, T value) => inner.Write(writer, strip(value));
    }
}

using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>
/// A partner that sends what real partners send rather than what the spec prints: DateTimes with an offset, a
/// space separator or nine fractional digits, enums in lowercase, numbers as strings, over-precise coordinates,
/// URLs without a scheme, line breaks in names, opening hours that say both "always" and "on a schedule",
/// values this version does not know in optional fields. A reusable input set, so each module can be tested
/// against it: <see cref="Location"/>, <see cref="Tariff"/> and the DateTime forms in <see cref="DateTimes"/>.
/// <para>
/// Registered with an endpoint through the real handshake (<see cref="ConnectAsync"/>) it is a partner
/// connection like any other, as party BE/SPC in the role asked for.
/// </para>
/// </summary>
public sealed class SloppyPartner : IAsyncDisposable
{
    public const string Country = "BE";
    public const string Party = "SPC";

    private SloppyPartner(SpecPartner platform, string token, string partnerId)
    {
        Platform = platform;
        Token = token;
        PartnerId = partnerId;
    }

    /// <summary>Its platform: versions and credentials, as the spec describes them.</summary>
    public SpecPartner Platform { get; }

    /// <summary>The token the endpoint gave it (Token C).</summary>
    public string Token { get; }

    /// <summary>Its id at the endpoint (operator API).</summary>
    public string PartnerId { get; }

    /// <summary>Invited by the endpoint's operator, it registers as BE/SPC in <paramref name="role"/>.</summary>
    /// <param name="party">its party id (country BE); one connection per party, so a second partner needs another</param>
    public static async Task<SloppyPartner> ConnectAsync(TestEndpoint endpoint, string role, string party = "SPC")
    {
        var platform = await SpecPartner.StartAsync();
        var invitation = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", new { name = "Sloppy partner" }, expect: 201);
        var credentials = JsonNode.Parse(CredentialsHandshakeTests.Credentials(platform.Issue("B"), platform))!;
        credentials["roles"]![0]!["role"] = role;
        credentials["roles"]![0]!["party_id"] = party;
        var (status, posted, _) = await endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), credentials.ToJsonString());
        Assert.True(status == 200, posted.ToJsonString());
        return new SloppyPartner(platform, posted.Str("data.token"), invitation.Str("partner_id"));
    }

    /// <summary>An OCPI call with its token; <paramref name="raw"/> sends bytes as they are (they need not be text).</summary>
    /// <summary>
    /// The endpoint registers with it (operator registration with its Token A); it offers the modules
    /// <paramref name="serve"/> fills in as a sender (a CPO's locations and tariffs, for a pull).
    /// </summary>
    /// <param name="party">its party id (country BE); one connection per party, so a second partner needs another</param>
    public static async Task<SloppyPartner> RegisterWithAsync(TestEndpoint endpoint, string role, Action<SpecPartner> serve, string party = "SPC")
    {
        var platform = await SpecPartner.StartAsync(role: role, party: party);
        serve(platform);
        var registered = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/registrations",
            new { versions_url = platform.VersionsUrl, token = platform.Issue("A"), name = "Sloppy platform" }, expect: 201);
        return new SloppyPartner(platform, platform.TokenForEndpoint!, registered.Str("id"));
    }

    /// <summary>The operator's view of what this partner's input needed: (field, action, kind) to count.</summary>
    public async Task<Dictionary<(string Field, string Action, string Kind), (long Count, string? Example)>> CorrectionsAsync(TestEndpoint endpoint)
    {
        var view = await endpoint.OperatorAsync(HttpMethod.Get, "/operator/partners/" + PartnerId);
        return view["input_corrections"]!["items"]!.AsArray().ToDictionary(
            i => (i!.Str("field"), i!.Str("action"), i!.Str("kind")),
            i => (i!["count"]!.GetValue<long>(), i["example"]?.GetValue<string>()));
    }

    public Task<(int Http, JsonNode Body, HttpResponseMessage Response)> CallAsync(TestEndpoint endpoint, HttpMethod method, string path, string? json = null, byte[]? raw = null) =>
        endpoint.OcpiAsync(method, path, Token, json, edit: raw is null ? null : r => r.Content = new ByteArrayContent(raw) { Headers = { ContentType = new("application/json") } });

    public ValueTask DisposeAsync() => Platform.DisposeAsync();
}

using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Partners;

namespace Roaming.Integration.Tests;

/// <summary>The registration handshake between two running endpoints, over loopback HTTP, each on its own tables.</summary>
public class CredentialsHandshakeTests
{
    [Fact]
    public async Task Two_endpoints_register_rotate_and_unregister()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        await using var msp = await TestEndpoint.StartEmspAsync();

        // The eMSP's operator invites the CPO; the invitation carries a Token A and the versions URL.
        var invitation = await msp.OperatorAsync(HttpMethod.Post, "/operator/invitations", new { name = "NL CPO" }, expect: 201);
        var tokenA = invitation.Str("token");
        Assert.Equal(msp.VersionsUrl, invitation.Str("versions_url"));

        // Token A opens versions (and credentials) only.
        var (status, versions, _) = await msp.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA);
        Assert.Equal(200, status);
        Assert.Equal("2.2.1", versions.Str("data.0.version"));

        // The CPO's operator registers with the eMSP using the invitation.
        var registered = await cpo.OperatorAsync(HttpMethod.Post, "/operator/registrations",
            new { versions_url = invitation.Str("versions_url"), token = tokenA, name = "DE MSP" }, expect: 201);
        Assert.Equal("Registered", registered.Str("state"));
        Assert.Equal("EMSP", registered.Str("roles.0.role"));
        Assert.Equal("DE", registered.Str("roles.0.country_code"));
        var mspAtCpo = registered.Str("id");

        // The eMSP sees the CPO registered under the invitation's partner id, with the CPO's role and endpoints.
        var cpoAtMsp = await msp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + invitation.Str("partner_id"));
        Assert.Equal("Registered", cpoAtMsp.Str("state"));
        Assert.Equal("CPO", cpoAtMsp.Str("roles.0.role"));
        Assert.Contains(cpoAtMsp["endpoints"]!.AsArray(), e => e!["identifier"]!.GetValue<string>() == "credentials");

        // Token C (held by the CPO) works at the eMSP; Token A no longer does.
        var tokenC = OutboundToken(cpo, mspAtCpo);
        Assert.Equal(200, (await msp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1/credentials", tokenC)).Http);
        Assert.Equal(401, (await msp.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);
        // And the token the eMSP holds (B) works at the CPO.
        var tokenB = OutboundToken(msp, invitation.Str("partner_id"));
        Assert.Equal(200, (await cpo.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenB)).Http);

        // Rotation: the CPO PUTs new credentials; the old Token C stops working, the new one works.
        await cpo.OperatorAsync(HttpMethod.Post, $"/operator/partners/{mspAtCpo}/rotate");
        var tokenC2 = OutboundToken(cpo, mspAtCpo);
        Assert.NotEqual(tokenC, tokenC2);
        Assert.Equal(401, (await msp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenC)).Http);
        Assert.Equal(200, (await msp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenC2)).Http);
        var tokenB2 = OutboundToken(msp, invitation.Str("partner_id"));
        Assert.NotEqual(tokenB, tokenB2);
        Assert.Equal(401, (await cpo.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenB)).Http);
        Assert.Equal(200, (await cpo.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenB2)).Http);

        // Unregister: the CPO tells the eMSP with DELETE; neither token works afterwards.
        var unregistered = await cpo.OperatorAsync(HttpMethod.Delete, "/operator/partners/" + mspAtCpo);
        Assert.True(unregistered["partner_notified"]!.GetValue<bool>(), unregistered.ToJsonString());
        Assert.Equal(401, (await msp.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenC2)).Http);
        Assert.Equal(401, (await cpo.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenB2)).Http);
        Assert.Equal("Unregistered", (await msp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + invitation.Str("partner_id"))).Str("state"));
    }

    [Fact]
    public async Task A_spec_partner_registers_with_us_as_the_spec_describes()
    {
        await using var endpoint = await TestEndpoint.StartCpoAsync();
        await using var partner = await SpecPartner.StartAsync();
        var invitation = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var tokenA = invitation.Str("token");

        // The partner discovers our endpoints with Token A.
        var (_, versions, _) = await endpoint.OcpiAsync(HttpMethod.Get, invitation.Str("versions_url"), tokenA);
        var (_, details, _) = await endpoint.OcpiAsync(HttpMethod.Get, versions.Str("data.0.url"), tokenA);
        var credentialsUrl = details["data"]!["endpoints"]!.AsArray().Single(e => e!["identifier"]!.GetValue<string>() == "credentials")!["url"]!.GetValue<string>();
        // A CPO-only platform offers the CPO interfaces only.
        Assert.DoesNotContain(details["data"]!["endpoints"]!.AsArray(), e => e!["url"]!.GetValue<string>().Contains("/emsp/"));

        // PUT before registering is the wrong state: 405.
        var tokenB = partner.Issue("B");
        Assert.Equal(405, (await endpoint.OcpiAsync(HttpMethod.Put, credentialsUrl, tokenA, Credentials(tokenB, partner))).Http);

        // POST: we call the partner back with Token B (Base64-encoded) and answer with Token C.
        var (status, posted, _) = await endpoint.OcpiAsync(HttpMethod.Post, credentialsUrl, tokenA, Credentials(tokenB, partner));
        Assert.Equal(200, status);
        Assert.Equal(1000, posted["status_code"]!.GetValue<int>());
        var tokenC = posted.Str("data.token");
        Assert.Equal("CPO", posted.Str("data.roles.0.role"));
        Assert.Equal(endpoint.VersionsUrl, posted.Str("data.url"));
        Assert.Contains(partner.Seen, s => s.StartsWith("GET /versions Token " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(tokenB))));
        Assert.Contains(partner.Seen, s => s.StartsWith("GET /2.2.1 "));

        Assert.Equal(200, (await endpoint.OcpiAsync(HttpMethod.Get, credentialsUrl, tokenC)).Http);
        Assert.Equal(401, (await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);
        // A second POST is refused: already registered.
        Assert.Equal(405, (await endpoint.OcpiAsync(HttpMethod.Post, credentialsUrl, tokenC, Credentials(tokenB, partner))).Http);

        // GET returns our credentials with the token the caller uses.
        var (_, got, _) = await endpoint.OcpiAsync(HttpMethod.Get, credentialsUrl, tokenC);
        Assert.Equal(tokenC, got.Str("data.token"));

        // PUT rotates: a new Token C, the old one dead.
        var tokenB2 = partner.Issue("B2");
        var (putStatus, put, _) = await endpoint.OcpiAsync(HttpMethod.Put, credentialsUrl, tokenC, Credentials(tokenB2, partner));
        Assert.Equal(200, putStatus);
        var tokenC2 = put.Str("data.token");
        Assert.NotEqual(tokenC, tokenC2);
        Assert.Equal(401, (await endpoint.OcpiAsync(HttpMethod.Get, credentialsUrl, tokenC)).Http);
        Assert.Equal(200, (await endpoint.OcpiAsync(HttpMethod.Get, credentialsUrl, tokenC2)).Http);
        Assert.Equal(tokenB2, OutboundToken(endpoint, invitation.Str("partner_id")));

        // DELETE unregisters; afterwards the token is unknown, and DELETE again cannot even authenticate.
        var (deleted, _, _) = await endpoint.OcpiAsync(HttpMethod.Delete, credentialsUrl, tokenC2);
        Assert.Equal(200, deleted);
        Assert.Equal(401, (await endpoint.OcpiAsync(HttpMethod.Get, credentialsUrl, tokenC2)).Http);
    }

    [Fact]
    public async Task A_partner_that_does_not_Base64_encode_is_understood_both_ways()
    {
        await using var endpoint = await TestEndpoint.StartCpoAsync();
        await using var partner = await SpecPartner.StartAsync(rawTokensOnly: true);
        var invitation = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var tokenA = invitation.Str("token");
        var tokenB = partner.Issue("B");

        var (status, posted, _) = await endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", tokenA, Credentials(tokenB, partner), base64: false);
        Assert.True(status == 200, posted.ToJsonString());
        var tokenC = posted.Str("data.token");
        Assert.Equal(200, (await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenC, base64: false)).Http);
        Assert.Contains(partner.Seen, s => s == $"GET /versions Token {tokenB}");

        var view = await endpoint.OperatorAsync(HttpMethod.Get, "/operator/partners/" + invitation.Str("partner_id"));
        Assert.False(view["outbound_token_base64"]!.GetValue<bool>());
        Assert.False(view["inbound_token_base64"]!.GetValue<bool>());
    }

    [Fact]
    public async Task We_register_with_a_spec_partner_from_its_invitation()
    {
        await using var endpoint = await TestEndpoint.StartEmspAsync();
        await using var partner = await SpecPartner.StartAsync();
        var tokenA = partner.Issue("A");

        var view = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/registrations", new { versions_url = partner.VersionsUrl, token = tokenA }, expect: 201);
        Assert.Equal("Registered", view.Str("state"));
        Assert.Equal("SPC", view.Str("roles.0.party_id"));
        // We sent our credentials: our versions URL, our roles, and a token B that now opens our endpoint.
        var sent = partner.LastCredentialsReceived!;
        Assert.Equal(endpoint.VersionsUrl, sent.Str("url"));
        Assert.Equal("EMSP", sent.Str("roles.0.role"));
        Assert.Equal(200, (await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", partner.TokenForEndpoint)).Http);
        Assert.Equal(partner.LastIssuedToken, OutboundToken(endpoint, view.Str("id")));
    }

    [Fact]
    public async Task A_registration_whose_partner_cannot_be_reached_leaves_nothing_behind()
    {
        await using var endpoint = await TestEndpoint.StartEmspAsync();
        await using var partner = await SpecPartner.StartAsync();
        var tokenA = partner.Issue("A");
        partner.OffersVersion221 = false;

        using var response = await endpoint.Http.SendAsync(endpoint.Operator(HttpMethod.Post, "/operator/registrations", new { versions_url = partner.VersionsUrl, token = tokenA }));
        Assert.Equal(502, (int)response.StatusCode);
        Assert.Contains("2.2.1", await response.Content.ReadAsStringAsync());
        var list = await endpoint.OperatorAsync(HttpMethod.Get, "/operator/partners");
        Assert.Empty(list.AsArray());
    }

    internal static string OutboundToken(TestEndpoint endpoint, string partnerId)
    {
        var registry = endpoint.Services.GetRequiredService<PartnerRegistry>();
        var partner = registry.Store.GetAsync(partnerId, CancellationToken.None).GetAwaiter().GetResult()!;
        return registry.OutboundToken(partner).Token;
    }

    internal static string Credentials(string token, SpecPartner partner) => new JsonObject
    {
        ["token"] = token,
        ["url"] = partner.VersionsUrl,
        ["roles"] = new JsonArray(new JsonObject
        {
            ["role"] = "EMSP", ["party_id"] = "SPC", ["country_code"] = "BE",
            ["business_details"] = new JsonObject { ["name"] = "Spec Partner", ["website"] = "https://spec.example.com" },
        }),
    }.ToJsonString();
}

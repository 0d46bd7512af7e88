using System.Text;
using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>Bodies that are no text, values larger than anything stored, offsets at the end of int: the spec's answer, never a 500.</summary>
public class MalformedAndOversizedInputTests
{
    [Fact]
    public async Task The_largest_offset_is_an_empty_page_not_a_500()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        await using var emsp = await SloppyPartner.ConnectAsync(cpo, "EMSP");
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/L1", Fixtures.Location("L1"), expect: 201);
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/tariffs/NL/CPO/T1", new JsonObject
        {
            ["currency"] = "EUR",
            ["elements"] = new JsonArray(new JsonObject { ["price_components"] = new JsonArray(new JsonObject { ["type"] = "ENERGY", ["price"] = 0.3, ["step_size"] = 1 }) }),
        }, expect: 201);

        foreach (var module in new[] { "locations", "tariffs" })
        {
            foreach (var query in new[] { "?offset=2147483647", "?offset=2147483647&limit=100", "?offset=2147483600&limit=100", "?offset=1&limit=2147483647" })
            {
                var (status, body, response) = await emsp.CallAsync(cpo, HttpMethod.Get, $"/ocpi/cpo/2.2.1/{module}{query}");
                Assert.True(status == 200, $"{module}{query}: {status} {body.ToJsonString()}");
                Assert.Equal(1000, body["status_code"]!.GetValue<int>());
                Assert.Empty(body["data"]!.AsArray());
                Assert.False(response.Headers.Contains("Link"));
            }
            using var operatorList = await cpo.Http.SendAsync(cpo.Operator(HttpMethod.Get, $"/operator/{module}?offset=2147483647"));
            Assert.Equal(200, (int)operatorList.StatusCode);
        }
    }

    /// <summary>A PATCH (or any body) that is not UTF-8, or whose escapes name a lone surrogate, on every PATCH route.</summary>
    [Fact]
    public async Task Bodies_that_are_no_text_are_400_or_2001_on_every_patch_route_and_change_nothing()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var cpo = await SloppyPartner.ConnectAsync(emsp, "CPO");
        const string receiver = "/ocpi/emsp/2.2.1/locations/BE/SPC/";
        Assert.Equal(201, (await cpo.CallAsync(emsp, HttpMethod.Put, receiver + "L1", Fixtures.Location("L1", country: "BE", party: "SPC").ToJsonString())).Http);
        await using var own = await TestEndpoint.StartCpoAsync();
        await own.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/L1", Fixtures.Location("L1"), expect: 201);
        var before = (await cpo.CallAsync(emsp, HttpMethod.Get, receiver + "L1")).Body["data"]!.ToJsonString();

        var invalidUtf8 = Encoding.UTF8.GetBytes("{\"name\": \"ab\", \"last_updated\": \"2026-05-01T00:00:00Z\"}");
        invalidUtf8[11] = 0xFF;
        var loneSurrogate = Encoding.UTF8.GetBytes("{\"name\": \"a\\ud800b\", \"last_updated\": \"2026-05-01T00:00:00Z\"}");
        var loneSurrogateInName = Encoding.UTF8.GetBytes("{\"\\udc00\": 1, \"last_updated\": \"2026-05-01T00:00:00Z\"}");
        foreach (var (what, bytes, http) in new[] { ("invalid UTF-8", invalidUtf8, 400), ("a lone surrogate", loneSurrogate, 200), ("a lone surrogate in a name", loneSurrogateInName, 200) })
        {
            foreach (var path in new[] { receiver + "L1", receiver + "L1/L1-E1", receiver + "L1/L1-E1/1" })
            {
                var (status, body, _) = await cpo.CallAsync(emsp, HttpMethod.Patch, path, json: null, bytes);
                Assert.True(status == http, $"PATCH {path} with {what}: {status} {body.ToJsonString()}");
                Assert.Equal(2001, body["status_code"]!.GetValue<int>());
            }
            var (putStatus, putBody, _) = await cpo.CallAsync(emsp, HttpMethod.Put, receiver + "L2", json: null, bytes);
            Assert.True(putStatus == http, $"PUT with {what}: {putStatus} {putBody.ToJsonString()}");
            foreach (var path in new[] { "/operator/locations/NL/CPO/L1", "/operator/locations/NL/CPO/L1/L1-E1" })
            {
                var request = own.Operator(HttpMethod.Patch, path);
                request.Content = new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } };
                using var response = await own.Http.SendAsync(request);
                Assert.True((int)response.StatusCode == 400, $"operator PATCH {path} with {what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
        Assert.Equal(before, (await cpo.CallAsync(emsp, HttpMethod.Get, receiver + "L1")).Body["data"]!.ToJsonString());
        Assert.Equal(404, (await cpo.CallAsync(emsp, HttpMethod.Get, receiver + "L2")).Http);
    }

    [Fact]
    public async Task A_credentials_post_with_more_roles_than_are_stored_is_2001_and_the_invitation_stays_open()
    {
        await using var endpoint = await TestEndpoint.StartCpoAsync();
        await using var partner = await SpecPartner.StartAsync();
        var (invitation, status, body) = await PostCredentialsAsync(endpoint, partner, 976, new JsonObject { ["name"] = "x" });
        Assert.Equal(200, status);
        Assert.Equal(2001, body["status_code"]!.GetValue<int>());
        Assert.Contains("roles: holds 976 items; at most 24", body["status_message"]!.GetValue<string>());
        Assert.Equal("Invited", (await endpoint.OperatorAsync(HttpMethod.Get, "/operator/partners/" + invitation.Str("partner_id"))).Str("state"));
        Assert.Equal(200, (await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/versions", invitation.Str("token"))).Http);
    }

    [Fact]
    public async Task The_largest_allowed_roles_are_stored_whole()
    {
        // OcpiLimits.CredentialsRoles roles, each with the longest business details the spec allows, fit the partner's row.
        await using var endpoint = await TestEndpoint.StartCpoAsync();
        await using var partner = await SpecPartner.StartAsync();
        var url = "https://" + new string('w', 230) + ".example.com";
        var (invitation, status, body) = await PostCredentialsAsync(endpoint, partner, Roaming.Core.Transport.OcpiLimits.CredentialsRoles, new JsonObject
        {
            ["name"] = new string('n', 100), ["website"] = url,
            ["logo"] = new JsonObject { ["url"] = url, ["thumbnail"] = url, ["category"] = "OPERATOR", ["type"] = "jpeg", ["width"] = 99999, ["height"] = 99999 },
        });
        Assert.True(status == 200 && body["status_code"]!.GetValue<int>() == 1000, body.ToJsonString());
        var view = await endpoint.OperatorAsync(HttpMethod.Get, "/operator/partners/" + invitation.Str("partner_id"));
        Assert.Equal(Roaming.Core.Transport.OcpiLimits.CredentialsRoles, view["roles"]!.AsArray().Count);
    }

    [Fact]
    public async Task An_oversized_issuer_pem_is_400_naming_the_field()
    {
        await using var endpoint = await TestEndpoint.StartCpoAsync();
        var invitation = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var path = $"/operator/partners/{invitation.Str("partner_id")}/certificate";
        var pem = "-----BEGIN CERTIFICATE-----\n" + new string('A', 40_000) + "\n-----END CERTIFICATE-----\n";
        using var response = await endpoint.Http.SendAsync(endpoint.Operator(HttpMethod.Put, path, new { issuer = "CN=Issuer", subject = "CN=Partner", issuer_certificates_pem = pem }));
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("issuer_certificates_pem", await response.Content.ReadAsStringAsync());
        // A realistic chain is taken.
        var chain = string.Concat(Enumerable.Repeat("-----BEGIN CERTIFICATE-----\n" + new string('A', 1800) + "\n-----END CERTIFICATE-----\n", 3));
        await endpoint.OperatorAsync(HttpMethod.Put, path, new { issuer = "CN=Issuer", subject = "CN=Partner", issuer_certificates_pem = chain });
    }

    [Fact]
    public async Task A_location_over_the_evse_limit_is_2001()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var cpo = await SloppyPartner.ConnectAsync(emsp, "CPO");
        var location = Fixtures.Location("HUGE", evses: Roaming.Core.Transport.OcpiLimits.LocationEvses + 1, country: "BE", party: "SPC");
        var (status, body, _) = await cpo.CallAsync(emsp, HttpMethod.Put, "/ocpi/emsp/2.2.1/locations/BE/SPC/HUGE", location.ToJsonString());
        Assert.Equal(200, status);
        Assert.Contains("evses: holds 1001 items; at most 1000", body["status_message"]!.GetValue<string>());
    }

    /// <summary>A registration with <paramref name="count"/> EMSP roles (BE/000, BE/001, ...), each with <paramref name="business"/>.</summary>
    private static async Task<(JsonNode Invitation, int Http, JsonNode Body)> PostCredentialsAsync(TestEndpoint endpoint, SpecPartner partner, int count, JsonObject business)
    {
        var invitation = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var credentials = JsonNode.Parse(CredentialsHandshakeTests.Credentials(partner.Issue("B"), partner))!;
        var roles = new JsonArray();
        for (var i = 0; i < count; i++)
            roles.Add(new JsonObject { ["role"] = "EMSP", ["country_code"] = "BE", ["party_id"] = $"{i:X3}", ["business_details"] = business.DeepClone() });
        credentials["roles"] = roles;
        var (status, body, _) = await endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), credentials.ToJsonString());
        return (invitation, status, body);
    }
}

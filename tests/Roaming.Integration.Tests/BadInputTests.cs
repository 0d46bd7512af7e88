using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>Bad input gets the spec's answer with the right HTTP status, never a 500, and nothing is stored.</summary>
public class BadInputTests : IAsyncLifetime
{
    private TestEndpoint _endpoint = null!;
    private SpecPartner _partner = null!;

    public async Task InitializeAsync()
    {
        _endpoint = await TestEndpoint.StartCpoAsync();
        _partner = await SpecPartner.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _endpoint.DisposeAsync();
        await _partner.DisposeAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Token")]
    [InlineData("Bearer abc")]
    [InlineData("Token bm90LWEta25vd24tdG9rZW4=")]
    [InlineData("Token not-a-known-token")]
    public async Task Missing_or_unknown_token_is_401(string? header)
    {
        var (status, body, response) = await _endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/versions", null,
            edit: r => { if (header is not null) r.Headers.TryAddWithoutValidation("Authorization", header); });
        Assert.Equal(401, status);
        Assert.Equal(2000, body["status_code"]!.GetValue<int>());
        Assert.NotNull(body["timestamp"]);
        Assert.True(response.Headers.Contains("X-Request-ID"));
    }

    [Fact]
    public async Task Request_and_correlation_ids_are_echoed()
    {
        var (_, _, response) = await _endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/versions", null, edit: r =>
        {
            r.Headers.Add("X-Request-ID", "req-123");
            r.Headers.Add("X-Correlation-ID", "corr-456");
        });
        Assert.Equal("req-123", response.Headers.GetValues("X-Request-ID").Single());
        Assert.Equal("corr-456", response.Headers.GetValues("X-Correlation-ID").Single());
    }

    // Content errors reach the OCPI layer: HTTP 200 with 2001 (status_codes); a body that is not JSON is HTTP 400.
    [Theory]
    [InlineData("{\"token\": \"abc\", ", "(body)", 400)]
    [InlineData("[1,2,3]", "(body)", 200)]
    [InlineData("{\"token\": 42, \"url\": \"https://x.example.com/versions\", \"roles\": []}", "token", 200)]
    [InlineData("{\"token\": \"abc\", \"url\": \"https://x.example.com/versions\", \"roles\": \"CPO\"}", "roles", 200)]
    [InlineData("{\"token\": \"abc\", \"url\": \"https://x.example.com/versions\", \"roles\": [{\"role\": \"KING\", \"party_id\": \"ABC\", \"country_code\": \"NL\", \"business_details\": {\"name\": \"x\"}}]}", "roles[0].role", 200)]
    [InlineData("{\"token\": \"abc\", \"url\": \"https://x.example.com/versions\", \"roles\": [{\"role\": \"CPO\", \"party_id\": \"ABCD\", \"country_code\": \"NL\", \"business_details\": {\"name\": \"x\"}}]}", "roles[0].party_id", 200)]
    [InlineData("{\"token\": \"abc\", \"roles\": [{\"role\": \"CPO\", \"party_id\": \"ABC\", \"country_code\": \"NL\", \"business_details\": {\"name\": \"x\"}}]}", "url", 200)]
    [InlineData("{\"token\": \"has space\", \"url\": \"https://x.example.com/versions\", \"roles\": [{\"role\": \"CPO\", \"party_id\": \"ABC\", \"country_code\": \"NL\", \"business_details\": {\"name\": \"x\"}}]}", "token", 200)]
    [InlineData("{\"token\": \"abc\", \"url\": \"https://x.example.com/versions\", \"roles\": [{\"role\": \"CPO\", \"party_id\": \"ABC\", \"country_code\": \"NL\"}]}", "roles[0].business_details", 200)]
    [InlineData("{\"token\": \"abc\", \"url\": \"https://x.example.com/versions\", \"roles\": []}", "roles", 200)]
    [InlineData("", "(body)", 400)]
    public async Task Bad_credentials_are_2001_naming_the_field_and_nothing_is_stored(string json, string field, int http)
    {
        var invitation = await _endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var tokenA = invitation.Str("token");

        var (status, body, _) = await _endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", tokenA, json);
        Assert.Equal(http, status);
        Assert.Equal(2001, body["status_code"]!.GetValue<int>());
        var message = body["status_message"]!.GetValue<string>();
        Assert.Contains(field + ":", message);

        // Nothing changed: the invitation is still open and Token A still works.
        Assert.Equal("Invited", (await _endpoint.OperatorAsync(HttpMethod.Get, "/operator/partners/" + invitation.Str("partner_id"))).Str("state"));
        Assert.Equal(200, (await _endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);
    }

    [Fact]
    public async Task An_over_long_string_is_named()
    {
        var invitation = await _endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var json = CredentialsHandshakeTests.Credentials(new string('x', 65), _partner);
        var (status, body, _) = await _endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), json);
        Assert.Equal(200, status);
        Assert.Contains("token: longer than 64 characters", body["status_message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/ocpi/2.1.1")]
    [InlineData("/ocpi/2.1.1/credentials")]
    [InlineData("/ocpi/cpo/2.2/locations")]
    public async Task An_unknown_version_is_3002(string path)
    {
        var invitation = await _endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var (status, body, _) = await _endpoint.OcpiAsync(HttpMethod.Get, path, invitation.Str("token"));
        Assert.Equal(404, status);
        Assert.Equal(3002, body["status_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_unknown_path_is_404_and_a_wrong_method_405()
    {
        var invitation = await _endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        Assert.Equal(404, (await _endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1/nothing", invitation.Str("token"))).Http);
        var (status, body, _) = await _endpoint.OcpiAsync(HttpMethod.Patch, "/ocpi/2.2.1/credentials", invitation.Str("token"), "{}");
        Assert.Equal(405, status);
        Assert.Equal(2000, body["status_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_partner_whose_versions_cannot_be_read_gets_3001_and_stays_invited()
    {
        var invitation = await _endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var tokenA = invitation.Str("token");
        // Token B unknown to the partner: it answers 401 to our calls.
        var (status, body, _) = await _endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", tokenA,
            CredentialsHandshakeTests.Credentials("unknown-to-the-partner", _partner));
        Assert.Equal(200, status);
        Assert.Equal(3001, body["status_code"]!.GetValue<int>());
        Assert.Equal(200, (await _endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);
    }

    [Fact]
    public async Task A_partner_without_2_2_1_gets_3002()
    {
        var invitation = await _endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        _partner.OffersVersion221 = false;
        var (status, body, _) = await _endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"),
            CredentialsHandshakeTests.Credentials(_partner.Issue("B"), _partner));
        Assert.Equal(200, status);
        Assert.Equal(3002, body["status_code"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_role_already_registered_on_another_connection_is_refused()
    {
        var first = await _endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var second = await _endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        Assert.Equal(200, (await _endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", first.Str("token"),
            CredentialsHandshakeTests.Credentials(_partner.Issue("B"), _partner))).Http);
        var (status, body, _) = await _endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", second.Str("token"),
            CredentialsHandshakeTests.Credentials(_partner.Issue("B2"), _partner));
        Assert.Equal(200, status);
        Assert.Equal(2001, body["status_code"]!.GetValue<int>());
        Assert.Contains("already registered", body["status_message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key")]
    [InlineData("Token test-operator-key-0123456789")]
    public async Task The_operator_api_needs_the_operator_key(string? header)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/operator/partners");
        if (header is not null) request.Headers.TryAddWithoutValidation("Authorization", header);
        using var response = await _endpoint.Http.SendAsync(request);
        Assert.Equal(401, (int)response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]);
    }

    [Theory]
    [InlineData("{\"versions_url\": \"not a url\", \"token\": \"abc\"}", "versions_url")]
    [InlineData("{\"versions_url\": \"https://x.example.com/versions\"}", "token")]
    [InlineData("{oops", "(body)")]
    public async Task Bad_operator_input_is_400_naming_the_field(string json, string field)
    {
        var request = _endpoint.Operator(HttpMethod.Post, "/operator/registrations");
        request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await _endpoint.Http.SendAsync(request);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains(field, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/operator/partners/p-0000000000000000")]
    [InlineData("/operator/partners/..%2F..%2Fx")]
    [InlineData("/operator/partners/p-zzzz'or'1")]
    public async Task An_unknown_partner_is_404(string path)
    {
        using var response = await _endpoint.Http.SendAsync(_endpoint.Operator(HttpMethod.Get, path));
        Assert.Equal(404, (int)response.StatusCode);
    }
}

using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>Credentials a spec partner presents with the roles a test chooses, and invitations naming roles.</summary>
public static class Claims
{
    public static (string Role, string Country, string Party) Role(string role, string country, string party) => (role, country, party);

    public static string Credentials(string token, SpecPartner partner, params (string Role, string Country, string Party)[] roles)
    {
        var list = new JsonArray();
        foreach (var (role, country, party) in roles)
            list.Add(new JsonObject
            {
                ["role"] = role, ["party_id"] = party, ["country_code"] = country,
                ["business_details"] = new JsonObject { ["name"] = $"{role} {country}/{party}" },
            });
        return new JsonObject { ["token"] = token, ["url"] = partner.VersionsUrl, ["roles"] = list }.ToJsonString();
    }

    /// <summary>An invitation; <paramref name="named"/> lists what the partner may be (none: an open invitation).</summary>
    public static async Task<(string PartnerId, string TokenA)> InviteAsync(TestEndpoint endpoint, params (string Role, string Country, string Party)[] named)
    {
        object body = named.Length == 0
            ? new { name = "open" }
            : new { name = "named", roles = named.Select(r => new { role = r.Role, country_code = r.Country, party_id = r.Party }).ToArray() };
        var invitation = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", body, expect: 201);
        return (invitation.Str("partner_id"), invitation.Str("token"));
    }

    /// <summary>The partner POSTs its credentials with Token A, claiming <paramref name="roles"/>.</summary>
    public static async Task<(int Http, JsonNode Body)> PostAsync(TestEndpoint endpoint, SpecPartner partner, string tokenA,
        params (string Role, string Country, string Party)[] roles)
    {
        var (http, body, _) = await endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", tokenA, Credentials(partner.Issue("B"), partner, roles));
        return (http, body);
    }

    /// <summary>An open invitation and a registration that must succeed; returns the partner id and its Token C.</summary>
    public static async Task<(string PartnerId, string Token)> RegisterAsync(TestEndpoint endpoint, SpecPartner partner,
        (string Role, string Country, string Party)[] roles, params (string Role, string Country, string Party)[] named)
    {
        var (id, tokenA) = await InviteAsync(endpoint, named);
        var (http, body) = await PostAsync(endpoint, partner, tokenA, roles);
        Assert.True(http == 200 && body["status_code"]!.GetValue<int>() == 1000, body.ToJsonString());
        return (id, body.Str("data.token"));
    }

    public static int Status(this JsonNode body) => body["status_code"]!.GetValue<int>();

    public static JsonObject Tariff(string country, string party, string id) => new()
    {
        ["country_code"] = country,
        ["party_id"] = party,
        ["id"] = id,
        ["currency"] = "EUR",
        ["elements"] = new JsonArray(new JsonObject
        {
            ["price_components"] = new JsonArray(new JsonObject { ["type"] = "ENERGY", ["price"] = 0.25, ["vat"] = 21.0, ["step_size"] = 1 }),
        }),
        ["last_updated"] = "2026-01-01T10:00:00Z",
    };
}

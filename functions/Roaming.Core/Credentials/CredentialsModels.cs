using System.Text.Json.Serialization;
using Roaming.Core.Locations;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Credentials;

/// <summary>OCPI Credentials object: the token the other side uses to call us, our versions URL, our roles.</summary>
public sealed record Credentials : IOcpiValidatable
{
    public string? Token { get; init; }
    public string? Url { get; init; }
    public List<CredentialsRole>? Roles { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("token", Token, 64);
        if (Token is { Length: > 0 and <= 64 } && !CredentialsToken.IsWellFormed(Token))
            v.Fail("token", "must be printable ASCII without whitespace (U+0021 to U+007E)");
        else if (Token is { Length: 0 })
            v.Fail("token", "must not be empty");
        v.Url("url", Url);
        v.List("roles", Roles, atLeastOne: true, max: OcpiLimits.CredentialsRoles);
        if (Roles is { Count: > 1 })
        {
            var seen = new HashSet<(Role?, string, string)>();
            for (var i = 0; i < Roles.Count; i++)
            {
                var r = Roles[i];
                if (r is null) continue;
                if (!seen.Add((r.Role, (r.CountryCode ?? "").ToUpperInvariant(), (r.PartyId ?? "").ToUpperInvariant())))
                    v.Fail($"roles[{i}]", "repeats a role, country_code and party_id combination");
            }
        }
    }
}

public sealed record CredentialsRole : IOcpiValidatable
{
    public Role? Role { get; init; }
    public BusinessDetails? BusinessDetails { get; init; }
    public string? PartyId { get; init; }
    public string? CountryCode { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("role", Role);
        v.Object("business_details", BusinessDetails);
        v.CiString("party_id", PartyId, 3);
        v.CiString("country_code", CountryCode, 2);
    }

    [JsonIgnore]
    public PartyKey Key => new(CountryCode ?? "", PartyId ?? "");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(Credentials))]
[JsonSerializable(typeof(List<CredentialsRole>))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
public sealed partial class CredentialsJson : JsonSerializerContext;

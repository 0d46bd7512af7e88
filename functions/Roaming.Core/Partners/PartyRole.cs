using System.Text.Json.Serialization;
using Roaming.Core.Credentials;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Partners;

/// <summary>
/// A party in a role (country_code + party_id + role), as the operator names it: in an invitation, in the roles
/// granted to a connection, in the parties listed behind a hub.
/// </summary>
public sealed record PartyRole : IOcpiValidatable
{
    public Role? Role { get; init; }
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }

    [JsonIgnore]
    public PartyKey Key => new(CountryCode ?? "", PartyId ?? "");

    public void Validate(OcpiValidator v)
    {
        v.Required("role", Role);
        v.CiString("country_code", CountryCode, 2);
        v.CiString("party_id", PartyId, 3);
    }

    public bool Names(Role? role, PartyKey party) => Role == role && Key == party;

    /// <summary>Country code and party id upper-case, as every party key is kept, so equal parties compare equal.</summary>
    public PartyRole Normalized() => this with { CountryCode = Key.CountryCode, PartyId = Key.PartyId };

    public static PartyRole Of(CredentialsRole role) => new() { Role = role.Role, CountryCode = role.Key.CountryCode, PartyId = role.Key.PartyId };

    /// <summary>A granted role without business details (the operator granted it; the partner never described it).</summary>
    public CredentialsRole ToCredentialsRole() => new() { Role = Role, CountryCode = Key.CountryCode, PartyId = Key.PartyId };

    public override string ToString() => $"{Role.ToString()?.ToUpperInvariant()} {Key}";
}

/// <summary>The parties, with their roles, a caller may act for in one request: what it holds, and for a hub the parties known behind it.</summary>
public sealed class ActingParties(IReadOnlyList<PartyRole> parties)
{
    public static readonly ActingParties None = new([]);

    public IReadOnlyList<PartyRole> Parties => parties;

    /// <param name="role">the role it must act in, or null for any</param>
    public bool ActsFor(PartyKey party, Role? role = null) => parties.Any(p => p.Key == party && (role is null || p.Role == role));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<PartyRole>))]
public sealed partial class PartnerJson : JsonSerializerContext;

using System.Text.Json.Serialization;
using Roaming.Core.Sessions;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Tokens;

/// <summary>
/// OCPI Token (mod_tokens): identified by uid and type within its eMSP party. <see cref="Restrictions"/> is the
/// eMSP's own knowledge (where and until when the token may be used, whether its account has credit): stored with
/// our own tokens, used to answer real-time authorizations, never sent to a partner (no OCPI version carries it).
/// </summary>
public sealed record Token : IOcpiValidatable
{
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    public string? Uid { get; init; }
    public TokenType? Type { get; init; }
    public string? ContractId { get; init; }
    public string? VisualNumber { get; init; }
    public string? Issuer { get; init; }
    public string? GroupId { get; init; }
    public bool? Valid { get; init; }
    public WhitelistType? Whitelist { get; init; }
    public string? Language { get; init; }
    public ProfileType? DefaultProfileType { get; init; }
    public EnergyContract? EnergyContract { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }
    public TokenRestrictions? Restrictions { get; init; }

    [JsonIgnore]
    public PartyKey Party => new(CountryCode!, PartyId!);

    public void Validate(OcpiValidator v)
    {
        v.CiString("country_code", CountryCode, 2);
        v.CiString("party_id", PartyId, 3);
        v.CiString("uid", Uid, 36);
        v.Required("type", Type);
        v.CiString("contract_id", ContractId, 36);
        v.String("visual_number", VisualNumber, 64, required: false);
        v.String("issuer", Issuer, 64);
        v.CiString("group_id", GroupId, 36, required: false);
        v.Required("valid", Valid);
        v.Required("whitelist", Whitelist);
        v.String("language", Language, 2, required: false);
        v.Object("energy_contract", EnergyContract, required: false);
        v.Required("last_updated", LastUpdated);
        v.Object("restrictions", Restrictions, required: false);
    }
}

/// <summary>OCPI EnergyContract: the driver's own energy supplier and contract, where a charge point can use it.</summary>
public sealed record EnergyContract : IOcpiValidatable
{
    public string? SupplierName { get; init; }
    public string? ContractId { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("supplier_name", SupplierName, 64);
        v.String("contract_id", ContractId, 64, required: false);
    }
}

/// <summary>OCPI LocationReferences: a location and, optionally, some of its EVSEs.</summary>
public sealed record LocationReferences : IOcpiValidatable
{
    public string? LocationId { get; init; }
    public List<string>? EvseUids { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.CiString("location_id", LocationId, 36);
        v.StringList("evse_uids", EvseUids, 36, ci: true, required: false);
    }
}

/// <summary>OCPI AuthorizationInfo: the eMSP's answer to a real-time authorization.</summary>
public sealed record AuthorizationInfo : IOcpiValidatable
{
    public AllowedType? Allowed { get; init; }
    public Token? Token { get; init; }
    public LocationReferences? Location { get; init; }
    public string? AuthorizationReference { get; init; }
    public DisplayText? Info { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("allowed", Allowed);
        v.Object("token", Token);
        v.Object("location", Location, required: false);
        v.CiString("authorization_reference", AuthorizationReference, 36, required: false);
        v.Object("info", Info, required: false);
    }
}

/// <summary>
/// What only the issuing eMSP knows of its token, set by its back office: the locations (and EVSEs) it may be used
/// at, when it expires, whether its account lacks credit. Real-time authorization answers NOT_ALLOWED, EXPIRED or
/// NO_CREDIT from it.
/// </summary>
public sealed record TokenRestrictions : IOcpiValidatable
{
    /// <summary>Only these locations; a location that lists EVSEs, only those EVSEs. Absent: anywhere.</summary>
    public List<LocationReferences>? Locations { get; init; }

    /// <summary>From this moment on the token answers EXPIRED.</summary>
    public DateTimeOffset? Expires { get; init; }

    /// <summary>The account behind the token has no credit to charge: NO_CREDIT.</summary>
    public bool? NoCredit { get; init; }

    public void Validate(OcpiValidator v)
    {
        // An empty list would mean "nowhere": that is a blocked token (valid: false), said plainly.
        if (Locations is not null) v.List("locations", Locations, atLeastOne: true);
    }
}

[JsonConverter(typeof(OcpiEnumConverter<WhitelistType>))]
public enum WhitelistType
{
    [JsonStringEnumMemberName("ALWAYS")] Always,
    [JsonStringEnumMemberName("ALLOWED")] Allowed,
    [JsonStringEnumMemberName("ALLOWED_OFFLINE")] AllowedOffline,
    [JsonStringEnumMemberName("NEVER")] Never,
}

[JsonConverter(typeof(OcpiEnumConverter<AllowedType>))]
public enum AllowedType
{
    [JsonStringEnumMemberName("ALLOWED")] Allowed,
    [JsonStringEnumMemberName("BLOCKED")] Blocked,
    [JsonStringEnumMemberName("EXPIRED")] Expired,
    [JsonStringEnumMemberName("NO_CREDIT")] NoCredit,
    [JsonStringEnumMemberName("NOT_ALLOWED")] NotAllowed,
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(Token))]
[JsonSerializable(typeof(List<Token>))]
[JsonSerializable(typeof(LocationReferences))]
[JsonSerializable(typeof(AuthorizationInfo))]
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
public sealed partial class TokensJson : JsonSerializerContext;

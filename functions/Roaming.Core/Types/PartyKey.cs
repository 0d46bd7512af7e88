namespace Roaming.Core.Types;

/// <summary>
/// A party's identity on the wire: country_code + party_id, compared case-insensitively (both are CiString).
/// Stored and printed upper-case.
/// </summary>
public readonly record struct PartyKey
{
    public PartyKey(string countryCode, string partyId)
    {
        CountryCode = countryCode.ToUpperInvariant();
        PartyId = partyId.ToUpperInvariant();
    }

    public string CountryCode { get; }
    public string PartyId { get; }

    public override string ToString() => $"{CountryCode}/{PartyId}";
}

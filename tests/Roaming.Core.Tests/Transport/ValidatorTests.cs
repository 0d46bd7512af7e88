using Roaming.Core.Credentials;
using Roaming.Core.Locations;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Tests.Transport;

using Credentials = Roaming.Core.Credentials.Credentials;

public class ValidatorTests
{
    private static Credentials Valid() => new()
    {
        Token = "abc",
        Url = "https://x.example.com/versions",
        Roles = [new CredentialsRole { Role = Role.Cpo, PartyId = "ABC", CountryCode = "NL", BusinessDetails = new BusinessDetails { Name = "X" } }],
    };

    private static IReadOnlyList<FieldError> Errors(IOcpiValidatable value)
    {
        var v = new OcpiValidator();
        value.Validate(v);
        return v.Errors;
    }

    [Fact]
    public void A_valid_object_has_no_errors() => Assert.Empty(Errors(Valid()));

    [Fact]
    public void Nested_errors_are_named_by_their_path()
    {
        var c = Valid() with
        {
            Roles = [Valid().Roles![0] with { PartyId = "ABCD", BusinessDetails = new BusinessDetails { Name = null, Website = "ftp://x" } }],
        };
        var errors = Errors(c).Select(e => e.Field).ToList();
        Assert.Equal(["roles[0].business_details.name", "roles[0].business_details.website", "roles[0].party_id"], errors);
    }

    [Fact]
    public void CiString_allows_printable_ascii_only() =>
        Assert.Contains(Errors(Valid() with { Roles = [Valid().Roles![0] with { CountryCode = "N\u00cb" }] }), e => e.Field == "roles[0].country_code");

    [Fact]
    public void String_refuses_control_characters() =>
        Assert.Contains(Errors(new DisplayText { Language = "en", Text = "line\nbreak" }), e => e.Field == "text");

    [Fact]
    public void Cardinality_plus_needs_one_element() =>
        Assert.Contains(Errors(Valid() with { Roles = [] }), e => e is { Field: "roles", Problem: "must hold at least one element" });

    [Fact]
    public void Repeated_roles_are_refused()
    {
        var role = Valid().Roles![0];
        Assert.Contains(Errors(Valid() with { Roles = [role, role with { PartyId = "abc" }] }), e => e.Field == "roles[1]");
    }

    [Fact]
    public void Reading_json_turns_type_errors_into_2001_with_the_path()
    {
        var e = Assert.Throws<InvalidParametersException>(() =>
            OcpiJson.Read("{\"version\": \"2.2.1\", \"endpoints\": [{\"identifier\": \"x\", \"role\": \"BOTH\", \"url\": \"https://a.example.com\"}]}"u8.ToArray(),
                VersionsJson.Default.VersionDetails));
        Assert.Equal("endpoints[0].role", Assert.Single(e.Errors).Field);
    }

    [Fact]
    public void Enum_numbers_are_refused()
    {
        var e = Assert.Throws<InvalidParametersException>(() =>
            OcpiJson.Read("{\"version\": \"2.2.1\", \"endpoints\": [{\"identifier\": \"x\", \"role\": 0, \"url\": \"https://a.example.com\"}]}"u8.ToArray(),
                VersionsJson.Default.VersionDetails));
        Assert.Equal("endpoints[0].role", Assert.Single(e.Errors).Field);
    }

    [Fact]
    public void Malformed_json_is_2001()
    {
        var e = Assert.Throws<InvalidParametersException>(() => OcpiJson.Read("{\"version\": "u8.ToArray(), VersionsJson.Default.VersionDetails));
        Assert.StartsWith("malformed JSON", Assert.Single(e.Errors).Problem);
    }
}

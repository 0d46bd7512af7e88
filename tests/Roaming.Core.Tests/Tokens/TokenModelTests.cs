using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Roaming.Core.Platform;
using Roaming.Core.Tokens;
using Roaming.Core.Tokens.V221;
using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Tokens;

/// <summary>The Token, LocationReferences and AuthorizationInfo rules from mod_tokens' field tables, and the 2.2.1 wire.</summary>
public class TokenModelTests
{
    private static readonly TokensWire Wire = TokensV221.Version.Wire;

    public static TheoryData<string> Examples() => SpecExamples.Files("token_*.json");

    [SkippableTheory]
    [MemberData(nameof(Examples))]
    public void Every_token_example_of_the_spec_reads_as_it_should(string file)
    {
        var json = SpecExamples.Read(file);
        if (file == "token_patch_example.json")
        {
            // A PATCH body: a part of a token, not a token.
            var e = Assert.Throws<InvalidParametersException>(() => Wire.Token.Read(json));
            Assert.Contains(e.Errors, f => f.Field == "uid");
            return;
        }
        var token = Wire.Token.Read(json);
        Assert.NotNull(token.Uid);
        Assert.NotNull(token.LastUpdated);
    }

    [SkippableTheory]
    [InlineData("transport_and_format_get_token_example.json")]
    [InlineData("transport_and_format_get_token_list_example.json")]
    public void The_tokens_in_the_envelope_examples_are_valid(string file)
    {
        var data = JsonNode.Parse(SpecExamples.Read(file))!["data"]!;
        var tokens = data is JsonArray list ? list.Select(t => t!).ToList() : [data];
        foreach (var t in tokens) Wire.Token.Read(JsonSerializer.SerializeToElement(t), "token");
        Assert.NotEmpty(tokens);
    }

    private static JsonObject Token() => new()
    {
        ["country_code"] = "NL",
        ["party_id"] = "TNM",
        ["uid"] = "012345678",
        ["type"] = "RFID",
        ["contract_id"] = "NL-TNM-C12345678-X",
        ["visual_number"] = "DF000-2001-8999-1",
        ["issuer"] = "The Issuer",
        ["group_id"] = "DF000-2001-8999",
        ["valid"] = true,
        ["whitelist"] = "ALLOWED",
        ["language"] = "nl",
        ["default_profile_type"] = "GREEN",
        ["energy_contract"] = new JsonObject { ["supplier_name"] = "Supplier", ["contract_id"] = "0123456789" },
        ["last_updated"] = "2026-01-01T10:00:00Z",
    };

    [Fact]
    public void A_complete_token_is_valid() => Assert.Equal("NL-TNM-C12345678-X", Wire.Token.Read(Encoding.UTF8.GetBytes(Token().ToJsonString())).ContractId);

    [Theory]
    [InlineData("country_code", "NLD", "country_code")]
    [InlineData("party_id", "TNMX", "party_id")]
    [InlineData("uid", "0123456789012345678901234567890123456", "uid")]
    [InlineData("uid", "caf\u00e9", "uid")]
    [InlineData("uid", null, "uid")]
    [InlineData("type", "MIFARE", "type")]
    [InlineData("type", null, "type")]
    [InlineData("contract_id", "NL-TNM-C12345678-X-0123456789012345678", "contract_id")]
    [InlineData("contract_id", null, "contract_id")]
    [InlineData("visual_number", "0123456789012345678901234567890123456789012345678901234567890123456789", "visual_number")]
    [InlineData("issuer", null, "issuer")]
    [InlineData("issuer", "line\nbreak", "issuer")]
    [InlineData("group_id", "0123456789012345678901234567890123456", "group_id")]
    [InlineData("valid", null, "valid")]
    [InlineData("whitelist", "SOMETIMES", "whitelist")]
    [InlineData("whitelist", null, "whitelist")]
    [InlineData("language", "nld", "language")]
    [InlineData("default_profile_type", "SLOW", "default_profile_type")]
    [InlineData("last_updated", null, "last_updated")]
    [InlineData("last_updated", "yesterday", "last_updated")]
    public void A_field_outside_its_table_row_is_refused_by_name(string field, string? value, string named)
    {
        var token = Token();
        if (value is null) token.Remove(field); else token[field] = value;
        var e = Assert.Throws<InvalidParametersException>(() => Wire.Token.Read(Encoding.UTF8.GetBytes(token.ToJsonString())));
        Assert.Equal(named, Assert.Single(e.Errors).Field);
        Assert.Equal(OcpiStatus.InvalidOrMissingParameters, e.StatusCode);
    }

    [Fact]
    public void An_energy_contract_needs_its_supplier()
    {
        var token = Token();
        token["energy_contract"] = new JsonObject { ["contract_id"] = "1" };
        var e = Assert.Throws<InvalidParametersException>(() => Wire.Token.Read(Encoding.UTF8.GetBytes(token.ToJsonString())));
        Assert.Equal("energy_contract.supplier_name", Assert.Single(e.Errors).Field);
    }

    [Fact]
    public void The_emsps_restrictions_are_stored_but_never_on_the_wire()
    {
        var token = Token();
        token["restrictions"] = new JsonObject
        {
            ["locations"] = new JsonArray(new JsonObject { ["location_id"] = "LOC1", ["evse_uids"] = new JsonArray("E1") }),
            ["no_credit"] = true,
        };
        var stored = JsonSerializer.Deserialize(token.ToJsonString(), TokensJson.Default.Token)!;
        Assert.Equal("LOC1", stored.Restrictions!.Locations![0].LocationId);
        Assert.Contains("\"restrictions\"", JsonSerializer.Serialize(stored, TokensJson.Default.Token));

        var onTheWire = Wire.Token.ToNode(stored);
        Assert.False(onTheWire.ContainsKey("restrictions"));
        // Sent by a partner, it is ignored: only an eMSP's own back office sets it.
        Assert.Null(Wire.Token.Read(Encoding.UTF8.GetBytes(token.ToJsonString())).Restrictions);
        var info = new AuthorizationInfo { Allowed = AllowedType.Allowed, Token = stored };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) Wire.AuthorizationInfo.Write(w, info);
        Assert.DoesNotContain("restrictions", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Restrictions_naming_no_location_are_refused()
    {
        var stored = JsonSerializer.Deserialize(Token().ToJsonString(), TokensJson.Default.Token)! with
        {
            Restrictions = new TokenRestrictions { Locations = [] },
        };
        var e = Assert.Throws<InvalidParametersException>(() => OcpiValidator.ThrowIfInvalid(stored));
        Assert.Equal("restrictions.locations", Assert.Single(e.Errors).Field);
    }

    [Theory]
    [InlineData("""{"evse_uids":["E1"]}""", "location_id")]
    [InlineData("""{"location_id":"0123456789012345678901234567890123456"}""", "location_id")]
    [InlineData("""{"location_id":"L1","evse_uids":["0123456789012345678901234567890123456"]}""", "evse_uids[0]")]
    [InlineData("""{"location_id":"L1","evse_uids":"E1"}""", "evse_uids")]
    public void Location_references_follow_their_table(string json, string field)
    {
        var e = Assert.Throws<InvalidParametersException>(() => Wire.LocationReferences.Read(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(field, Assert.Single(e.Errors).Field);
    }

    [Theory]
    [InlineData("allowed", null, "allowed")]
    [InlineData("allowed", "MAYBE", "allowed")]
    [InlineData("authorization_reference", "0123456789012345678901234567890123456", "authorization_reference")]
    [InlineData("token", null, "token")]
    public void Authorization_info_follows_its_table(string field, string? value, string named)
    {
        var info = new JsonObject { ["allowed"] = "ALLOWED", ["token"] = Token(), ["authorization_reference"] = "REF1" };
        if (value is null) info.Remove(field); else info[field] = value;
        var e = Assert.Throws<InvalidParametersException>(() => Wire.AuthorizationInfo.Read(Encoding.UTF8.GetBytes(info.ToJsonString())));
        Assert.Equal(named, Assert.Single(e.Errors).Field);
    }

    [Theory]
    [InlineData(null, TokenType.Rfid)]
    [InlineData("RFID", TokenType.Rfid)]
    [InlineData("APP_USER", TokenType.AppUser)]
    [InlineData("AD_HOC_USER", TokenType.AdHocUser)]
    [InlineData("OTHER", TokenType.Other)]
    public void The_type_parameter_defaults_to_RFID(string? query, TokenType expected) => Assert.Equal(expected, TokenTypes.Parse(query));

    [Theory]
    [InlineData("rfid")]
    [InlineData("EMAID")]
    [InlineData("")]
    public void A_type_parameter_that_is_no_token_type_is_2001(string query) =>
        Assert.Equal("type", Assert.Single(Assert.Throws<InvalidParametersException>(() => TokenTypes.Parse(query)).Errors).Field);
}

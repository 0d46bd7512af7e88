using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Tokens;

/// <summary>OCPI TokenType (mod_tokens); also carried by a CDR's CdrToken.</summary>
[JsonConverter(typeof(OcpiEnumConverter<TokenType>))]
public enum TokenType
{
    [JsonStringEnumMemberName("AD_HOC_USER")] AdHocUser,
    [JsonStringEnumMemberName("APP_USER")] AppUser,
    [JsonStringEnumMemberName("OTHER")] Other,
    [JsonStringEnumMemberName("RFID")] Rfid,
}

/// <summary>A token type as URLs carry it: <c>?type=</c>, RFID when absent (mod_tokens).</summary>
public static class TokenTypes
{
    public const TokenType Default = TokenType.Rfid;

    public static string Name(TokenType type) => type switch
    {
        TokenType.AdHocUser => "AD_HOC_USER",
        TokenType.AppUser => "APP_USER",
        TokenType.Other => "OTHER",
        TokenType.Rfid => "RFID",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The type named by a query parameter (absent: RFID); anything but a TokenType value is 2001.</summary>
    public static TokenType Parse(string? value, string field = "type")
    {
        if (value is null) return Default;
        foreach (var type in Enum.GetValues<TokenType>())
            if (Name(type) == value) return type;
        throw new InvalidParametersException([new FieldError(field, $"'{value}' is not a token type (AD_HOC_USER, APP_USER, OTHER, RFID)")]);
    }
}

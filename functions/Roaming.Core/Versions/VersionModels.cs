using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Versions;

/// <summary>One entry of the versions list. The number is a string: a partner may list versions newer than this code knows.</summary>
public sealed record VersionInfo : IOcpiValidatable
{
    public string? Version { get; init; }
    public string? Url { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("version", Version, 10);
        v.Url("url", Url);
    }
}

public sealed record VersionDetails : IOcpiValidatable
{
    public string? Version { get; init; }
    public List<Endpoint>? Endpoints { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("version", Version, 10);
        v.List("endpoints", Endpoints, atLeastOne: true);
    }
}

/// <summary>
/// A module endpoint. The identifier is a string, not a closed enum: the spec lets parties add custom
/// module ids, and a partner's list must still parse when it carries one.
/// </summary>
public sealed record Endpoint : IOcpiValidatable
{
    public string? Identifier { get; init; }
    public InterfaceRole? Role { get; init; }
    public string? Url { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("identifier", Identifier, 64);
        v.Required("role", Role);
        v.Url("url", Url);
    }
}

[JsonConverter(typeof(OcpiEnumConverter<InterfaceRole>))]
public enum InterfaceRole
{
    [JsonStringEnumMemberName("SENDER")] Sender,
    [JsonStringEnumMemberName("RECEIVER")] Receiver,
}

/// <summary>ModuleID values of OCPI 2.2.1.</summary>
public static class ModuleIds
{
    public const string Cdrs = "cdrs";
    public const string ChargingProfiles = "chargingprofiles";
    public const string Commands = "commands";
    public const string Credentials = "credentials";
    public const string HubClientInfo = "hubclientinfo";
    public const string Locations = "locations";
    public const string Sessions = "sessions";
    public const string Tariffs = "tariffs";
    public const string Tokens = "tokens";
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(List<VersionInfo>))]
[JsonSerializable(typeof(VersionDetails))]
[JsonSerializable(typeof(List<Endpoint>))]
public sealed partial class VersionsJson : JsonSerializerContext;

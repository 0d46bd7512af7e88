using System.Text.Json.Serialization;
using Roaming.Core.Tokens;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;
using Roaming.Core.Types;

namespace Roaming.Core.Locations;

/// <summary>OCPI Location (mod_locations). Owned by a CPO, identified by country_code + party_id + id (all CiString).</summary>
public sealed record Location : IOcpiValidatable
{
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    public string? Id { get; init; }
    public bool? Publish { get; init; }
    public List<PublishTokenType>? PublishAllowedTo { get; init; }
    public string? Name { get; init; }
    public string? Address { get; init; }
    public string? City { get; init; }
    public string? PostalCode { get; init; }
    public string? State { get; init; }
    public string? Country { get; init; }
    public GeoLocation? Coordinates { get; init; }
    public List<AdditionalGeoLocation>? RelatedLocations { get; init; }
    public ParkingType? ParkingType { get; init; }
    public List<Evse>? Evses { get; init; }
    public List<DisplayText>? Directions { get; init; }
    public BusinessDetails? Operator { get; init; }
    public BusinessDetails? Suboperator { get; init; }
    public BusinessDetails? Owner { get; init; }
    /// <summary>An open list (the spec adds facilities between versions): unknown values are kept.</summary>
    public List<string>? Facilities { get; init; }
    public string? TimeZone { get; init; }
    public Hours? OpeningTimes { get; init; }
    public bool? ChargingWhenClosed { get; init; }
    public List<Image>? Images { get; init; }
    public EnergyMix? EnergyMix { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    [JsonIgnore]
    public PartyKey Party => new(CountryCode ?? "", PartyId ?? "");

    public void Validate(OcpiValidator v)
    {
        // What a Location is still whole without; its identity, address, coordinates, EVSEs and who may see it are not.
        v.MayDrop("related_locations[]", "parking_type", "directions[]", "operator", "suboperator", "owner", "facilities[]",
            "opening_times", "charging_when_closed", "images[]", "energy_mix");
        v.CiString("country_code", CountryCode, 2);
        v.CiString("party_id", PartyId, 3);
        v.CiString("id", Id, 36);
        v.Required("publish", Publish);
        v.List("publish_allowed_to", PublishAllowedTo, required: false, max: OcpiLimits.LocationPublishAllowedTo);
        if (Publish == true && PublishAllowedTo is { Count: > 0 }) v.Fail("publish_allowed_to", "may only be used when publish is false");
        v.Text("name", Name, 255, required: false);
        v.Text("address", Address, 255);
        v.Text("city", City, 45);
        v.Text("postal_code", PostalCode, 10, required: false);
        v.Text("state", State, 45, required: false);
        v.String("country", Country, 3);
        v.Object("coordinates", Coordinates);
        v.List("related_locations", RelatedLocations, required: false, max: OcpiLimits.LocationRelatedLocations);
        v.List("evses", Evses, required: false, max: OcpiLimits.LocationEvses);
        if (Evses is { Count: > 1 } && Evses.Where(e => e?.Uid is not null).GroupBy(e => e.Uid!.ToUpperInvariant()).Any(g => g.Count() > 1))
            v.Fail("evses", "two EVSEs have the same uid");
        v.List("directions", Directions, required: false, max: OcpiLimits.DisplayTexts);
        v.Object("operator", Operator, required: false);
        v.Object("suboperator", Suboperator, required: false);
        v.Object("owner", Owner, required: false);
        v.StringList("facilities", Facilities, OpenValues.MaxLength, ci: true, required: false, max: OcpiLimits.LocationFacilities);
        v.String("time_zone", TimeZone, 255);
        v.Object("opening_times", OpeningTimes, required: false);
        v.List("images", Images, required: false, max: OcpiLimits.Images);
        v.Object("energy_mix", EnergyMix, required: false);
        v.LastUpdated("last_updated", LastUpdated);
    }
}

/// <summary>OCPI EVSE (mod_locations).</summary>
public sealed record Evse : IOcpiValidatable
{
    public string? Uid { get; init; }
    public string? EvseId { get; init; }
    public EvseStatus? Status { get; init; }
    public List<StatusSchedule>? StatusSchedule { get; init; }
    /// <summary>An open list: unknown capabilities are kept.</summary>
    public List<string>? Capabilities { get; init; }
    public List<Connector>? Connectors { get; init; }
    public string? FloorLevel { get; init; }
    public GeoLocation? Coordinates { get; init; }
    public string? PhysicalReference { get; init; }
    public List<DisplayText>? Directions { get; init; }
    /// <summary>An open list: unknown parking restrictions are kept.</summary>
    public List<string>? ParkingRestrictions { get; init; }
    public List<Image>? Images { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.MayDrop("status_schedule[]", "capabilities[]", "coordinates", "directions[]", "parking_restrictions[]", "images[]");
        v.CiString("uid", Uid, 36);
        v.CiString("evse_id", EvseId, 48, required: false);
        v.Required("status", Status);
        v.List("status_schedule", StatusSchedule, required: false, max: OcpiLimits.EvseStatusSchedule);
        v.StringList("capabilities", Capabilities, OpenValues.MaxLength, ci: true, required: false, max: OcpiLimits.EvseCapabilities);
        v.List("connectors", Connectors, atLeastOne: true, max: OcpiLimits.EvseConnectors);
        if (Connectors is { Count: > 1 } && Connectors.Where(c => c?.Id is not null).GroupBy(c => c.Id!.ToUpperInvariant()).Any(g => g.Count() > 1))
            v.Fail("connectors", "two connectors have the same id");
        v.Text("floor_level", FloorLevel, 4, required: false);
        v.Object("coordinates", Coordinates, required: false);
        v.Text("physical_reference", PhysicalReference, 16, required: false);
        v.List("directions", Directions, required: false, max: OcpiLimits.DisplayTexts);
        v.StringList("parking_restrictions", ParkingRestrictions, OpenValues.MaxLength, ci: true, required: false, max: OcpiLimits.EvseParkingRestrictions);
        v.List("images", Images, required: false, max: OcpiLimits.Images);
        v.LastUpdated("last_updated", LastUpdated);
    }
}

/// <summary>OCPI Connector (mod_locations).</summary>
public sealed record Connector : IOcpiValidatable
{
    public string? Id { get; init; }
    /// <summary>ConnectorType, an open list: new standards appear between versions and are kept as sent.</summary>
    public string? Standard { get; init; }
    public ConnectorFormat? Format { get; init; }
    public PowerType? PowerType { get; init; }
    public int? MaxVoltage { get; init; }
    public int? MaxAmperage { get; init; }
    public int? MaxElectricPower { get; init; }
    public List<string>? TariffIds { get; init; }
    public string? TermsAndConditions { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.MayDrop("max_electric_power", "terms_and_conditions");
        v.CiString("id", Id, 36);
        v.CiString("standard", Standard, OpenValues.MaxLength);
        v.Required("format", Format);
        v.Required("power_type", PowerType);
        v.Required("max_voltage", MaxVoltage);
        v.Range("max_voltage", MaxVoltage, 0, int.MaxValue);
        v.Required("max_amperage", MaxAmperage);
        v.Range("max_amperage", MaxAmperage, 0, int.MaxValue);
        v.Range("max_electric_power", MaxElectricPower, 0, int.MaxValue);
        v.StringList("tariff_ids", TariffIds, 36, ci: true, required: false, max: OcpiLimits.ConnectorTariffIds);
        v.Url("terms_and_conditions", TermsAndConditions, required: false);
        v.LastUpdated("last_updated", LastUpdated);
    }
}

/// <summary>Values of the open lists (ConnectorType, Capability, Facility, ParkingRestriction): printable ASCII up to this length.</summary>
public static class OpenValues
{
    public const int MaxLength = 64;
}

public sealed record AdditionalGeoLocation : IOcpiValidatable
{
    public string? Latitude { get; init; }
    public string? Longitude { get; init; }
    public DisplayText? Name { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.MayDrop("name");
        GeoLocation.Check(v, Latitude, Longitude);
        v.Object("name", Name, required: false);
    }
}

/// <summary>OCPI PublishTokenType: at least one of uid, visual_number, group_id; uid needs type, visual_number needs issuer.</summary>
public sealed record PublishTokenType : IOcpiValidatable
{
    public string? Uid { get; init; }
    public TokenType? Type { get; init; }
    public string? VisualNumber { get; init; }
    public string? Issuer { get; init; }
    public string? GroupId { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.CiString("uid", Uid, 36, required: false);
        v.String("visual_number", VisualNumber, 64, required: false);
        v.Text("issuer", Issuer, 64, required: false);
        v.CiString("group_id", GroupId, 36, required: false);
        if (Uid is null && VisualNumber is null && GroupId is null) v.Fail("uid", "one of uid, visual_number or group_id is required");
        if (Uid is not null && Type is null) v.Fail("type", "required when uid is set");
        if (VisualNumber is not null && Issuer is null) v.Fail("issuer", "required when visual_number is set");
    }
}

public sealed record Hours : IOcpiValidatable
{
    public bool? Twentyfourseven { get; init; }

    /// <summary>
    /// Written as [] beside twentyfourseven true: the spec uses the field only when twentyfourseven is false,
    /// but some receivers require it present, and an empty list means the same to every reader.
    /// </summary>
    public List<RegularHours>? RegularHours
    {
        get => field ?? (Twentyfourseven == true ? [] : null);
        init;
    }

    public List<ExceptionalPeriod>? ExceptionalOpenings { get; init; }
    public List<ExceptionalPeriod>? ExceptionalClosings { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.MayDrop("exceptional_openings[]", "exceptional_closings[]");
        v.Required("twentyfourseven", Twentyfourseven);
        v.List("regular_hours", RegularHours, required: false, max: OcpiLimits.RegularHours);
        if (Twentyfourseven == false && RegularHours is not { Count: > 0 }) v.Fail("regular_hours", "required when twentyfourseven is false");
        // Open around the clock and on a schedule: twentyfourseven is the plainer statement, so it stands.
        if (Twentyfourseven == true && RegularHours is { Count: > 0 })
            v.Drop("regular_hours", InputKinds.Contradiction, "only to be used when twentyfourseven is false");
        v.List("exceptional_openings", ExceptionalOpenings, required: false, max: OcpiLimits.ExceptionalPeriods);
        v.List("exceptional_closings", ExceptionalClosings, required: false, max: OcpiLimits.ExceptionalPeriods);
    }
}

public sealed record RegularHours : IOcpiValidatable
{
    public int? Weekday { get; init; }
    public string? PeriodBegin { get; init; }
    public string? PeriodEnd { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("weekday", Weekday);
        v.Range("weekday", Weekday, 1, 7);
        CheckTime(v, "period_begin", PeriodBegin);
        CheckTime(v, "period_end", PeriodEnd);
        if (IsTime(PeriodBegin) && IsTime(PeriodEnd) && string.CompareOrdinal(PeriodEnd, PeriodBegin) <= 0)
            v.Fail("period_end", "must be later than period_begin");
    }

    internal static void CheckTime(OcpiValidator v, string field, string? value)
    {
        v.String(field, value, 5);
        if (value is { Length: <= 5 } && !IsTime(value)) v.Fail(field, "must be HH:MM in 24h format");
    }

    private static bool IsTime(string? t) =>
        t is { Length: 5 } && t[2] == ':' && char.IsAsciiDigit(t[0]) && char.IsAsciiDigit(t[1]) && char.IsAsciiDigit(t[3]) && char.IsAsciiDigit(t[4])
        && (t[0] - '0') * 10 + (t[1] - '0') <= 23 && t[3] <= '5';
}

public sealed record ExceptionalPeriod : IOcpiValidatable
{
    public DateTimeOffset? PeriodBegin { get; init; }
    public DateTimeOffset? PeriodEnd { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("period_begin", PeriodBegin);
        v.Required("period_end", PeriodEnd);
    }
}

public sealed record StatusSchedule : IOcpiValidatable
{
    public DateTimeOffset? PeriodBegin { get; init; }
    public DateTimeOffset? PeriodEnd { get; init; }
    public EvseStatus? Status { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("period_begin", PeriodBegin);
        v.Required("status", Status);
    }
}

/// <summary>OCPI Status (of an EVSE), a closed enum.</summary>
[JsonConverter(typeof(OcpiEnumConverter<EvseStatus>))]
public enum EvseStatus
{
    [JsonStringEnumMemberName("AVAILABLE")] Available,
    [JsonStringEnumMemberName("BLOCKED")] Blocked,
    [JsonStringEnumMemberName("CHARGING")] Charging,
    [JsonStringEnumMemberName("INOPERATIVE")] Inoperative,
    [JsonStringEnumMemberName("OUTOFORDER")] OutOfOrder,
    [JsonStringEnumMemberName("PLANNED")] Planned,
    [JsonStringEnumMemberName("REMOVED")] Removed,
    [JsonStringEnumMemberName("RESERVED")] Reserved,
    [JsonStringEnumMemberName("UNKNOWN")] Unknown,
}

[JsonConverter(typeof(OcpiEnumConverter<ParkingType>))]
public enum ParkingType
{
    [JsonStringEnumMemberName("ALONG_MOTORWAY")] AlongMotorway,
    [JsonStringEnumMemberName("PARKING_GARAGE")] ParkingGarage,
    [JsonStringEnumMemberName("PARKING_LOT")] ParkingLot,
    [JsonStringEnumMemberName("ON_DRIVEWAY")] OnDriveway,
    [JsonStringEnumMemberName("ON_STREET")] OnStreet,
    [JsonStringEnumMemberName("UNDERGROUND_GARAGE")] UndergroundGarage,
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(Location))]
[JsonSerializable(typeof(List<Location>))]
[JsonSerializable(typeof(Evse))]
[JsonSerializable(typeof(Connector))]
public sealed partial class LocationsJson : JsonSerializerContext;

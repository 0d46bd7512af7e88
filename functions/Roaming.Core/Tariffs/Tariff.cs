using System.Text.Json.Serialization;
using Roaming.Core.Locations;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Tariffs;

/// <summary>OCPI Tariff (mod_tariffs): elements of price components, each element under its restrictions.</summary>
public sealed record Tariff : IOcpiValidatable
{
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    public string? Id { get; init; }
    public string? Currency { get; init; }
    public TariffType? Type { get; init; }
    public List<DisplayText>? TariffAltText { get; init; }
    public string? TariffAltUrl { get; init; }
    public Price? MinPrice { get; init; }
    public Price? MaxPrice { get; init; }
    public List<TariffElement>? Elements { get; init; }
    public DateTimeOffset? StartDateTime { get; init; }
    public DateTimeOffset? EndDateTime { get; init; }
    public EnergyMix? EnergyMix { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    public void Validate(OcpiValidator v)
    {
        // What prices a session (type, elements, their restrictions, min/max price, validity) is never left out.
        v.MayDrop("tariff_alt_text[]", "tariff_alt_url", "energy_mix");
        v.CiString("country_code", CountryCode, 2);
        v.CiString("party_id", PartyId, 3);
        v.CiString("id", Id, 36);
        v.String("currency", Currency, 3);
        v.List("tariff_alt_text", TariffAltText, required: false, max: OcpiLimits.DisplayTexts);
        v.Url("tariff_alt_url", TariffAltUrl, required: false);
        v.Object("min_price", MinPrice, required: false);
        v.Object("max_price", MaxPrice, required: false);
        v.List("elements", Elements, atLeastOne: true, max: OcpiLimits.TariffElements);
        v.Object("energy_mix", EnergyMix, required: false);
        v.LastUpdated("last_updated", LastUpdated);
    }
}

/// <summary>OCPI TariffElement: price components that share one set of restrictions.</summary>
public sealed record TariffElement : IOcpiValidatable
{
    public List<PriceComponent>? PriceComponents { get; init; }
    public TariffRestrictions? Restrictions { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.List("price_components", PriceComponents, atLeastOne: true, max: OcpiLimits.TariffPriceComponents);
        v.Object("restrictions", Restrictions, required: false);
    }
}

/// <summary>OCPI PriceComponent: the price per unit of one dimension, its VAT percentage and step size.</summary>
public sealed record PriceComponent : IOcpiValidatable
{
    public TariffDimensionType? Type { get; init; }
    public decimal? Price { get; init; }
    public decimal? Vat { get; init; }
    public int? StepSize { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("type", Type);
        v.Required("price", Price);
        v.Required("step_size", StepSize);
        if (StepSize < 0) v.Fail("step_size", "must not be negative");
    }
}

[JsonConverter(typeof(OcpiEnumConverter<TariffType>))]
public enum TariffType
{
    [JsonStringEnumMemberName("AD_HOC_PAYMENT")] AdHocPayment,
    [JsonStringEnumMemberName("PROFILE_CHEAP")] ProfileCheap,
    [JsonStringEnumMemberName("PROFILE_FAST")] ProfileFast,
    [JsonStringEnumMemberName("PROFILE_GREEN")] ProfileGreen,
    [JsonStringEnumMemberName("REGULAR")] Regular,
}

[JsonConverter(typeof(OcpiEnumConverter<TariffDimensionType>))]
public enum TariffDimensionType
{
    [JsonStringEnumMemberName("ENERGY")] Energy,
    [JsonStringEnumMemberName("FLAT")] Flat,
    [JsonStringEnumMemberName("PARKING_TIME")] ParkingTime,
    [JsonStringEnumMemberName("TIME")] Time,
}

/// <summary>OCPI DayOfWeek. Members are in ISO order, Monday first, which the pricing engine relies on.</summary>
[JsonConverter(typeof(OcpiEnumConverter<DayOfWeek>))]
public enum DayOfWeek
{
    [JsonStringEnumMemberName("MONDAY")] Monday,
    [JsonStringEnumMemberName("TUESDAY")] Tuesday,
    [JsonStringEnumMemberName("WEDNESDAY")] Wednesday,
    [JsonStringEnumMemberName("THURSDAY")] Thursday,
    [JsonStringEnumMemberName("FRIDAY")] Friday,
    [JsonStringEnumMemberName("SATURDAY")] Saturday,
    [JsonStringEnumMemberName("SUNDAY")] Sunday,
}

[JsonConverter(typeof(OcpiEnumConverter<ReservationRestrictionType>))]
public enum ReservationRestrictionType
{
    [JsonStringEnumMemberName("RESERVATION")] Reservation,
    [JsonStringEnumMemberName("RESERVATION_EXPIRES")] ReservationExpires,
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(Tariff))]
[JsonSerializable(typeof(List<Tariff>))]
[JsonSerializable(typeof(TariffType))]
public sealed partial class TariffsJson : JsonSerializerContext;

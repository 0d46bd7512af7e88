using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Locations;

/// <summary>OCPI EnergyMix (mod_locations): the energy supplied at a location or with a tariff.</summary>
public sealed record EnergyMix : IOcpiValidatable
{
    public bool? IsGreenEnergy { get; init; }
    public List<EnergySource>? EnergySources { get; init; }
    public List<EnvironmentalImpact>? EnvironImpact { get; init; }
    public string? SupplierName { get; init; }
    public string? EnergyProductName { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.MayDrop("energy_sources[]", "environ_impact[]");
        v.Required("is_green_energy", IsGreenEnergy);
        v.List("energy_sources", EnergySources, required: false, max: OcpiLimits.EnergySources);
        v.List("environ_impact", EnvironImpact, required: false, max: OcpiLimits.EnvironmentalImpacts);
        v.Text("supplier_name", SupplierName, 64, required: false);
        v.Text("energy_product_name", EnergyProductName, 64, required: false);
    }
}

/// <summary>OCPI EnergySource: one category's share of the mix, in percent.</summary>
public sealed record EnergySource : IOcpiValidatable
{
    public EnergySourceCategory? Source { get; init; }
    public decimal? Percentage { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("source", Source);
        v.Required("percentage", Percentage);
        v.Range("percentage", Percentage, 0, 100);
    }
}

/// <summary>OCPI EnvironmentalImpact: grams per kWh of one category.</summary>
public sealed record EnvironmentalImpact : IOcpiValidatable
{
    public EnvironmentalImpactCategory? Category { get; init; }
    public decimal? Amount { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.Required("category", Category);
        v.Required("amount", Amount);
    }
}

[JsonConverter(typeof(OcpiEnumConverter<EnergySourceCategory>))]
public enum EnergySourceCategory
{
    [JsonStringEnumMemberName("NUCLEAR")] Nuclear,
    [JsonStringEnumMemberName("GENERAL_FOSSIL")] GeneralFossil,
    [JsonStringEnumMemberName("COAL")] Coal,
    [JsonStringEnumMemberName("GAS")] Gas,
    [JsonStringEnumMemberName("GENERAL_GREEN")] GeneralGreen,
    [JsonStringEnumMemberName("SOLAR")] Solar,
    [JsonStringEnumMemberName("WIND")] Wind,
    [JsonStringEnumMemberName("WATER")] Water,
}

[JsonConverter(typeof(OcpiEnumConverter<EnvironmentalImpactCategory>))]
public enum EnvironmentalImpactCategory
{
    [JsonStringEnumMemberName("NUCLEAR_WASTE")] NuclearWaste,
    [JsonStringEnumMemberName("CARBON_DIOXIDE")] CarbonDioxide,
}

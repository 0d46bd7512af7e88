using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Locations;

/// <summary>OCPI BusinessDetails (mod_locations); also carried by every CredentialsRole.</summary>
public sealed record BusinessDetails : IOcpiValidatable
{
    public string? Name { get; init; }
    public string? Website { get; init; }
    public Image? Logo { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.MayDrop("website", "logo");
        v.Text("name", Name, 100);
        v.Url("website", Website, required: false);
        v.Object("logo", Logo, required: false);
    }
}

/// <summary>OCPI Image (mod_locations).</summary>
public sealed record Image : IOcpiValidatable
{
    public string? Url { get; init; }
    public string? Thumbnail { get; init; }
    public ImageCategory? Category { get; init; }
    public string? Type { get; init; }
    public int? Width { get; init; }
    public int? Height { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.MayDrop("thumbnail", "width", "height");
        v.Url("url", Url);
        v.Url("thumbnail", Thumbnail, required: false);
        v.Required("category", Category);
        v.CiString("type", Type, 4);
        v.Range("width", Width, 0, 99999);
        v.Range("height", Height, 0, 99999);
    }
}

[JsonConverter(typeof(OcpiEnumConverter<ImageCategory>))]
public enum ImageCategory
{
    [JsonStringEnumMemberName("CHARGER")] Charger,
    [JsonStringEnumMemberName("ENTRANCE")] Entrance,
    [JsonStringEnumMemberName("LOCATION")] Location,
    [JsonStringEnumMemberName("NETWORK")] Network,
    [JsonStringEnumMemberName("OPERATOR")] Operator,
    [JsonStringEnumMemberName("OTHER")] Other,
    [JsonStringEnumMemberName("OWNER")] Owner,
}

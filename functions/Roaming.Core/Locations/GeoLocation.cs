using System.Text.RegularExpressions;
using Roaming.Core.Transport;

namespace Roaming.Core.Locations;

/// <summary>OCPI GeoLocation (mod_locations): WGS 84 decimal degrees, kept as the strings the spec defines.</summary>
public sealed partial record GeoLocation : IOcpiValidatable
{
    public string? Latitude { get; init; }
    public string? Longitude { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("latitude", Latitude, 10);
        v.String("longitude", Longitude, 11);
        if (Latitude is not null && Latitude.Length <= 10 && !LatitudePattern().IsMatch(Latitude))
            v.Fail("latitude", "must match -?[0-9]{1,2}.[0-9]{5,7}");
        if (Longitude is not null && Longitude.Length <= 11 && !LongitudePattern().IsMatch(Longitude))
            v.Fail("longitude", "must match -?[0-9]{1,3}.[0-9]{5,7}");
    }

    [GeneratedRegex(@"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
    private static partial Regex LatitudePattern();

    [GeneratedRegex(@"^-?[0-9]{1,3}\.[0-9]{5,7}$")]
    private static partial Regex LongitudePattern();
}

using System.Globalization;
using System.Text.RegularExpressions;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;

namespace Roaming.Core.Locations;

/// <summary>OCPI GeoLocation (mod_locations): WGS 84 decimal degrees, kept as the strings the spec defines.</summary>
public sealed partial record GeoLocation : IOcpiValidatable
{
    public string? Latitude { get; init; }
    public string? Longitude { get; init; }

    public void Validate(OcpiValidator v) => Check(v, Latitude, Longitude);

    /// <summary>
    /// Latitude -?[0-9]{1,2}.[0-9]{5,7}, longitude -?[0-9]{1,3}.[0-9]{5,7}. Lenient: a number in range with
    /// more decimals (GPS exports write 15) is rounded to 7, one with fewer is written with 5; a millimetre is
    /// below what a coordinate here means, and the point stays the point.
    /// </summary>
    internal static void Check(OcpiValidator v, string? latitude, string? longitude)
    {
        Coordinate(v, "latitude", latitude, 10, 90, LatitudePattern());
        Coordinate(v, "longitude", longitude, 11, 180, LongitudePattern());
    }

    private static void Coordinate(OcpiValidator v, string field, string? value, int maxLength, int bound, Regex pattern)
    {
        v.String(field, value, int.MaxValue);
        if (value is null || pattern.IsMatch(value)) return;
        var problem = $"must match {pattern.ToString().Trim('^', '$').Replace(@"\.", ".")}";
        if (decimal.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var degrees)
            && Math.Abs(degrees) <= bound)
        {
            var decimals = value.IndexOf('.') is var dot and >= 0 ? value.Length - dot - 1 : 0;
            var normalised = decimal.Round(degrees, 7, MidpointRounding.AwayFromZero).ToString("0.00000##", CultureInfo.InvariantCulture);
            if (pattern.IsMatch(normalised) && normalised.Length <= maxLength)
            {
                v.Fix(field, normalised, InputKinds.CoordinatePrecision, $"{decimals} decimals", problem);
                return;
            }
        }
        v.Fail(field, value.Length > maxLength ? $"longer than {maxLength} characters" : problem);
    }

    [GeneratedRegex(@"^-?[0-9]{1,2}\.[0-9]{5,7}$")]
    private static partial Regex LatitudePattern();

    [GeneratedRegex(@"^-?[0-9]{1,3}\.[0-9]{5,7}$")]
    private static partial Regex LongitudePattern();
}

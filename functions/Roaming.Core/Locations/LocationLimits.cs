using Roaming.Core.Transport;

namespace Roaming.Core.Locations;

/// <summary>
/// How much one request may ask of the Locations module, so no caller can tie up the endpoint; beyond these a
/// request is refused whole with 2001, before anything is stored.
/// </summary>
public static class LocationLimits
{
    /// <summary>EVSEs in one Location PUT or PATCH, from a partner or the back office.</summary>
    public const int MaxEvses = 1000;

    /// <summary>Items in one back-office call of POST /operator/locations/evse-statuses.</summary>
    public const int MaxStatusUpdates = 1000;

    public static void CheckEvses(int? count, string field = "evses")
    {
        if (count > MaxEvses) throw new InvalidParametersException([new FieldError(field, $"{count} EVSEs; at most {MaxEvses} in one request")]);
    }
}

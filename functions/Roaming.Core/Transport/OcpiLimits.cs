namespace Roaming.Core.Transport;

/// <summary>
/// Bounds on what the spec leaves open (lists of cardinality * or +, and a few strings), so no object can
/// outgrow what is stored for it (64 KiB a property, 1 MiB an entity) or tie up a request. Each is far above
/// what real data holds; anything beyond is refused with 2001 naming the field (or, for an optional part a
/// partner's object can do without, left out and counted). Listed in the README ("What partners get").
/// </summary>
public static class OcpiLimits
{
    // Credentials. Roles are stored as one JSON property of the partner (64 KiB): 24 roles with the longest
    // business details the spec allows fit; platforms hosting more parties than that are not expected.
    public const int CredentialsRoles = 24;

    // Locations.
    public const int LocationEvses = 1000;
    public const int LocationRelatedLocations = 32;
    public const int LocationPublishAllowedTo = 100;
    public const int LocationFacilities = 64;
    public const int DisplayTexts = 32;
    public const int Images = 32;
    public const int RegularHours = 70;
    public const int ExceptionalPeriods = 366;
    public const int EnergySources = 16;
    public const int EnvironmentalImpacts = 16;
    public const int EvseConnectors = 32;
    public const int EvseCapabilities = 64;
    public const int EvseParkingRestrictions = 32;
    public const int EvseStatusSchedule = 100;
    public const int ConnectorTariffIds = 32;

    // Tariffs.
    public const int TariffElements = 100;
    public const int TariffPriceComponents = 16;
    public const int TariffDaysOfWeek = 7;

    // Charging profiles: OCPP stations take a few dozen periods (ChargingScheduleMaxPeriods); 500 stay far above that
    // and keep a request within one queue message to the back office (64 KiB of Base64).
    public const int ChargingProfilePeriods = 500;

    // Operator API.
    /// <summary>PEM of the issuing certificates a partner's client certificate is checked against (a chain of a few certificates).</summary>
    public const int IssuerCertificatesPem = 16_384;
}

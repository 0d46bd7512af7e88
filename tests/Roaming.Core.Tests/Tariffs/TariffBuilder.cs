using Roaming.Core.Tariffs;

namespace Roaming.Core.Tests.Tariffs;

/// <summary>Terse tariffs for tests: elements of (dimension, price, vat, step) under optional restrictions.</summary>
internal static class T
{
    public static Tariff Tariff(params TariffElement[] elements) => new()
    {
        CountryCode = "NL", PartyId = "TST", Id = "T1", Currency = "EUR",
        Elements = [.. elements], LastUpdated = DateTimeOffset.Parse("2025-01-01T00:00:00Z"),
    };

    public static TariffElement Element(TariffRestrictions? restrictions, params PriceComponent[] components) =>
        new() { PriceComponents = [.. components], Restrictions = restrictions };

    public static TariffElement Element(params PriceComponent[] components) => Element(null, components);

    public static PriceComponent Energy(decimal price, decimal? vat = null, int step = 1) => C(TariffDimensionType.Energy, price, vat, step);
    public static PriceComponent Time(decimal price, decimal? vat = null, int step = 1) => C(TariffDimensionType.Time, price, vat, step);
    public static PriceComponent Parking(decimal price, decimal? vat = null, int step = 1) => C(TariffDimensionType.ParkingTime, price, vat, step);
    public static PriceComponent Flat(decimal price, decimal? vat = null) => C(TariffDimensionType.Flat, price, vat, 1);

    private static PriceComponent C(TariffDimensionType type, decimal price, decimal? vat, int step) =>
        new() { Type = type, Price = price, Vat = vat, StepSize = step };
}

namespace Roaming.Core.Tariffs.Pricing;

/// <summary>
/// The one rounding of money the engine does. OCPI leaves rounding to law, contract and currency
/// (mod_tariffs note on price rounding), so the engine keeps every amount exact and rounds each cost
/// the CDR carries once, at output, to the currency's ISO 4217 minor unit, half away from zero
/// (commercial rounding, the rule the spec's own figures follow: 5.125 is 5.13).
/// </summary>
public static class CurrencyRounding
{
    /// <summary>ISO 4217 minor unit: 2 unless the currency is listed here with 0, 3 or 4 digits.</summary>
    public static int MinorUnitDigits(string currency) => currency.ToUpperInvariant() switch
    {
        "BIF" or "CLP" or "DJF" or "GNF" or "ISK" or "JPY" or "KMF" or "KRW" or "PYG" or "RWF" or "UGX" or "UYI"
            or "VND" or "VUV" or "XAF" or "XOF" or "XPF" => 0,
        "BHD" or "IQD" or "JOD" or "KWD" or "LYD" or "OMR" or "TND" => 3,
        "CLF" or "UYW" => 4,
        _ => 2,
    };

    public static decimal Round(decimal amount, int digits) => decimal.Round(amount, digits, MidpointRounding.AwayFromZero);

    /// <summary>The digits a cost is rounded to under <paramref name="rounding"/>, in <paramref name="currency"/>.</summary>
    public static int Digits(CostRounding rounding, string currency) =>
        rounding == CostRounding.FourDecimals ? FourDecimals : MinorUnitDigits(currency);

    /// <summary>OCPI's number type: "numbers use 4 decimals" unless said otherwise (types chapter).</summary>
    public const int FourDecimals = 4;
}

/// <summary>
/// How each cost of a CDR is rounded, once, at output (half away from zero either way): to the currency's minor
/// unit (what is invoiced; the default), or to OCPI's four decimals, as other calculators keep the figures.
/// </summary>
public enum CostRounding
{
    MinorUnit,
    FourDecimals,
}

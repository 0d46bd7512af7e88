using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Locations;

/// <summary>OCPI ConnectorType (mod_locations): the standard of the installed connector.</summary>
[JsonConverter(typeof(OcpiEnumConverter<ConnectorType>))]
public enum ConnectorType
{
    [JsonStringEnumMemberName("CHADEMO")] Chademo,
    [JsonStringEnumMemberName("CHAOJI")] Chaoji,
    [JsonStringEnumMemberName("DOMESTIC_A")] DomesticA,
    [JsonStringEnumMemberName("DOMESTIC_B")] DomesticB,
    [JsonStringEnumMemberName("DOMESTIC_C")] DomesticC,
    [JsonStringEnumMemberName("DOMESTIC_D")] DomesticD,
    [JsonStringEnumMemberName("DOMESTIC_E")] DomesticE,
    [JsonStringEnumMemberName("DOMESTIC_F")] DomesticF,
    [JsonStringEnumMemberName("DOMESTIC_G")] DomesticG,
    [JsonStringEnumMemberName("DOMESTIC_H")] DomesticH,
    [JsonStringEnumMemberName("DOMESTIC_I")] DomesticI,
    [JsonStringEnumMemberName("DOMESTIC_J")] DomesticJ,
    [JsonStringEnumMemberName("DOMESTIC_K")] DomesticK,
    [JsonStringEnumMemberName("DOMESTIC_L")] DomesticL,
    [JsonStringEnumMemberName("DOMESTIC_M")] DomesticM,
    [JsonStringEnumMemberName("DOMESTIC_N")] DomesticN,
    [JsonStringEnumMemberName("DOMESTIC_O")] DomesticO,
    [JsonStringEnumMemberName("GBT_AC")] GbtAc,
    [JsonStringEnumMemberName("GBT_DC")] GbtDc,
    [JsonStringEnumMemberName("IEC_60309_2_single_16")] Iec60309_2Single16,
    [JsonStringEnumMemberName("IEC_60309_2_three_16")] Iec60309_2Three16,
    [JsonStringEnumMemberName("IEC_60309_2_three_32")] Iec60309_2Three32,
    [JsonStringEnumMemberName("IEC_60309_2_three_64")] Iec60309_2Three64,
    [JsonStringEnumMemberName("IEC_62196_T1")] Iec62196T1,
    [JsonStringEnumMemberName("IEC_62196_T1_COMBO")] Iec62196T1Combo,
    [JsonStringEnumMemberName("IEC_62196_T2")] Iec62196T2,
    [JsonStringEnumMemberName("IEC_62196_T2_COMBO")] Iec62196T2Combo,
    [JsonStringEnumMemberName("IEC_62196_T3A")] Iec62196T3A,
    [JsonStringEnumMemberName("IEC_62196_T3C")] Iec62196T3C,
    [JsonStringEnumMemberName("NEMA_5_20")] Nema5_20,
    [JsonStringEnumMemberName("NEMA_6_30")] Nema6_30,
    [JsonStringEnumMemberName("NEMA_6_50")] Nema6_50,
    [JsonStringEnumMemberName("NEMA_10_30")] Nema10_30,
    [JsonStringEnumMemberName("NEMA_10_50")] Nema10_50,
    [JsonStringEnumMemberName("NEMA_14_30")] Nema14_30,
    [JsonStringEnumMemberName("NEMA_14_50")] Nema14_50,
    [JsonStringEnumMemberName("PANTOGRAPH_BOTTOM_UP")] PantographBottomUp,
    [JsonStringEnumMemberName("PANTOGRAPH_TOP_DOWN")] PantographTopDown,
    [JsonStringEnumMemberName("TESLA_R")] TeslaR,
    [JsonStringEnumMemberName("TESLA_S")] TeslaS,
}

/// <summary>OCPI ConnectorFormat (mod_locations).</summary>
[JsonConverter(typeof(OcpiEnumConverter<ConnectorFormat>))]
public enum ConnectorFormat
{
    [JsonStringEnumMemberName("SOCKET")] Socket,
    [JsonStringEnumMemberName("CABLE")] Cable,
}

/// <summary>OCPI PowerType (mod_locations).</summary>
[JsonConverter(typeof(OcpiEnumConverter<PowerType>))]
public enum PowerType
{
    [JsonStringEnumMemberName("AC_1_PHASE")] Ac1Phase,
    [JsonStringEnumMemberName("AC_2_PHASE")] Ac2Phase,
    [JsonStringEnumMemberName("AC_2_PHASE_SPLIT")] Ac2PhaseSplit,
    [JsonStringEnumMemberName("AC_3_PHASE")] Ac3Phase,
    [JsonStringEnumMemberName("DC")] Dc,
}

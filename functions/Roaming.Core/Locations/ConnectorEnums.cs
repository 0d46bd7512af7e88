using System.Text.Json.Serialization;
using Roaming.Core.Transport;

namespace Roaming.Core.Locations;

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

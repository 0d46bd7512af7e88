using Roaming.Core.Platform;
using Roaming.Core.Versions;

namespace Roaming.Core.ChargingProfiles.V221;

/// <summary>ChargingProfiles in OCPI 2.2.1: the stored shape is 2.2.1's, so the mappers are the model's JSON contracts.</summary>
public static class ChargingProfilesV221
{
    public static readonly ModuleVersion<ChargingProfilesWire> Version = new(ModuleIds.ChargingProfiles, "2.2.1", new ChargingProfilesWire(
        new JsonWire<ChargingProfileResponse>(ChargingProfilesJson.Default.ChargingProfileResponse),
        new JsonWire<SetChargingProfile>(ChargingProfilesJson.Default.SetChargingProfile),
        new JsonWire<ActiveChargingProfile>(ChargingProfilesJson.Default.ActiveChargingProfile),
        new JsonWire<ActiveChargingProfileResult>(ChargingProfilesJson.Default.ActiveChargingProfileResult),
        new JsonWire<ChargingProfileResult>(ChargingProfilesJson.Default.ChargingProfileResult),
        new JsonWire<ClearProfileResult>(ChargingProfilesJson.Default.ClearProfileResult)));
}

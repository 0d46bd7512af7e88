using Roaming.Core.Platform;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations.V221;

/// <summary>Locations in OCPI 2.2.1: the stored shape is 2.2.1's, so the mappers are the model's own JSON contracts.</summary>
public static class LocationsV221
{
    public static readonly ModuleVersion<LocationsWire> Version = new(ModuleIds.Locations, "2.2.1", new LocationsWire(
        new JsonWire<Location>(LocationsJson.Default.Location),
        new JsonWire<Evse>(LocationsJson.Default.Evse),
        new JsonWire<Connector>(LocationsJson.Default.Connector)));
}

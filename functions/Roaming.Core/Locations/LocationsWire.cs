using Roaming.Core.Platform;

namespace Roaming.Core.Locations;

/// <summary>The mappers of the Locations module's objects for one OCPI version.</summary>
public sealed record LocationsWire(IWire<Location> Location, IWire<Evse> Evse, IWire<Connector> Connector);

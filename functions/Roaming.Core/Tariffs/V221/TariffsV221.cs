using Roaming.Core.Platform;
using Roaming.Core.Versions;

namespace Roaming.Core.Tariffs.V221;

/// <summary>Tariffs in OCPI 2.2.1: the stored shape is 2.2.1's, so the mapper is the model's own JSON contract.</summary>
public static class TariffsV221
{
    public static readonly ModuleVersion<IWire<Tariff>> Version = new(ModuleIds.Tariffs, "2.2.1", new JsonWire<Tariff>(TariffsJson.Default.Tariff));
}

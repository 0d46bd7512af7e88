using Roaming.Core.Platform;
using Roaming.Core.Versions;

namespace Roaming.Core.Cdrs.V221;

/// <summary>CDRs in OCPI 2.2.1: the stored shape is 2.2.1's, so the mapper is the model's own JSON contract (signed_data kept as it arrived).</summary>
public static class CdrsV221
{
    public static readonly ModuleVersion<IWire<Cdr>> Version = new(ModuleIds.Cdrs, "2.2.1", new VerbatimSignedData.Wire(new JsonWire<Cdr>(CdrsJson.Default.Cdr)));
}

using Roaming.Core.Platform;
using Roaming.Core.Versions;

namespace Roaming.Core.HubClientInfo.V221;

/// <summary>ClientInfo in OCPI 2.2.1: the canonical shape is 2.2.1's.</summary>
public static class HubClientInfoV221
{
    public static readonly ModuleVersion<IWire<ClientInfo>> Version =
        new(ModuleIds.HubClientInfo, "2.2.1", new JsonWire<ClientInfo>(HubClientInfoJson.Default.ClientInfo));
}

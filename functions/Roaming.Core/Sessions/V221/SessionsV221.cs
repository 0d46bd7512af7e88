using Roaming.Core.Platform;
using Roaming.Core.Versions;

namespace Roaming.Core.Sessions.V221;

/// <summary>Sessions in OCPI 2.2.1: the stored shape is 2.2.1's, so the mapper is the model's own JSON contract.</summary>
public static class SessionsV221
{
    public static readonly ModuleVersion<IWire<Session>> Version = new(ModuleIds.Sessions, "2.2.1", new JsonWire<Session>(SessionsJson.Default.Session));
}

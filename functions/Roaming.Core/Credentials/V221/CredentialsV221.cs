using Roaming.Core.Platform;
using Roaming.Core.Versions;

namespace Roaming.Core.Credentials.V221;

/// <summary>Credentials in OCPI 2.2.1 (a list of roles): the stored shape is 2.2.1's, the mapper the model's own JSON contract.</summary>
public static class CredentialsV221
{
    public static readonly ModuleVersion<IWire<Credentials>> Version =
        new(ModuleIds.Credentials, "2.2.1", new JsonWire<Credentials>(CredentialsJson.Default.Credentials));
}

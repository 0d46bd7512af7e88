using Azure.Core;
using Azure.Identity;
using Azure.Security.KeyVault.Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Roaming.Core.Transport;

namespace Roaming.Azure.KeyVault;

public static class ClientCertificateServiceCollectionExtensions
{
    /// <summary>
    /// Registers the client certificate presented to partners (<see cref="IClientCertificateSource"/>, used by the
    /// "ocpi-partners" HttpClient): from Key Vault when Roaming:ClientCertificate:CertificateName is set, else from
    /// the file in Roaming:ClientCertificate:Path, else none. Invalid settings throw here, at start.
    /// </summary>
    /// <param name="configureKeyVaultClient">Adjusts the Key Vault client (retries, transport); tests point it at a stand-in.</param>
    /// <param name="credential">The identity that reads the vault; default: the managed identity in the settings, else DefaultAzureCredential.</param>
    public static IServiceCollection AddClientCertificates(this IServiceCollection services, IConfiguration configuration,
        Action<CertificateClientOptions>? configureKeyVaultClient = null, TokenCredential? credential = null)
    {
        var options = configuration.GetSection(ClientCertificateOptions.Section).Get<ClientCertificateOptions>() ?? new ClientCertificateOptions();
        options.Validate();
        if (options.UsesKeyVault)
        {
            services.AddSingleton(sp =>
            {
                var clientOptions = new CertificateClientOptions();
                configureKeyVaultClient?.Invoke(clientOptions);
                var client = new CertificateClient(new Uri(options.KeyVaultUri!), credential ?? CreateCredential(options), clientOptions);
                return new KeyVaultClientCertificateSource(client, options.CertificateName!, options.RefreshInterval,
                    sp.GetRequiredService<ILogger<KeyVaultClientCertificateSource>>(), sp.GetService<TimeProvider>());
            });
            services.AddSingleton<IClientCertificateSource>(sp => sp.GetRequiredService<KeyVaultClientCertificateSource>());
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<KeyVaultClientCertificateSource>());
        }
        else if (options.UsesFile)
        {
            services.AddSingleton<IClientCertificateSource>(sp =>
                new FileClientCertificateSource(options, sp.GetRequiredService<ILogger<FileClientCertificateSource>>(), sp.GetService<TimeProvider>()));
        }
        return services;
    }

    private static TokenCredential CreateCredential(ClientCertificateOptions options) =>
        string.IsNullOrWhiteSpace(options.ManagedIdentityClientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(options.ManagedIdentityClientId));
}

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;

namespace Roaming.Core.Transport;

/// <summary>Supplies the TLS client certificate presented to partners (Key Vault in Azure, a file locally), or none.</summary>
public interface IClientCertificateSource
{
    /// <summary>The certificate to present now. Called per TLS handshake, so a rotated certificate is used from the next connection.</summary>
    X509Certificate2? Current { get; }
}

/// <summary>
/// The one HttpClient configuration for every call to a partner (handshake, pushes, commands): TLS 1.2 or
/// 1.3 only, server certificates validated by the platform, the configured client certificate, redirects followed
/// only within the same origin (<see cref="SameOriginRedirects"/>), and no connections to private or loopback
/// addresses unless local development allows plain-http partners.
/// A partner-supplied URL must never become a way into our own network.
/// </summary>
public static class PartnerHttp
{
    public const string ClientName = "ocpi-partners";

    /// <summary>
    /// Local development only: path of a PEM or DER certificate (a local partner's self-signed certificate or
    /// development CA) trusted as a root for partner server certificates, in addition to the system roots.
    /// Host names are still checked. Refused when running on App Service (WEBSITE_SITE_NAME is set).
    /// </summary>
    public const string DevelopmentTrustedServerCertificateSetting = "Roaming:Development:TrustedPartnerServerCertificate";

    public static IHttpClientBuilder AddPartnerHttpClient(this IServiceCollection services) =>
        services.AddHttpClient(ClientName)
            .ConfigureHttpClient((sp, client) =>
            {
                client.Timeout = sp.GetRequiredService<IOptions<RoamingOptions>>().Value.PartnerTimeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("RoamingEndpoint/1.0 (OCPI 2.2.1)");
            })
            .ConfigurePrimaryHttpMessageHandler(CreateHandler)
            .AddHttpMessageHandler(() => new SameOriginRedirects());

    internal static SocketsHttpHandler CreateHandler(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<RoamingOptions>>().Value;
        var certificates = services.GetService<IClientCertificateSource>();
        var handler = new SocketsHttpHandler
        {
            // Also bounds how long a renewed client certificate waits for a new connection.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // Redirects are followed by SameOriginRedirects only, never to another origin.
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificates?.Current!,
            },
        };
        var developmentRoot = LoadDevelopmentTrustedCertificate(services);
        if (developmentRoot is not null)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => TrustedWithDevelopmentRoot(certificate, chain, errors, developmentRoot);
        if (!options.AllowHttpPartners) handler.ConnectCallback = ConnectToPublicAddressAsync;
        return handler;
    }

    private static X509Certificate2? LoadDevelopmentTrustedCertificate(IServiceProvider services)
    {
        var configuration = services.GetService<IConfiguration>();
        var path = configuration?[DevelopmentTrustedServerCertificateSetting];
        if (string.IsNullOrWhiteSpace(path)) return null;
        if (!string.IsNullOrEmpty(configuration!["WEBSITE_SITE_NAME"]) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WEBSITE_SITE_NAME")))
            throw new InvalidOperationException($"{DevelopmentTrustedServerCertificateSetting} is for local development and is refused on App Service.");
        var certificate = X509CertificateLoader.LoadCertificateFromFile(path);
        services.GetService<ILoggerFactory>()?.CreateLogger(typeof(PartnerHttp).FullName!)
            .LogWarning("Local development: partner server certificates issued by {Subject} ({Thumbprint}) are trusted", certificate.Subject, certificate.Thumbprint);
        return certificate;
    }

    /// <summary>Platform validation first; only a chain error may be rescued, and only by a chain to the development root.</summary>
    internal static bool TrustedWithDevelopmentRoot(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2 developmentRoot)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(developmentRoot);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Intermediates the server sent, so a development CA's leaf chains without its intermediate installed.
        if (presented is not null) foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (certificate is X509Certificate2 leaf) return chain.Build(leaf);
        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(copy);
    }

    private static async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct).ConfigureAwait(false);
        var allowed = addresses.Where(IsPublic).ToArray();
        if (allowed.Length == 0)
            throw new HttpRequestException($"Partner host {context.DnsEndPoint.Host} resolves to no public address; refused.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    internal static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return false;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || address.IsIPv6Multicast);
        var b = address.GetAddressBytes();
        return !(b[0] == 10 || b[0] == 0 || b[0] >= 224
            || (b[0] == 172 && b[1] is >= 16 and <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] is >= 64 and <= 127));
    }
}

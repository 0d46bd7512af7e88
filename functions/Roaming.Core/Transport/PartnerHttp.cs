using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
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
/// 1.3 only, server certificates validated by the platform, the configured client certificate, and no
/// connections to private or loopback addresses unless local development allows plain-http partners.
/// A partner-supplied URL must never become a way into our own network.
/// </summary>
public static class PartnerHttp
{
    public const string ClientName = "ocpi-partners";

    public static IHttpClientBuilder AddPartnerHttpClient(this IServiceCollection services) =>
        services.AddHttpClient(ClientName)
            .ConfigureHttpClient((sp, client) =>
            {
                client.Timeout = sp.GetRequiredService<IOptions<RoamingOptions>>().Value.PartnerTimeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("RoamingEndpoint/1.0 (OCPI 2.2.1)");
            })
            .ConfigurePrimaryHttpMessageHandler(CreateHandler);

    internal static SocketsHttpHandler CreateHandler(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<RoamingOptions>>().Value;
        var certificates = services.GetService<IClientCertificateSource>();
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => certificates?.Current!,
            },
        };
        if (!options.AllowHttpPartners) handler.ConnectCallback = ConnectToPublicAddressAsync;
        return handler;
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

using System.Net;
using System.Net.Http;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Azure.KeyVault;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Azure.Tests;

/// <summary>
/// Outbound mutual TLS over loopback: a Kestrel partner on 127.0.0.1 that requires a client certificate and
/// accepts only the one registered for us. Calls go through the real "ocpi-partners" HttpClient, built from a
/// ServiceCollection the way the app builds it, with the certificate source chosen by the settings.
/// </summary>
public sealed class OutboundMutualTlsTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("roaming-mtls-").FullName;
    private readonly X509Certificate2 _partnerServerCertificate = TestCertificates.LoopbackServer();
    private readonly X509Certificate2 _ourCertificate = TestCertificates.Client("CN=roaming-endpoint, O=Example Charging");
    private LoopbackHttpsServer _partner = null!;
    private string _partnerServerPem = "";
    private string _ourPfx = "";

    public async Task InitializeAsync()
    {
        _partnerServerPem = Path.Combine(_dir, "partner-server.pem");
        await File.WriteAllTextAsync(_partnerServerPem, TestCertificates.ToPem(_partnerServerCertificate));
        _ourPfx = Path.Combine(_dir, "client.pfx");
        await File.WriteAllBytesAsync(_ourPfx, _ourCertificate.Export(X509ContentType.Pkcs12, "pfx-password"));

        var registered = _ourCertificate.Thumbprint;
        _partner = await LoopbackHttpsServer.StartAsync(_partnerServerCertificate,
            context => context.Response.WriteAsync(context.Connection.ClientCertificate?.Thumbprint ?? "none"),
            https =>
            {
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                // The partner knows our certificate (self-signed): it accepts exactly that one.
                https.ClientCertificateValidation = (certificate, _, _) => certificate.Thumbprint == registered;
            });
    }

    public async Task DisposeAsync()
    {
        await _partner.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private ServiceProvider Build(Dictionary<string, string?> extra)
    {
        var settings = new Dictionary<string, string?>
        {
            // Loopback is a private address: only local development may call it.
            ["Roaming:AllowHttpPartners"] = "true",
            [PartnerHttp.DevelopmentTrustedServerCertificateSetting] = _partnerServerPem,
        };
        foreach (var (key, value) in extra) settings[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .Configure<RoamingOptions>(configuration.GetSection(RoamingOptions.Section))
            .AddClientCertificates(configuration);
        services.AddPartnerHttpClient();
        return services.BuildServiceProvider();
    }

    private Dictionary<string, string?> WithFile(string path, string? password = "pfx-password") => new()
    {
        ["Roaming:ClientCertificate:Path"] = path,
        ["Roaming:ClientCertificate:Password"] = password,
    };

    private Task<HttpResponseMessage> Call(ServiceProvider provider) =>
        provider.GetRequiredService<IHttpClientFactory>().CreateClient(PartnerHttp.ClientName).GetAsync(_partner.Address);

    [Fact]
    public async Task The_partner_accepts_the_call_when_the_configured_certificate_is_presented()
    {
        await using var provider = Build(WithFile(_ourPfx));

        using var response = await Call(provider);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_ourCertificate.Thumbprint, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_PEM_certificate_and_key_work_as_well_as_a_PFX()
    {
        var pem = Path.Combine(_dir, "client.pem");
        await File.WriteAllTextAsync(pem, _ourCertificate.ExportCertificatePem() + "\n" + _ourCertificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        await using var provider = Build(WithFile(pem, password: null));

        using var response = await Call(provider);

        Assert.Equal(_ourCertificate.Thumbprint, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_partner_refuses_the_call_without_a_client_certificate()
    {
        await using var provider = Build([]);
        Assert.Null(provider.GetService<IClientCertificateSource>());

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => Call(provider));
    }

    [Fact]
    public async Task The_partner_refuses_a_certificate_other_than_the_registered_one()
    {
        var other = Path.Combine(_dir, "other.pfx");
        using (var stranger = TestCertificates.Client("CN=roaming-endpoint, O=Example Charging"))
            await File.WriteAllBytesAsync(other, stranger.Export(X509ContentType.Pkcs12, "pfx-password"));
        await using var provider = Build(WithFile(other));

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => Call(provider));
    }

    [Fact]
    public async Task The_partner_server_certificate_is_validated_unless_the_development_root_trusts_it()
    {
        var settings = WithFile(_ourPfx);
        settings[PartnerHttp.DevelopmentTrustedServerCertificateSetting] = null;
        await using var provider = Build(settings);

        var failure = await Assert.ThrowsAnyAsync<HttpRequestException>(() => Call(provider));
        Assert.IsType<AuthenticationException>(failure.InnerException);
    }

    [Fact]
    public async Task A_development_root_for_another_host_does_not_make_any_certificate_acceptable()
    {
        var unrelated = Path.Combine(_dir, "unrelated-root.pem");
        using (var root = TestCertificates.Authority("CN=Some development CA"))
            await File.WriteAllTextAsync(unrelated, TestCertificates.ToPem(root));
        var settings = WithFile(_ourPfx);
        settings[PartnerHttp.DevelopmentTrustedServerCertificateSetting] = unrelated;
        await using var provider = Build(settings);

        var failure = await Assert.ThrowsAnyAsync<HttpRequestException>(() => Call(provider));
        Assert.IsType<AuthenticationException>(failure.InnerException);
    }

    [Fact]
    public async Task The_development_root_does_not_lift_the_host_name_check()
    {
        await using var provider = Build(WithFile(_ourPfx));
        // The partner's certificate names 127.0.0.1 only; "localhost" reaches the same server under another name.
        var byName = new UriBuilder(_partner.Address) { Host = "localhost" }.Uri;

        var failure = await Assert.ThrowsAnyAsync<HttpRequestException>(() =>
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(PartnerHttp.ClientName).GetAsync(byName));
        Assert.IsType<AuthenticationException>(failure.InnerException);
    }

    [Fact]
    public async Task The_development_root_is_refused_on_App_Service()
    {
        var settings = WithFile(_ourPfx);
        settings["WEBSITE_SITE_NAME"] = "func-ocpitest";
        await using var provider = Build(settings);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Call(provider));
    }

    // A loopback TLS 1.1 partner is not used to show the refusal: this machine's OpenSSL refuses TLS 1.1 on its
    // own, so such a test would pass whatever the handler allowed. The handler's own settings are checked instead.
    [Fact]
    public async Task Outbound_connections_offer_only_TLS_1_2_and_1_3_and_keep_platform_validation()
    {
        var settings = WithFile(_ourPfx);
        settings[PartnerHttp.DevelopmentTrustedServerCertificateSetting] = null;
        await using var provider = Build(settings);

        var handler = provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(PartnerHttp.ClientName);
        while (handler is DelegatingHandler delegating) handler = delegating.InnerHandler!;
        var sockets = Assert.IsType<SocketsHttpHandler>(handler);

        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, sockets.SslOptions.EnabledSslProtocols);
        Assert.Null(sockets.SslOptions.RemoteCertificateValidationCallback);
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Platform;

namespace Roaming.Integration.Tests;

/// <summary>
/// Inbound mutual TLS as App Service forwards it (X-ARR-ClientCert): with Roaming:RequireClientCertificate on, a
/// partner's functional calls need the certificate the operator registered for it.
/// </summary>
public class InboundCertificateTests
{
    [Fact]
    public async Task Functional_calls_need_the_registered_certificate()
    {
        await using var endpoint = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")],
            b => b.Services.AddSingleton<IOcpiModule, RoutingAndAccessTests.PingModule>(),
            new() { ["Roaming:RequireClientCertificate"] = "true" });
        await using var partner = await SpecPartner.StartAsync();
        using var registered = Certificate("CN=partner.example.com");
        using var other = Certificate("CN=someone-else.example.com");

        // The handshake needs no certificate: none can be registered before the connection exists.
        var invitation = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var (_, posted, _) = await endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"),
            CredentialsHandshakeTests.Credentials(partner.Issue("B"), partner));
        var tokenC = posted.Str("data.token");

        Task<int> Ping(X509Certificate2? cert) => endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/ping", tokenC,
            edit: r => { if (cert is not null) r.Headers.Add("X-ARR-ClientCert", Convert.ToBase64String(cert.RawData)); }).ContinueWith(t => t.Result.Http);

        Assert.Equal(401, await Ping(registered)); // nothing registered yet
        await endpoint.OperatorAsync(HttpMethod.Put, $"/operator/partners/{invitation.Str("partner_id")}/certificate", new { thumbprint = registered.Thumbprint });
        Assert.Equal(401, await Ping(null));
        Assert.Equal(401, await Ping(other));
        Assert.Equal(200, await Ping(registered));
        var view = await endpoint.OperatorAsync(HttpMethod.Get, "/operator/partners/" + invitation.Str("partner_id"));
        Assert.Equal(registered.Thumbprint, view.Str("client_certificate.thumbprint"));
    }

    private static X509Certificate2 Certificate(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}

using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure.Core;
using Microsoft.AspNetCore.Http;

namespace Roaming.Azure.Tests;

/// <summary>
/// Answers the Key Vault REST calls the certificate SDK makes to download a certificate: the unauthenticated
/// first request gets the 401 bearer challenge; then GET certificates/{name}[/{version}] and GET
/// secrets/{name}/{version} (the PKCS#12 with the private key). Key Vault has no emulator, so this loopback
/// server stands in for it. <see cref="Rotate"/> makes a new version current, as a renewal in Key Vault does.
/// </summary>
internal sealed class KeyVaultStandIn
{
    public const string Token = "test-access-token";
    private readonly ConcurrentDictionary<string, X509Certificate2> _versions = new();
    private volatile string _currentVersion = "";

    public KeyVaultStandIn(string certificateName, X509Certificate2 first)
    {
        CertificateName = certificateName;
        Rotate(first);
    }

    public string CertificateName { get; }
    public Uri? VaultUri { get; set; }
    public string CurrentVersion => _currentVersion;
    public ConcurrentQueue<string> Requests { get; } = new();
    public ConcurrentQueue<string> Unexpected { get; } = new();
    public volatile bool Failing;

    /// <summary>Serve the secret as PEM (certificate + PKCS#8 key), as a certificate with a PEM policy is stored.</summary>
    public bool Pem { get; init; }

    private string ContentType => Pem ? "application/x-pem-file" : "application/x-pkcs12";

    public string Rotate(X509Certificate2 next)
    {
        var version = Guid.NewGuid().ToString("N");
        _versions[version] = next;
        _currentVersion = version;
        return version;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value!.TrimEnd('/');
        Requests.Enqueue($"{context.Request.Method} {path} {(context.Request.Headers.Authorization.Count == 0 ? "anonymous" : "bearer")}");
        if (context.Request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            context.Response.StatusCode = 401;
            context.Response.Headers.WWWAuthenticate =
                "Bearer authorization=\"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47\", resource=\"https://vault.azure.net\"";
            return;
        }
        if (Failing)
        {
            await Error(context, 503, "ServiceUnavailable", "The stand-in is told to fail.");
            return;
        }
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (context.Request.Method == "GET" && segments.Length is 2 or 3 && segments[0] == "certificates" && segments[1] == CertificateName)
        {
            var version = segments.Length == 3 ? segments[2] : _currentVersion;
            if (_versions.TryGetValue(version, out var certificate))
            {
                await Json(context, CertificateBody(version, certificate));
                return;
            }
        }
        else if (context.Request.Method == "GET" && segments.Length == 3 && segments[0] == "secrets" && segments[1] == CertificateName
                 && _versions.TryGetValue(segments[2], out var certificate))
        {
            await Json(context, SecretBody(segments[2], certificate));
            return;
        }
        Unexpected.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        await Error(context, 404, "NotFound", "Not served by the stand-in.");
    }

    private Dictionary<string, object> Attributes(X509Certificate2 certificate) => new()
    {
        ["enabled"] = true,
        ["nbf"] = new DateTimeOffset(certificate.NotBefore).ToUnixTimeSeconds(),
        ["exp"] = new DateTimeOffset(certificate.NotAfter).ToUnixTimeSeconds(),
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["updated"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["recoveryLevel"] = "Recoverable+Purgeable",
    };

    private object CertificateBody(string version, X509Certificate2 certificate) => new Dictionary<string, object>
    {
        ["id"] = $"{VaultUri}certificates/{CertificateName}/{version}",
        ["kid"] = $"{VaultUri}keys/{CertificateName}/{version}",
        ["sid"] = $"{VaultUri}secrets/{CertificateName}/{version}",
        ["x5t"] = Base64Url(certificate.GetCertHash()),
        ["cer"] = Convert.ToBase64String(certificate.RawData),
        ["attributes"] = Attributes(certificate),
        ["policy"] = new Dictionary<string, object>
        {
            ["id"] = $"{VaultUri}certificates/{CertificateName}/policy",
            ["key_props"] = new Dictionary<string, object> { ["exportable"] = true, ["kty"] = "RSA", ["key_size"] = 2048, ["reuse_key"] = false },
            ["secret_props"] = new Dictionary<string, object> { ["contentType"] = ContentType },
            ["x509_props"] = new Dictionary<string, object> { ["subject"] = certificate.Subject, ["validity_months"] = 1 },
            ["issuer"] = new Dictionary<string, object> { ["name"] = "Self" },
            ["attributes"] = new Dictionary<string, object> { ["enabled"] = true },
        },
    };

    private object SecretBody(string version, X509Certificate2 certificate) => new Dictionary<string, object>
    {
        ["value"] = Pem
            ? ((System.Security.Cryptography.AsymmetricAlgorithm?)certificate.GetRSAPrivateKey() ?? certificate.GetECDsaPrivateKey())!.ExportPkcs8PrivateKeyPem() + "\n" + certificate.ExportCertificatePem()
            : Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12)),
        ["contentType"] = ContentType,
        ["id"] = $"{VaultUri}secrets/{CertificateName}/{version}",
        ["kid"] = $"{VaultUri}keys/{CertificateName}/{version}",
        ["managed"] = true,
        ["attributes"] = Attributes(certificate),
    };

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static Task Json(HttpContext context, object body)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    private static Task Error(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return Json(context, new { error = new { code, message } });
    }
}

/// <summary>Hands out the token the stand-in expects; no identity provider is involved.</summary>
internal sealed class StandInCredential : TokenCredential
{
    public int Requests;

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Requests);
        return new AccessToken(KeyVaultStandIn.Token, DateTimeOffset.UtcNow.AddHours(1));
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}

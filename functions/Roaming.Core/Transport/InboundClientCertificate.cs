using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Roaming.Core.Transport;

/// <summary>
/// What was registered for a partner's TLS client certificate: either the certificate itself (its SHA-1 or
/// SHA-256 thumbprint, hex, colons and spaces ignored), or issuer + subject distinguished names. An
/// issuer + subject rule also needs the certificate to chain to a trusted issuer (the PEM given here, or the
/// system roots when none is given): App Service does not validate the chain, and anyone can put any names
/// into a self-signed certificate.
/// </summary>
public sealed record ClientCertificateRule(string? Thumbprint = null, string? Issuer = null, string? Subject = null, string? IssuerCertificatesPem = null)
{
    public static ClientCertificateRule ForThumbprint(string thumbprint) => new(Thumbprint: thumbprint);

    public static ClientCertificateRule ForIssuerAndSubject(string issuer, string subject, string? issuerCertificatesPem = null) =>
        new(Issuer: issuer, Subject: subject, IssuerCertificatesPem: issuerCertificatesPem);
}

public enum ClientCertificateVerdict
{
    /// <summary>The certificate is within its validity dates and matches the rule.</summary>
    Accepted,
    /// <summary>No certificate was forwarded (the header is absent or empty).</summary>
    Missing,
    /// <summary>The header is not a Base64 DER (or PEM) certificate.</summary>
    Malformed,
    NotYetValid,
    Expired,
    /// <summary>The certificate is valid but is not the one registered for the partner.</summary>
    Mismatch,
    /// <summary>Issuer and subject match, but the certificate does not chain to a trusted issuer.</summary>
    Untrusted,
    /// <summary>The rule names neither a thumbprint nor issuer and subject: nothing can match.</summary>
    InvalidRule,
}

public readonly record struct ClientCertificateCheck(ClientCertificateVerdict Verdict, string? Thumbprint, string Reason)
{
    public bool Accepted => Verdict == ClientCertificateVerdict.Accepted;
}

/// <summary>
/// Inbound mutual TLS on App Service / Azure Functions: the front end terminates TLS and, with client
/// certificates enabled (mode Required, which makes the client prove it holds the key), forwards the
/// client's certificate to the app as Base64 DER in the X-ARR-ClientCert header. This decides whether that
/// certificate is the one registered for the calling partner.
/// </summary>
public static class InboundClientCertificate
{
    public const string HeaderName = "X-ARR-ClientCert";

    /// <summary>"true": requests must carry a partner's registered client certificate (set by infra-bicep with mutual TLS on).</summary>
    public const string RequireSetting = "Roaming:RequireClientCertificate";

    /// <summary>Reads the forwarded certificate; null when absent or not a certificate.</summary>
    public static X509Certificate2? Read(string? headerValue)
    {
        if (string.IsNullOrWhiteSpace(headerValue)) return null;
        var value = headerValue.Trim();
        try
        {
            if (value.StartsWith("-----BEGIN", StringComparison.Ordinal)) return X509Certificate2.CreateFromPem(value);
            return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(value));
        }
        catch (Exception e) when (e is FormatException or CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Checks the forwarded header value against the partner's rule at <paramref name="now"/>.</summary>
    public static ClientCertificateCheck Check(string? headerValue, ClientCertificateRule rule, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(headerValue))
            return new(ClientCertificateVerdict.Missing, null, $"No client certificate ({HeaderName} is absent).");
        using var certificate = Read(headerValue);
        if (certificate is null)
            return new(ClientCertificateVerdict.Malformed, null, $"{HeaderName} does not hold a certificate.");
        return Check(certificate, rule, now);
    }

    public static ClientCertificateCheck Check(X509Certificate2 certificate, ClientCertificateRule rule, DateTimeOffset now)
    {
        var thumbprint = certificate.Thumbprint;
        if (now.UtcDateTime < certificate.NotBefore.ToUniversalTime())
            return new(ClientCertificateVerdict.NotYetValid, thumbprint, $"The certificate is valid from {certificate.NotBefore.ToUniversalTime():u}.");
        if (now.UtcDateTime > certificate.NotAfter.ToUniversalTime())
            return new(ClientCertificateVerdict.Expired, thumbprint, $"The certificate expired at {certificate.NotAfter.ToUniversalTime():u}.");

        if (!string.IsNullOrWhiteSpace(rule.Thumbprint))
        {
            return ThumbprintMatches(certificate, rule.Thumbprint)
                ? new(ClientCertificateVerdict.Accepted, thumbprint, "The certificate is the registered one.")
                : new(ClientCertificateVerdict.Mismatch, thumbprint, "The certificate is not the registered one (thumbprint differs).");
        }
        if (string.IsNullOrWhiteSpace(rule.Issuer) || string.IsNullOrWhiteSpace(rule.Subject))
            return new(ClientCertificateVerdict.InvalidRule, thumbprint, "The partner's rule names neither a thumbprint nor issuer and subject.");

        if (!NamesMatch(certificate.IssuerName, rule.Issuer) || !NamesMatch(certificate.SubjectName, rule.Subject))
            return new(ClientCertificateVerdict.Mismatch, thumbprint, $"Issuer or subject differs from the registered ones (got issuer '{certificate.Issuer}', subject '{certificate.Subject}').");
        return ChainsToTrustedIssuer(certificate, rule, now)
            ? new(ClientCertificateVerdict.Accepted, thumbprint, "Issuer and subject match and the certificate chains to a trusted issuer.")
            : new(ClientCertificateVerdict.Untrusted, thumbprint, "Issuer and subject match, but the certificate does not chain to a trusted issuer.");
    }

    private static bool ThumbprintMatches(X509Certificate2 certificate, string registered)
    {
        var expected = new string(registered.Where(Uri.IsHexDigit).ToArray()).ToUpperInvariant();
        var actual = expected.Length switch
        {
            40 => certificate.Thumbprint,
            64 => certificate.GetCertHashString(HashAlgorithmName.SHA256),
            _ => null,
        };
        return actual is not null && string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Compares distinguished names as .NET formats them, so "CN=a,O=b" and "CN=a, O=b" are the same name.</summary>
    private static bool NamesMatch(X500DistinguishedName actual, string registered)
    {
        string normalized;
        try
        {
            normalized = new X500DistinguishedName(registered).Format(multiLine: false);
        }
        catch (CryptographicException)
        {
            return false;
        }
        return string.Equals(actual.Format(multiLine: false), normalized, StringComparison.OrdinalIgnoreCase);
    }

    private static bool ChainsToTrustedIssuer(X509Certificate2 certificate, ClientCertificateRule rule, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        // Offline on purpose: this runs per request, and a partner's CRL endpoint must not decide our latency.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2")); // client authentication
        X509Certificate2Collection? issuers = null;
        if (!string.IsNullOrWhiteSpace(rule.IssuerCertificatesPem))
        {
            issuers = [];
            issuers.ImportFromPem(rule.IssuerCertificatesPem);
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(issuers);
        }
        try
        {
            // A self-signed certificate is its own issuer: it passes only if it was registered as the trusted issuer.
            return chain.Build(certificate);
        }
        finally
        {
            foreach (var element in chain.ChainElements) if (!ReferenceEquals(element.Certificate, certificate)) element.Certificate.Dispose();
            if (issuers is not null) foreach (var issuer in issuers) issuer.Dispose();
        }
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Roaming.Core.Transport;

namespace Roaming.Azure.Tests;

/// <summary>The decision on the certificate App Service forwards in X-ARR-ClientCert (Base64 DER).</summary>
public sealed class InboundClientCertificateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly X509Certificate2 _partner = TestCertificates.Client("CN=partner-hub, O=Partner B.V.");

    private static string Header(X509Certificate2 certificate) => Convert.ToBase64String(certificate.RawData);

    [Fact]
    public void The_registered_certificate_is_accepted_by_SHA1_thumbprint_in_any_notation()
    {
        var colons = string.Join(':', _partner.Thumbprint.Chunk(2).Select(c => new string(c))).ToLowerInvariant();

        var check = InboundClientCertificate.Check(Header(_partner), ClientCertificateRule.ForThumbprint(colons), Now);

        Assert.Equal(ClientCertificateVerdict.Accepted, check.Verdict);
        Assert.True(check.Accepted);
        Assert.Equal(_partner.Thumbprint, check.Thumbprint);
    }

    [Fact]
    public void The_registered_certificate_is_accepted_by_SHA256_thumbprint()
    {
        var sha256 = _partner.GetCertHashString(HashAlgorithmName.SHA256);

        Assert.True(InboundClientCertificate.Check(Header(_partner), ClientCertificateRule.ForThumbprint(sha256), Now).Accepted);
    }

    [Fact]
    public void Another_certificate_with_the_same_names_is_a_mismatch_for_a_thumbprint_rule()
    {
        using var lookalike = TestCertificates.Client("CN=partner-hub, O=Partner B.V.");

        var check = InboundClientCertificate.Check(Header(lookalike), ClientCertificateRule.ForThumbprint(_partner.Thumbprint), Now);

        Assert.Equal(ClientCertificateVerdict.Mismatch, check.Verdict);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void No_header_means_no_certificate(string? header) =>
        Assert.Equal(ClientCertificateVerdict.Missing, InboundClientCertificate.Check(header, ClientCertificateRule.ForThumbprint(_partner.Thumbprint), Now).Verdict);

    [Theory]
    [InlineData("not base64 at all")]
    [InlineData("SGVsbG8gd29ybGQ=")]
    public void A_header_that_is_not_a_certificate_is_malformed(string header)
    {
        Assert.Equal(ClientCertificateVerdict.Malformed, InboundClientCertificate.Check(header, ClientCertificateRule.ForThumbprint(_partner.Thumbprint), Now).Verdict);
        Assert.Null(InboundClientCertificate.Read(header));
    }

    [Fact]
    public void A_PEM_header_is_read_as_well()
    {
        using var read = InboundClientCertificate.Read(_partner.ExportCertificatePem());

        Assert.Equal(_partner.Thumbprint, read!.Thumbprint);
    }

    [Fact]
    public void Validity_dates_are_checked_before_the_rule()
    {
        var rule = ClientCertificateRule.ForThumbprint(_partner.Thumbprint);

        Assert.Equal(ClientCertificateVerdict.Expired, InboundClientCertificate.Check(Header(_partner), rule, _partner.NotAfter.ToUniversalTime().AddSeconds(1)).Verdict);
        Assert.Equal(ClientCertificateVerdict.NotYetValid, InboundClientCertificate.Check(Header(_partner), rule, _partner.NotBefore.ToUniversalTime().AddSeconds(-1)).Verdict);
    }

    [Fact]
    public void Issuer_and_subject_are_accepted_when_the_certificate_chains_to_the_registered_issuer()
    {
        using var authority = TestCertificates.Authority("CN=Partner Issuing CA, O=Partner B.V.");
        using var issued = TestCertificates.IssuedBy(authority, "CN=partner-hub, O=Partner B.V.");
        // Written without the space .NET puts after the comma: names are compared, not strings.
        var rule = ClientCertificateRule.ForIssuerAndSubject("CN=Partner Issuing CA,O=Partner B.V.", "CN=partner-hub,O=Partner B.V.", TestCertificates.ToPem(authority));

        var check = InboundClientCertificate.Check(Header(issued), rule, Now);

        Assert.Equal(ClientCertificateVerdict.Accepted, check.Verdict);
    }

    [Fact]
    public void Matching_names_from_a_forged_issuer_are_untrusted()
    {
        using var authority = TestCertificates.Authority("CN=Partner Issuing CA, O=Partner B.V.");
        using var forger = TestCertificates.Authority("CN=Partner Issuing CA, O=Partner B.V.");
        using var forged = TestCertificates.IssuedBy(forger, "CN=partner-hub, O=Partner B.V.");
        var rule = ClientCertificateRule.ForIssuerAndSubject(authority.Subject, "CN=partner-hub, O=Partner B.V.", TestCertificates.ToPem(authority));

        var check = InboundClientCertificate.Check(Header(forged), rule, Now);

        Assert.Equal(ClientCertificateVerdict.Untrusted, check.Verdict);
    }

    [Fact]
    public void Another_subject_from_the_registered_issuer_is_a_mismatch()
    {
        using var authority = TestCertificates.Authority("CN=Partner Issuing CA, O=Partner B.V.");
        using var sibling = TestCertificates.IssuedBy(authority, "CN=other-partner, O=Partner B.V.");
        var rule = ClientCertificateRule.ForIssuerAndSubject(authority.Subject, "CN=partner-hub, O=Partner B.V.", TestCertificates.ToPem(authority));

        Assert.Equal(ClientCertificateVerdict.Mismatch, InboundClientCertificate.Check(Header(sibling), rule, Now).Verdict);
    }

    [Fact]
    public void Issuer_and_subject_without_a_registered_issuer_certificate_need_a_system_trusted_chain()
    {
        using var authority = TestCertificates.Authority("CN=Partner Issuing CA, O=Partner B.V.");
        using var issued = TestCertificates.IssuedBy(authority, "CN=partner-hub, O=Partner B.V.");
        var rule = ClientCertificateRule.ForIssuerAndSubject(authority.Subject, issued.Subject);

        Assert.Equal(ClientCertificateVerdict.Untrusted, InboundClientCertificate.Check(Header(issued), rule, Now).Verdict);
    }

    [Fact]
    public void A_rule_without_thumbprint_or_names_matches_nothing()
    {
        Assert.Equal(ClientCertificateVerdict.InvalidRule, InboundClientCertificate.Check(Header(_partner), new ClientCertificateRule(), Now).Verdict);
        Assert.Equal(ClientCertificateVerdict.InvalidRule, InboundClientCertificate.Check(Header(_partner), new ClientCertificateRule(Issuer: _partner.Issuer), Now).Verdict);
    }

    [Fact]
    public void A_thumbprint_of_the_wrong_length_matches_nothing() =>
        Assert.Equal(ClientCertificateVerdict.Mismatch,
            InboundClientCertificate.Check(Header(_partner), ClientCertificateRule.ForThumbprint(_partner.Thumbprint[..20]), Now).Verdict);
}

using System.Text.Json.Serialization;
using Roaming.Core.Partners;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Operator;

public sealed record InvitationRequest
{
    public string? Name { get; init; }
}

public sealed record InvitationResponse(string PartnerId, string Token, string VersionsUrl);

public sealed record RegistrationRequest : IOcpiValidatable
{
    public string? Name { get; init; }
    public string? VersionsUrl { get; init; }
    public string? Token { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("name", Name, 100, required: false);
        v.Url("versions_url", VersionsUrl);
        v.String("token", Token, 64);
    }
}

public sealed record OperatorError(string Error, int? StatusCode);

public sealed record DeletedResponse(string Deleted);

/// <summary>The client certificate a partner must present: a thumbprint, or issuer + subject (with the issuer's PEM, optionally).</summary>
public sealed record CertificateRequest : IOcpiValidatable
{
    public string? Thumbprint { get; init; }
    public string? Issuer { get; init; }
    public string? Subject { get; init; }
    public string? IssuerCertificatesPem { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("thumbprint", Thumbprint, 128, required: false);
        v.String("issuer", Issuer, 1024, required: false);
        v.String("subject", Subject, 1024, required: false);
        if (Thumbprint is null && (Issuer is null || Subject is null)) v.Fail("thumbprint", "give a thumbprint, or an issuer and a subject");
    }

    public ClientCertificateRule ToRule() => new(Thumbprint, Issuer, Subject, IssuerCertificatesPem);
}

public sealed record UnregisterResponse(string PartnerId, PartnerState State, bool PartnerNotified, string? Problem);

/// <summary>A partner as the operator sees it; never its tokens.</summary>
public sealed record PartnerView(
    string Id, string? Name, PartnerState State, List<PartnerRoleView> Roles, string? VersionsUrl, string? Version,
    List<Endpoint> Endpoints, bool OutboundTokenBase64, bool OutboundTokenEncodingFixed, bool? InboundTokenBase64, bool NeedsResync,
    List<PartnerIssue> Issues, CertificateView? ClientCertificate, DateTimeOffset Created, DateTimeOffset Updated)
{
    public static PartnerView Of(Partner p) => new(
        p.Id, p.Name, p.State,
        p.Roles.Select(r => new PartnerRoleView(r.Role, r.CountryCode, r.PartyId, r.BusinessDetails?.Name)).ToList(),
        p.VersionsUrl, p.Version, p.Endpoints, p.OutboundTokenBase64, p.OutboundTokenEncodingFixed, p.InboundTokenBase64, p.NeedsResync,
        p.Issues, p.ClientCertificate is { } c ? new CertificateView(c.Thumbprint, c.Issuer, c.Subject) : null, p.Created, p.Updated);
}

/// <summary>How we write our token for a partner: Base64 (true), raw (false), or null to let the endpoint find out (the default).</summary>
public sealed record TokenEncodingRequest
{
    public bool? Base64 { get; init; }
}

public sealed record CertificateView(string? Thumbprint, string? Issuer, string? Subject);

public sealed record PartnerRoleView(Role? Role, string? CountryCode, string? PartyId, string? Name);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter), typeof(JsonStringEnumConverter<PartnerState>)])]
[JsonSerializable(typeof(InvitationRequest))]
[JsonSerializable(typeof(InvitationResponse))]
[JsonSerializable(typeof(RegistrationRequest))]
[JsonSerializable(typeof(OperatorError))]
[JsonSerializable(typeof(DeletedResponse))]
[JsonSerializable(typeof(CertificateRequest))]
[JsonSerializable(typeof(UnregisterResponse))]
[JsonSerializable(typeof(PartnerView))]
[JsonSerializable(typeof(TokenEncodingRequest))]
[JsonSerializable(typeof(List<PartnerView>))]
public sealed partial class OperatorJson : JsonSerializerContext;

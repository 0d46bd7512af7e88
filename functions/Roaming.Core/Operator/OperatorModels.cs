using System.Text.Json.Serialization;
using Roaming.Core.Credentials;
using Roaming.Core.HubClientInfo;
using Roaming.Core.Partners;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Operator;

public sealed record InvitationRequest : IOcpiValidatable
{
    public string? Name { get; init; }
    /// <summary>What the partner may be; absent: an open invitation (any free party, any role but HUB).</summary>
    public List<PartyRole>? Roles { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("name", Name, 100, required: false);
        PartyRoles.Validate(v, "roles", Roles, required: false);
    }
}

public sealed record InvitationResponse(string PartnerId, string Token, string VersionsUrl);

public sealed record RegistrationRequest : IOcpiValidatable
{
    public string? Name { get; init; }
    public string? VersionsUrl { get; init; }
    public string? Token { get; init; }
    /// <summary>What the partner may be, as an invitation names it; absent: any free party, any role but HUB.</summary>
    public List<PartyRole>? Roles { get; init; }

    public void Validate(OcpiValidator v)
    {
        v.String("name", Name, 100, required: false);
        v.Url("versions_url", VersionsUrl);
        v.String("token", Token, 64);
        PartyRoles.Validate(v, "roles", Roles, required: false);
    }
}

/// <summary>Roles the operator names: granted to a connection, or pending roles to approve or refuse (absent: all of them).</summary>
public sealed record RolesRequest : IOcpiValidatable
{
    public List<PartyRole>? Roles { get; init; }

    public void Validate(OcpiValidator v) => PartyRoles.Validate(v, "roles", Roles, required: false);
}

/// <summary>The parties the operator lists behind a hub connection.</summary>
public sealed record HubPartiesRequest : IOcpiValidatable
{
    public List<PartyRole>? Parties { get; init; }

    public void Validate(OcpiValidator v) => PartyRoles.Validate(v, "parties", Parties, required: true);
}

public static class PartyRoles
{
    /// <summary>The most parties one connection may be named for at once (credentials lists are bounded the same way on the wire).</summary>
    public const int MaxCount = 100;

    public static void Validate(OcpiValidator v, string field, List<PartyRole>? roles, bool required)
    {
        v.List(field, roles, required);
        if (roles is { Count: > MaxCount }) v.Fail(field, $"more than {MaxCount} entries");
    }

    public static List<PartyRole>? Normalized(List<PartyRole>? roles) => roles?.Select(r => r.Normalized()).Distinct().ToList();
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
        // PEM has line breaks, so only its size is bounded (it is stored with the partner).
        if (IssuerCertificatesPem is { Length: > OcpiLimits.IssuerCertificatesPem })
            v.Fail("issuer_certificates_pem", $"longer than {OcpiLimits.IssuerCertificatesPem} characters");
        if (Thumbprint is null && (Issuer is null || Subject is null)) v.Fail("thumbprint", "give a thumbprint, or an issuer and a subject");
    }

    public ClientCertificateRule ToRule() => new(Thumbprint, Issuer, Subject, IssuerCertificatesPem);
}

public sealed record UnregisterResponse(string PartnerId, PartnerState State, bool PartnerNotified, string? Problem);

/// <summary>A partner as the operator sees it; never its tokens.</summary>
/// <param name="Roles">granted and in force</param>
/// <param name="PendingRoles">claimed in a credentials update, waiting for the operator's approval; they grant nothing yet</param>
/// <param name="InvitationRoles">what the invitation named; absent for an open invitation</param>
/// <param name="HubParties">parties the operator listed behind this hub connection</param>
/// <param name="HubClientInfo">what this hub's ClientInfo reports (one partner's view only)</param>
public sealed record PartnerView(
    string Id, string? Name, PartnerState State, List<PartnerRoleView> Roles, List<PartnerRoleView> PendingRoles, List<PartyRole>? InvitationRoles,
    List<PartyRole> HubParties, List<ClientInfo>? HubClientInfo, string? VersionsUrl, string? Version,
    List<Endpoint> Endpoints, bool OutboundTokenBase64, bool OutboundTokenEncodingFixed, bool? InboundTokenBase64, bool NeedsResync,
    List<PartnerIssue> Issues, CertificateView? ClientCertificate, DateTimeOffset Created, DateTimeOffset Updated)
{
    public static PartnerView Of(Partner p) => Of(p, null);

    public static PartnerView Of(Partner p, List<ClientInfo>? hubClientInfo) => new(
        p.Id, p.Name, p.State, p.Roles.Select(PartnerRoleView.Of).ToList(), p.PendingRoles.Select(PartnerRoleView.Of).ToList(), p.InvitedRoles,
        p.HubParties, hubClientInfo, p.VersionsUrl, p.Version, p.Endpoints, p.OutboundTokenBase64, p.OutboundTokenEncodingFixed, p.InboundTokenBase64,
        p.NeedsResync, p.Issues, p.ClientCertificate is { } c ? new CertificateView(c.Thumbprint, c.Issuer, c.Subject) : null, p.Created, p.Updated)
    {
        OutboundRequestsPerMinute = p.OutboundRequestsPerMinute,
    };

    /// <summary>The pace of our calls to the partner set by the operator (PUT …/outbound-pace); absent: none.</summary>
    public int? OutboundRequestsPerMinute { get; init; }

    /// <summary>
    /// What this partner's input needed over the last days (one partner's view only): per field, how often it was
    /// normalised or dropped and an example, so the operator can tell the partner what to fix.
    /// </summary>
    public InputCorrections? InputCorrections { get; init; }
}

/// <summary>How we write our token for a partner: Base64 (true), raw (false), or null to let the endpoint find out (the default).</summary>
public sealed record TokenEncodingRequest
{
    public bool? Base64 { get; init; }
}

/// <summary>The most calls a minute we make to a partner; null: no pace.</summary>
public sealed record OutboundPaceRequest
{
    public int? RequestsPerMinute { get; init; }
}

public sealed record CertificateView(string? Thumbprint, string? Issuer, string? Subject);

public sealed record PartnerRoleView(Role? Role, string? CountryCode, string? PartyId, string? Name)
{
    public static PartnerRoleView Of(CredentialsRole r) => new(r.Role, r.CountryCode, r.PartyId, r.BusinessDetails?.Name);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter), typeof(JsonStringEnumConverter<PartnerState>), typeof(JsonStringEnumConverter<InputAction>)])]
[JsonSerializable(typeof(InvitationRequest))]
[JsonSerializable(typeof(InvitationResponse))]
[JsonSerializable(typeof(RegistrationRequest))]
[JsonSerializable(typeof(OperatorError))]
[JsonSerializable(typeof(DeletedResponse))]
[JsonSerializable(typeof(CertificateRequest))]
[JsonSerializable(typeof(UnregisterResponse))]
[JsonSerializable(typeof(PartnerView))]
[JsonSerializable(typeof(RolesRequest))]
[JsonSerializable(typeof(HubPartiesRequest))]
[JsonSerializable(typeof(TokenEncodingRequest))]
[JsonSerializable(typeof(OutboundPaceRequest))]
[JsonSerializable(typeof(List<PartnerView>))]
public sealed partial class OperatorJson : JsonSerializerContext;

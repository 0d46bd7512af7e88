using System.Net;
using Roaming.Core.Credentials;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;

namespace Roaming.Core.Operator;

/// <summary>
/// The operator's partner management on /operator/: invitations (Token A for a partner to register with us),
/// registration with a partner (its versions URL and Token A), the partner list, rotation and unregistration.
/// </summary>
public sealed class PartnersApi(PartnerRegistry registry, PartnerAccess access, RegistrationService registration, InputNoteRecorder inputNotes) : IRouteGroup
{
    public void Map(RouteTable routes)
    {
        routes.Map("POST", "/operator/invitations", RouteAccess.Operator, Invite);
        routes.Map("POST", "/operator/registrations", RouteAccess.Operator, Register);
        routes.Map("GET", "/operator/partners", RouteAccess.Operator, List);
        routes.Map("GET", "/operator/partners/{id}", RouteAccess.Operator, Get);
        routes.Map("POST", "/operator/partners/{id}/rotate", RouteAccess.Operator, Rotate);
        routes.Map("DELETE", "/operator/partners/{id}", RouteAccess.Operator, Unregister);
        routes.Map("PUT", "/operator/partners/{id}/certificate", RouteAccess.Operator, SetCertificate);
        routes.Map("DELETE", "/operator/partners/{id}/certificate", RouteAccess.Operator, ClearCertificate);
        routes.Map("PUT", "/operator/partners/{id}/token-encoding", RouteAccess.Operator, SetTokenEncoding);
        routes.Map("PUT", "/operator/partners/{id}/outbound-pace", RouteAccess.Operator, SetOutboundPace);
        routes.Map("DELETE", "/operator/partners/{id}/issues/{kind}", RouteAccess.Operator, AcknowledgeIssue);
    }

    private async Task<OcpiResult> Invite(OcpiContext ctx)
    {
        var request = ctx.Request.Body.IsEmpty ? new InvitationRequest() : ctx.Body(OperatorJson.Default.InvitationRequest);
        var (partner, tokenA) = await registry.InviteAsync(request.Name, NotOurs(request.Roles), ctx.Cancellation);
        return OcpiResult.Json(new InvitationResponse(partner.Id, tokenA, ctx.Url(OcpiPaths.Versions)), OperatorJson.Default.InvitationResponse, HttpStatusCode.Created);
    }

    private async Task<OcpiResult> Register(OcpiContext ctx)
    {
        var request = ctx.Body(OperatorJson.Default.RegistrationRequest);
        var partner = await registration.RegisterAsync(request.Name, NotOurs(request.Roles), request.VersionsUrl!, request.Token!,
            CredentialsEndpoint.Ours(ctx, ""), ctx.Cancellation);
        return OcpiResult.Json(PartnerView.Of(partner), OperatorJson.Default.PartnerView, HttpStatusCode.Created);
    }

    private async Task<OcpiResult> List(OcpiContext ctx)
    {
        var partners = await registry.Store.ListAsync(ctx.Cancellation);
        return OcpiResult.Json(partners.OrderBy(p => p.Created).Select(PartnerView.Of).ToList(), OperatorJson.Default.ListPartnerView);
    }

    private async Task<OcpiResult> Get(OcpiContext ctx)
    {
        var partner = await Find(ctx);
        var reported = partner.HasRole(Types.Role.Hub) ? await access.ReportedByAsync(partner, ctx.Cancellation) : null;
        return OcpiResult.Json(PartnerView.Of(partner, reported) with { InputCorrections = await inputNotes.ListAsync(partner.Id, ctx.Cancellation) }, OperatorJson.Default.PartnerView);
    }

    private async Task<OcpiResult> Rotate(OcpiContext ctx)
    {
        var partner = await Find(ctx);
        if (partner.State != PartnerState.Registered) throw new InvalidParametersException($"Partner {partner.Id} is {partner.State}, not Registered.");
        partner = await registration.RotateAsync(partner, CredentialsEndpoint.Ours(ctx, ""), ctx.Cancellation);
        return OcpiResult.Json(PartnerView.Of(partner), OperatorJson.Default.PartnerView);
    }

    private async Task<OcpiResult> Unregister(OcpiContext ctx)
    {
        var partner = await Find(ctx);
        var problem = await registration.UnregisterAsync(partner, ctx.Cancellation);
        return OcpiResult.Json(new UnregisterResponse(partner.Id, partner.State, problem is null, problem), OperatorJson.Default.UnregisterResponse);
    }

    private async Task<OcpiResult> SetCertificate(OcpiContext ctx)
    {
        var request = ctx.Body(OperatorJson.Default.CertificateRequest);
        var partner = await Find(ctx);
        partner.ClientCertificate = request.ToRule();
        await registry.SaveAsync(partner, ctx.Cancellation);
        return OcpiResult.Json(PartnerView.Of(partner), OperatorJson.Default.PartnerView);
    }

    private async Task<OcpiResult> ClearCertificate(OcpiContext ctx)
    {
        var partner = await Find(ctx);
        partner.ClientCertificate = null;
        await registry.SaveAsync(partner, ctx.Cancellation);
        return OcpiResult.Json(PartnerView.Of(partner), OperatorJson.Default.PartnerView);
    }

    /// <summary>What an invitation names, refused when it names a party hosted here (no connection may hold one).</summary>
    private List<PartyRole>? NotOurs(List<PartyRole>? roles)
    {
        var named = PartyRoles.Normalized(roles);
        access.RefuseOurs(named, "roles");
        return named;
    }

    /// <summary>Fixes the encoding of our token for a partner that needs it one way on some modules and cannot be found out; null: automatic again.</summary>
    private async Task<OcpiResult> SetTokenEncoding(OcpiContext ctx)
    {
        var request = ctx.Body(OperatorJson.Default.TokenEncodingRequest);
        var partner = await Find(ctx);
        partner.OutboundTokenEncodingFixed = request.Base64 is not null;
        if (request.Base64 is { } base64) partner.OutboundTokenBase64 = base64;
        await registry.SaveAsync(partner, ctx.Cancellation);
        return OcpiResult.Json(PartnerView.Of(partner), OperatorJson.Default.PartnerView);
    }

    /// <summary>Keeps our calls to the partner under a rate (a hub's published limit); null: no pace.</summary>
    private async Task<OcpiResult> SetOutboundPace(OcpiContext ctx)
    {
        var request = ctx.Body(OperatorJson.Default.OutboundPaceRequest);
        if (request.RequestsPerMinute is < 1 or > MaxRequestsPerMinute)
            throw new InvalidParametersException($"requests_per_minute must be 1 to {MaxRequestsPerMinute}, or null for no pace.");
        var partner = await Find(ctx);
        partner.OutboundRequestsPerMinute = request.RequestsPerMinute;
        await registry.SaveAsync(partner, ctx.Cancellation);
        return OcpiResult.Json(PartnerView.Of(partner), OperatorJson.Default.PartnerView);
    }

    private const int MaxRequestsPerMinute = 1_000_000;

    /// <summary>The operator has seen to an issue (e.g. told the partner about refused pushes): it leaves the partner view.</summary>
    private async Task<OcpiResult> AcknowledgeIssue(OcpiContext ctx)
    {
        var partner = await Find(ctx);
        if (!partner.Clear(ctx.Value("kind"))) throw new NotFoundException($"Partner {partner.Id} has no issue {ctx.Value("kind")}.");
        await registry.SaveAsync(partner, ctx.Cancellation);
        return OcpiResult.Json(PartnerView.Of(partner), OperatorJson.Default.PartnerView);
    }

    private async Task<Partner> Find(OcpiContext ctx)
    {
        var id = ctx.Value("id");
        // Only ids we issue are looked up, so nothing a caller types reaches a storage key unchecked.
        if (!PartnerRegistry.IsPartnerId(id)) throw new NotFoundException($"No partner {id}.");
        return await registry.Store.GetAsync(id, ctx.Cancellation) ?? throw new NotFoundException($"No partner {id}.");
    }
}


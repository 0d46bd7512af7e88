using System.Net;
using Roaming.Core.Platform;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Credentials;

/// <summary>What a partner offers in the version agreed with it, learnt from its versions and version details endpoints.</summary>
public sealed record DiscoveredPartner(string VersionsUrl, string Version, List<Endpoint> Endpoints, bool TokenBase64)
{
    public Endpoint Credentials => Endpoints.First(e => e.Identifier == ModuleIds.Credentials);

    /// <summary>The connection as registered, whichever side started it: the roles granted, where and how to call the partner.</summary>
    /// <param name="outboundTokenProtected">the partner's token for us, encrypted</param>
    /// <param name="tokenBase64">the encoding that got through in the exchange, when it differs from the versions call's</param>
    public void Connect(Partners.Partner partner, Partners.RoleClaim claim, string outboundTokenProtected, bool? tokenBase64 = null)
    {
        partner.State = Partners.PartnerState.Registered;
        claim.ApplyTo(partner);
        partner.VersionsUrl = VersionsUrl;
        partner.Version = Version;
        partner.Endpoints = Endpoints;
        partner.OutboundTokenProtected = outboundTokenProtected;
        // An encoding the operator pinned stays pinned.
        if (!partner.OutboundTokenEncodingFixed) partner.OutboundTokenBase64 = tokenBase64 ?? TokenBase64;
    }
}

/// <summary>Raised when a partner's API cannot be used for a registration; carries the 3xxx code the spec gives.</summary>
public sealed class RegistrationException(int statusCode, string message)
    : OcpiException(statusCode, HttpStatusCode.OK, message);

/// <summary>
/// Fetches a partner's versions, agrees on one (the version the partner registers on with us, or the newest both
/// serve when we register with it) and reads that version's details. A partner that answers 401 to a
/// Base64-encoded token is tried once more with the token in clear (2.1.1/2.2 habit, which the spec says to
/// allow for; <see cref="TokenEncoding"/>), and the encoding that worked is the first guess for later calls.
/// </summary>
public sealed class PartnerDiscovery(OcpiClient client, ModuleCatalog catalog)
{
    /// <param name="required">the version the connection must use (the version of the credentials route the partner called), or null to negotiate</param>
    public async Task<DiscoveredPartner> DiscoverAsync(string versionsUrl, string token, string? required, CancellationToken ct)
    {
        var (versions, base64) = await GetVersionsAsync(versionsUrl, token, ct);
        var listed = string.Join(", ", versions.Select(v => v.Version));
        var agreed = required is not null
            ? versions.Any(v => v.Version == required) ? required : null
            : catalog.Negotiate(versions.Select(v => v.Version));
        if (agreed is null)
            throw new RegistrationException(OcpiStatus.UnsupportedVersion, required is not null
                ? $"The partner's versions endpoint lists no version {required} (it lists: {listed})."
                : $"The partner serves no version this endpoint serves ({string.Join(", ", catalog.Versions)}); it lists: {listed}.");
        var ours = versions.First(v => v.Version == agreed);

        VersionDetails details;
        try
        {
            details = await TokenEncoding.CallAsync(new PartnerToken(token, base64), true,
                t => client.GetAsync(ours.Url!, t, VersionsJson.Default.VersionDetails, ct: ct),
                worked => { base64 = worked.Base64; return Task.CompletedTask; });
        }
        catch (PartnerCallException e)
        {
            throw new RegistrationException(OcpiStatus.UnableToUseClientApi, "Could not read the partner's version details: " + e.Message);
        }
        if (details.Version != agreed)
            throw new RegistrationException(OcpiStatus.UnsupportedVersion, $"The partner's {agreed} details describe version {details.Version}.");
        var endpoints = details.Endpoints!;
        if (!endpoints.Any(e => e.Identifier == ModuleIds.Credentials))
            throw new RegistrationException(OcpiStatus.NoMatchingEndpoints, "The partner's version details list no credentials endpoint.");
        return new DiscoveredPartner(versionsUrl, agreed, endpoints, base64);
    }

    private async Task<(List<VersionInfo>, bool Base64)> GetVersionsAsync(string versionsUrl, string token, CancellationToken ct)
    {
        var base64 = true;
        try
        {
            var versions = await TokenEncoding.CallAsync(new PartnerToken(token, true), true,
                t => client.GetAsync(versionsUrl, t, VersionsJson.Default.ListVersionInfo, ct: ct),
                worked => { base64 = worked.Base64; return Task.CompletedTask; });
            return (versions, base64);
        }
        catch (PartnerCallException e)
        {
            throw new RegistrationException(OcpiStatus.UnableToUseClientApi, "Could not read the partner's versions: " + e.Message);
        }
    }
}

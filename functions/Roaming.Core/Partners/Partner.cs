using Roaming.Core.Credentials;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Partners;

/// <summary>Where a partner connection stands in the credentials handshake.</summary>
public enum PartnerState
{
    /// <summary>We issued a Token A; the partner has not yet POSTed its credentials.</summary>
    Invited,
    /// <summary>We are registering with the partner (our POST is under way); it may call us with the Token B we sent.</summary>
    Registering,
    /// <summary>Tokens exchanged both ways; every module may be used.</summary>
    Registered,
    /// <summary>Either side unregistered; no token works any more. Kept for the record.</summary>
    Unregistered,
}

/// <summary>
/// One partner connection (one remote platform; it may carry several roles). The tokens it presents to us
/// are kept only as keyed hashes; the token we present to it is kept encrypted.
/// </summary>
public sealed class Partner
{
    public required string Id { get; init; }
    public PartnerState State { get; set; }
    /// <summary>Free text from the operator who made the invitation or registration.</summary>
    public string? Name { get; set; }
    /// <summary>The roles granted and in force: what the partner may act as. Nothing else gives access.</summary>
    public List<CredentialsRole> Roles { get; set; } = [];
    /// <summary>What the invitation (or the operator's registration) named the partner may be; null: an open invitation.</summary>
    public List<PartyRole>? InvitedRoles { get; set; }
    /// <summary>Roles the partner claimed in a later credentials update, waiting for the operator; they grant nothing yet.</summary>
    public List<CredentialsRole> PendingRoles { get; set; } = [];
    /// <summary>Parties the operator listed behind this hub connection (beside those its HubClientInfo reports).</summary>
    public List<PartyRole> HubParties { get; set; } = [];
    public string? VersionsUrl { get; set; }
    public string? Version { get; set; }
    public List<Endpoint> Endpoints { get; set; } = [];

    /// <summary>Hash of the token the partner uses to call us (Token A while invited, then C, or B when we registered).</summary>
    public string? InboundTokenHash { get; set; }
    /// <summary>Hash of a new token we sent in a PUT still under way; it already opens versions and credentials.</summary>
    public string? PendingTokenHash { get; set; }
    /// <summary>The token we present to the partner, encrypted by <see cref="TokenProtector"/>.</summary>
    public string? OutboundTokenProtected { get; set; }
    /// <summary>Whether the partner wants the token Base64-encoded in the Authorization header (2.2.1: yes).</summary>
    public bool OutboundTokenBase64 { get; set; } = true;
    /// <summary>Set by the operator: <see cref="OutboundTokenBase64"/> is used as it is, never switched after a 401.</summary>
    public bool OutboundTokenEncodingFixed { get; set; }
    /// <summary>Set by the operator: the most calls a minute we make to this partner (<see cref="OutboundPace"/>); null: as fast as they come.</summary>
    public int? OutboundRequestsPerMinute { get; set; }
    /// <summary>How the partner last sent its own token to us; informational, for the operator.</summary>
    public bool? InboundTokenBase64 { get; set; }

    /// <summary>The TLS client certificate the partner must present when Roaming:RequireClientCertificate is on.</summary>
    public ClientCertificateRule? ClientCertificate { get; set; }

    /// <summary>Set when pushes to this partner failed for good and a full resync is needed.</summary>
    public bool NeedsResync { get; set; }

    /// <summary>What the operator should look at on this connection, one entry per kind (see <see cref="PartnerIssues"/>).</summary>
    public List<PartnerIssue> Issues { get; set; } = [];

    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
    /// <summary>Storage concurrency token; an update with a stale one fails rather than losing a change.</summary>
    public string? ETag { get; set; }

    /// <summary>Whether the partner holds the party in any role. Not an access check: access is per role (<see cref="Holds"/>) and, for hubs, per request (<see cref="PartnerAccess"/>).</summary>
    public bool Owns(PartyKey party) => Roles.Any(r => r.Key == party);

    /// <summary>Whether the partner holds the party in that role (a party's objects are written only in the role that owns them).</summary>
    public bool Holds(PartyKey party, Role role) => Roles.Any(r => r.Key == party && r.Role == role);

    public bool HasRole(Role role) => Roles.Any(r => r.Role == role);

    /// <summary>Every party this connection holds a place for: granted, pending, or listed behind it as a hub.</summary>
    public IEnumerable<PartyKey> ReservedParties =>
        Roles.Select(r => r.Key).Concat(PendingRoles.Select(r => r.Key)).Concat(HubParties.Select(r => r.Key)).Distinct();

    public Endpoint? FindEndpoint(string moduleId, InterfaceRole role) =>
        Endpoints.FirstOrDefault(e => e.Identifier == moduleId && e.Role == role)
        ?? (moduleId == ModuleIds.Credentials ? Endpoints.FirstOrDefault(e => e.Identifier == moduleId) : null);
}

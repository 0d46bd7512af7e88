using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Credentials;
using Roaming.Core.HubClientInfo;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Partners;

/// <summary>
/// What a partner connection may act for, granted by the operator and never taken from what the partner claims:
/// <list type="bullet">
/// <item>a credentials POST may claim only what the invitation names (an open invitation: any free party, in any role but HUB);</item>
/// <item>roles added by a later credentials PUT wait for the operator's approval;</item>
/// <item>no connection claims a party hosted here, or a party another connection holds (a reservation per party, so
/// of two connections claiming it at once exactly one wins);</item>
/// <item>a hub acts for the parties known behind it: reported by its HubClientInfo or listed by the operator,
/// never ours, never a party another connection holds.</item>
/// </list>
/// </summary>
public sealed class PartnerAccess(PartnerRegistry registry, IPartyReservations reservations, IPartyObjectStore<ReportedClientInfo> clientInfo,
    IOptions<RoamingOptions> options, TimeProvider clock, ILogger<PartnerAccess> logger)
{
    /// <summary>
    /// Checks the roles of a partner's credentials (its registration, an update, or its answer to ours) and reserves
    /// their parties. On a registration every role admitted is granted; on an update new roles become pending.
    /// </summary>
    /// <param name="strict">refuse the whole claim (2001) when any role is refused; otherwise drop the refused roles (a rotation we started, whose token swap must go through)</param>
    /// <returns>the claim to apply with the token swap; <see cref="UndoAsync"/> it when the swap fails, <see cref="SettleAsync"/> it after</returns>
    public async Task<RoleClaim> ClaimAsync(Partner partner, IReadOnlyList<CredentialsRole> claimed, bool strict, CancellationToken ct)
    {
        var registering = partner.State != PartnerState.Registered;
        var claim = new RoleClaim();
        for (var i = 0; i < claimed.Count; i++)
        {
            var role = claimed[i];
            if (!registering && partner.Roles.Any(r => Same(r, role))) claim.Granted.Add(role);
            else if (!registering && partner.PendingRoles.Any(r => Same(r, role))) claim.Pending.Add(role);
            else if (Refusal(partner, role) is { } why) claim.Refused.Add(new FieldError($"roles[{i}]", why));
            else (registering ? claim.Granted : claim.Pending).Add(role);
        }
        if (strict && claim.Refused.Count > 0) throw new InvalidParametersException(claim.Refused);

        try
        {
            foreach (var party in claim.Granted.Concat(claim.Pending).Select(r => r.Key).Distinct().ToList())
            {
                switch (await ReserveAsync(partner.Id, party, ct))
                {
                    case Reservation.Made: claim.Made.Add(party); break;
                    case Reservation.Taken:
                        for (var i = 0; i < claimed.Count; i++)
                            if (claimed[i].Key == party) claim.Refused.Add(new FieldError($"roles[{i}]", $"{party} is already registered on another connection"));
                        claim.Granted.RemoveAll(r => r.Key == party);
                        claim.Pending.RemoveAll(r => r.Key == party);
                        break;
                }
            }
            if (strict && claim.Refused.Count > 0) throw new InvalidParametersException(claim.Refused);
        }
        catch
        {
            await UndoAsync(partner.Id, claim, CancellationToken.None);
            throw;
        }
        var kept = claim.Granted.Concat(claim.Pending).Select(r => r.Key).Concat(partner.HubParties.Select(p => p.Key)).ToHashSet();
        claim.Dropped.AddRange(partner.ReservedParties.Where(p => !kept.Contains(p)));
        if (claim.Refused.Count > 0)
            logger.LogWarning("Partner {PartnerId}: roles not admitted: {Refused}", partner.Id, string.Join("; ", claim.Refused.Select(r => r.Problem)));
        return claim;
    }

    /// <summary>A claim that was not committed: gives back the parties it reserved, unless the partner (as stored now) holds them.</summary>
    public async Task UndoAsync(string partnerId, RoleClaim claim, CancellationToken ct)
    {
        if (claim.Made.Count == 0) return;
        // The same connection may have committed a concurrent claim of the same party (two POSTs with one Token A).
        var stored = await registry.Store.GetAsync(partnerId, ct);
        var held = stored is { State: not PartnerState.Unregistered } ? stored.ReservedParties.ToHashSet() : [];
        await ReleaseAsync(partnerId, claim.Made.Where(p => !held.Contains(p)), ct);
    }

    /// <summary>A committed claim: the parties the partner no longer claims are free again.</summary>
    public Task SettleAsync(string partnerId, RoleClaim claim, CancellationToken ct) => ReleaseAsync(partnerId, claim.Dropped, ct);

    /// <summary>The operator approves pending roles (all, or those named): they are granted from now on.</summary>
    public Task<Partner> ApproveAsync(string partnerId, IReadOnlyList<PartyRole>? which, CancellationToken ct) =>
        ChangeAsync(partnerId, partner =>
        {
            var approved = Pick(partner.PendingRoles, which);
            partner.Roles.AddRange(approved);
            partner.PendingRoles.RemoveAll(approved.Contains);
        }, ct);

    /// <summary>The operator refuses pending roles (all, or those named): they are dropped and their parties freed.</summary>
    public Task<Partner> RefuseAsync(string partnerId, IReadOnlyList<PartyRole>? which, CancellationToken ct) =>
        ChangeAsync(partnerId, partner =>
        {
            var refused = Pick(partner.PendingRoles, which);
            partner.PendingRoles.RemoveAll(refused.Contains);
        }, ct);

    /// <summary>The operator sets the roles granted to a registered connection (a role it names that was pending is granted).</summary>
    public Task<Partner> SetRolesAsync(string partnerId, IReadOnlyList<PartyRole> roles, CancellationToken ct) =>
        ChangeAsync(partnerId, partner =>
        {
            if (partner.State != PartnerState.Registered)
                throw new InvalidParametersException($"Partner {partner.Id} is {partner.State}; roles are granted to a registered connection.");
            RefuseOurs(roles, "roles");
            var described = partner.Roles.Concat(partner.PendingRoles).ToList();
            partner.Roles = roles.Distinct().Select(r => described.FirstOrDefault(d => r.Names(d.Role, d.Key)) ?? r.ToCredentialsRole()).ToList();
            partner.PendingRoles.RemoveAll(p => partner.Roles.Any(r => Same(r, p)));
        }, ct);

    /// <summary>The operator lists the parties behind a hub connection (beside what its HubClientInfo reports).</summary>
    public Task<Partner> SetHubPartiesAsync(string partnerId, IReadOnlyList<PartyRole> parties, CancellationToken ct) =>
        ChangeAsync(partnerId, partner =>
        {
            if (!partner.HasRole(Role.Hub)) throw new InvalidParametersException($"Partner {partner.Id} holds no HUB role.");
            RefuseOurs(parties, "parties");
            partner.HubParties = parties.Distinct().ToList();
        }, ct);

    /// <summary>
    /// The parties (with roles) the partner may act for among those a request names (its OCPI-from party, the party in
    /// its URL): what it holds; for a hub also the named parties known behind it. Never a party hosted here.
    /// </summary>
    public async Task<ActingParties> ActingForAsync(Partner partner, IEnumerable<PartyKey> named, CancellationToken ct)
    {
        var parties = partner.Roles.Where(r => !IsOurs(r.Key)).Select(PartyRole.Of).ToList();
        if (partner.HasRole(Role.Hub))
            foreach (var party in named.Distinct())
                if (!IsOurs(party) && !parties.Any(p => p.Key == party))
                    parties.AddRange(await BehindHubAsync(partner, party, ct));
        return new ActingParties(parties);
    }

    /// <param name="role">the role it must act in, or null for any</param>
    public async Task<bool> MayActForAsync(Partner partner, PartyKey party, Role? role, CancellationToken ct) =>
        (await ActingForAsync(partner, [party], ct)).ActsFor(party, role);

    /// <summary>
    /// The parties a hub speaks for in a role, for a pull through it: those the operator listed and those its ClientInfo
    /// reports in that role (not suspended); never ours, never one another connection holds.
    /// </summary>
    public async Task<IReadOnlySet<PartyKey>> BehindHubAsync(Partner hub, Role role, CancellationToken ct)
    {
        var parties = new HashSet<PartyKey>();
        foreach (var party in hub.HubParties.Select(p => p.Key).Concat((await ReportedByAsync(hub, ct)).Select(c => new PartyKey(c.CountryCode!, c.PartyId!))).Distinct())
            if (!IsOurs(party) && (await BehindHubAsync(hub, party, ct)).Any(p => p.Role == role)) parties.Add(party);
        return parties;
    }

    /// <summary>What the hub's ClientInfo reports, as the operator sees it.</summary>
    public async Task<List<ClientInfo>> ReportedByAsync(Partner hub, CancellationToken ct)
    {
        var reports = new List<ClientInfo>();
        string? continuation = null;
        do
        {
            var page = await clientInfo.ListAsync(DataScope.Received, new ObjectQuery(null, null, null, 0, 1000, continuation), ct);
            reports.AddRange(page.Items.Where(r => r.Hub == hub.Id).Select(r => r.ClientInfo));
            continuation = page.Continuation;
        } while (continuation is not null);
        return reports;
    }

    private async Task<List<PartyRole>> BehindHubAsync(Partner hub, PartyKey party, CancellationToken ct)
    {
        var known = hub.HubParties.Where(p => p.Key == party).ToList();
        var reported = await clientInfo.GetAsync(DataScope.Received, party, hub.Id, ct);
        // Suspended: no longer active, it will never connect again; the hub no longer speaks for it.
        if (reported?.ClientInfo is not { Status: not ConnectionStatus.Suspended, Role: { } role }) return known;
        // What a hub reports does not take a party another connection holds.
        if (await reservations.GetAsync(party, ct) is { } reservation && reservation.PartnerId != hub.Id) return known;
        known.Add(new PartyRole { Role = role, CountryCode = party.CountryCode, PartyId = party.PartyId });
        return known;
    }

    /// <summary>What the operator names for a connection never includes a party hosted here: 2001 naming each.</summary>
    public void RefuseOurs(IReadOnlyList<PartyRole>? named, string field)
    {
        var errors = (named ?? []).Select((r, i) => IsOurs(r.Key) ? new FieldError($"{field}[{i}]", $"{r.Key} is a party of this platform") : null)
            .OfType<FieldError>().ToList();
        if (errors.Count > 0) throw new InvalidParametersException(errors);
    }

    private string? Refusal(Partner partner, CredentialsRole role)
    {
        if (IsOurs(role.Key)) return $"{role.Key} is a party of this platform";
        if (partner.InvitedRoles is { } named)
            return named.Any(n => n.Names(role.Role, role.Key)) ? null : $"{PartyRole.Of(role)} is not named in the invitation";
        return role.Role == Role.Hub ? "a HUB is admitted only when its invitation names it" : null;
    }

    private bool IsOurs(PartyKey party) => options.Value.Parties.Any(p => p.Key == party);

    private enum Reservation { Held, Made, Taken }

    private async Task<Reservation> ReserveAsync(string partnerId, PartyKey party, CancellationToken ct)
    {
        var (standing, made) = await reservations.ReserveAsync(party, partnerId, ct);
        if (standing.PartnerId == partnerId) return made ? Reservation.Made : Reservation.Held;
        if (await LeftBehindAsync(standing, ct) && await reservations.TakeOverAsync(standing, partnerId, ct))
        {
            logger.LogWarning("Party {Party}: reservation left behind by partner {Previous} taken over by {PartnerId}", party, standing.PartnerId, partnerId);
            return Reservation.Made;
        }
        return Reservation.Taken;
    }

    /// <summary>
    /// A reservation whose connection is gone, or that its connection never came to hold (a host stopped between
    /// reserving and saving) once longer ago than any registration takes (its calls to the partner are bounded by PartnerTimeout).
    /// </summary>
    private async Task<bool> LeftBehindAsync(PartyReservation standing, CancellationToken ct)
    {
        var holder = await registry.Store.GetAsync(standing.PartnerId, ct);
        if (holder is null || holder.State == PartnerState.Unregistered) return true;
        if (holder.ReservedParties.Contains(standing.Party)) return false;
        return clock.GetUtcNow() - standing.Reserved > options.Value.PartnerTimeout * 10;
    }

    private async Task ReleaseAsync(string partnerId, IEnumerable<PartyKey> parties, CancellationToken ct)
    {
        foreach (var party in parties.Distinct().ToList()) await reservations.ReleaseAsync(party, partnerId, ct);
    }

    /// <summary>An operator change of a connection's access: parties it now holds are reserved first, freed ones released after the save.</summary>
    private async Task<Partner> ChangeAsync(string partnerId, Action<Partner> change, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var partner = await registry.Store.GetAsync(partnerId, ct) ?? throw new NotFoundException($"No partner {partnerId}.");
            if (partner.State == PartnerState.Unregistered) throw new InvalidParametersException($"Partner {partnerId} is unregistered.");
            var before = partner.ReservedParties.ToList();
            change(partner);
            var after = partner.ReservedParties.ToList();
            var claim = new RoleClaim();
            try
            {
                foreach (var party in after.Except(before))
                {
                    var outcome = await ReserveAsync(partner.Id, party, ct);
                    if (outcome == Reservation.Taken) throw new InvalidParametersException([new FieldError("roles", $"{party} is already registered on another connection")]);
                    if (outcome == Reservation.Made) claim.Made.Add(party);
                }
                await registry.SaveAsync(partner, ct);
            }
            catch (ConcurrencyException) when (attempt < 3)
            {
                await UndoAsync(partnerId, claim, CancellationToken.None);
                continue;
            }
            catch
            {
                await UndoAsync(partnerId, claim, CancellationToken.None);
                throw;
            }
            await ReleaseAsync(partnerId, before.Except(after), ct);
            logger.LogInformation("Partner {PartnerId} access changed by the operator: roles {Roles}; pending {Pending}; behind the hub {Hub}", partner.Id,
                string.Join(", ", partner.Roles.Select(PartyRole.Of)), string.Join(", ", partner.PendingRoles.Select(PartyRole.Of)), string.Join(", ", partner.HubParties));
            return partner;
        }
    }

    private static List<CredentialsRole> Pick(List<CredentialsRole> pending, IReadOnlyList<PartyRole>? which)
    {
        if (which is null) return pending.ToList();
        var errors = which.Select((w, i) => pending.Any(p => w.Names(p.Role, p.Key)) ? null : new FieldError($"roles[{i}]", $"{w} is not pending"))
            .OfType<FieldError>().ToList();
        if (errors.Count > 0) throw new InvalidParametersException(errors);
        return pending.Where(p => which.Any(w => w.Names(p.Role, p.Key))).ToList();
    }

    private static bool Same(CredentialsRole a, CredentialsRole b) => a.Role == b.Role && a.Key == b.Key;
}

/// <summary>A partner's claim of roles, checked: what it is granted, what waits for the operator, what was refused and why.</summary>
public sealed class RoleClaim
{
    public List<CredentialsRole> Granted { get; } = [];
    public List<CredentialsRole> Pending { get; } = [];
    public List<FieldError> Refused { get; } = [];
    /// <summary>Parties reserved by this claim: given back when it is not committed.</summary>
    internal List<PartyKey> Made { get; } = [];
    /// <summary>Parties the partner held and no longer claims: released once the claim is committed.</summary>
    internal List<PartyKey> Dropped { get; } = [];

    public void ApplyTo(Partner partner)
    {
        partner.Roles = Granted.ToList();
        partner.PendingRoles = Pending.ToList();
    }
}

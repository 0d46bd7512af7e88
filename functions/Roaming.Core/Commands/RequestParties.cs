using System.Text.Json.Serialization;
using Roaming.Core.Partners;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Commands;

/// <summary>
/// What every request our back office asks us to send names: the partner (<c>partner_id</c>) or the receiving party
/// (<c>country_code</c>, <c>party_id</c>), and, where we host several, our sending party (<c>from_country_code</c>, <c>from_party_id</c>).
/// </summary>
public abstract record RequestOrder : IOcpiValidatable
{
    public string? PartnerId { get; init; }
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    public string? FromCountryCode { get; init; }
    public string? FromPartyId { get; init; }

    [JsonIgnore]
    public PartyKey? Party => CountryCode is not null && PartyId is not null ? new PartyKey(CountryCode, PartyId) : null;

    [JsonIgnore]
    public PartyKey? From => FromCountryCode is not null && FromPartyId is not null ? new PartyKey(FromCountryCode, FromPartyId) : null;

    public virtual void Validate(OcpiValidator v)
    {
        v.String("partner_id", PartnerId, 64, required: false);
        var named = CountryCode is not null || PartyId is not null;
        v.CiString("country_code", CountryCode, 2, required: named);
        v.CiString("party_id", PartyId, 3, required: named);
        var from = FromCountryCode is not null || FromPartyId is not null;
        v.CiString("from_country_code", FromCountryCode, 2, required: from);
        v.CiString("from_party_id", FromPartyId, 3, required: from);
    }
}

/// <summary>Who a request is from and to: the sending party of a partner's request, and the partner our back office's request goes to.</summary>
public sealed class RequestParties(IPartnerStore partners, PartnerAccess access)
{
    /// <summary>
    /// The party a request to our receiver comes from: its OCPI-from party (the endpoint checked the caller may act for
    /// it), else the caller's only party in one of <paramref name="roles"/>; it must act in one of them (granted, or
    /// known behind a hub). Any other connection learns nothing: 404, as for objects not its own.
    /// </summary>
    public static PartyKey Sender(OcpiContext ctx, IReadOnlyList<Role> roles)
    {
        var from = ctx.Routing.From;
        if (from is null)
        {
            var held = ctx.Partner.Roles.Where(r => r.Role is { } role && roles.Contains(role)).Select(r => r.Key).Distinct().ToList();
            if (held.Count > 1)
                throw new InvalidParametersException([new FieldError(OcpiHeaders.FromPartyId, "required: this connection holds several parties that may send this request")]);
            from = held.Count == 1 ? held[0] : null;
        }
        if (from is not { } party || !roles.Any(role => ctx.Acting.ActsFor(party, role)))
            throw new NotFoundException($"This connection sends no {ctx.Interface?.Module.Identifier} requests for a party in a role that may ("
                + string.Join(", ", roles.Select(r => r.ToString().ToUpperInvariant())) + ").", OcpiStatus.InvalidOrMissingParameters);
        return party;
    }

    /// <summary>Our party that sends a request of the back office: the one named (ours, in one of <paramref name="roles"/>), else our only one in them.</summary>
    /// <param name="field">the field that named it, for the error</param>
    public static PartyKey Ours(OcpiContext ctx, PartyKey? named, IReadOnlyList<Role> roles, string field)
    {
        var ours = ctx.Options.Parties.Where(p => roles.Contains(p.Role)).Select(p => p.Key).Distinct().ToList();
        var names = string.Join(" or ", roles.Select(r => r.ToString().ToUpperInvariant()));
        if (named is { } party)
            return ours.Contains(party) ? party : throw new InvalidParametersException([new FieldError(field, $"{party} is not an {names} party of this platform")]);
        return ours.Count == 1 ? ours[0]
            : throw new InvalidParametersException([new FieldError("from_country_code", $"name our party: this platform hosts {ours.Count} {names} parties")]);
    }

    /// <summary>
    /// The partner connection and its party (in <paramref name="role"/>) a request of our back office goes to: the
    /// partner named (its only party in that role, or the one named), or the connection holding the party named (or a
    /// hub it is known behind).
    /// </summary>
    public async Task<(Partner Partner, PartyKey Party)> TargetAsync(string? partnerId, PartyKey? party, Role role, CancellationToken ct)
    {
        var name = role.ToString().ToUpperInvariant();
        if (partnerId is not null)
        {
            var partner = await partners.GetAsync(partnerId, ct) is { State: PartnerState.Registered } p ? p
                : throw new InvalidParametersException([new FieldError("partner_id", $"no registered partner {partnerId}")]);
            if (party is { } named)
            {
                return await access.MayActForAsync(partner, named, role, ct) ? (partner, named)
                    : throw new InvalidParametersException([new FieldError("country_code", $"partner {partnerId} acts for no {name} {named}")]);
            }
            var held = partner.Roles.Where(r => r.Role == role).Select(r => r.Key).Distinct().ToList();
            return held.Count == 1 ? (partner, held[0])
                : throw new InvalidParametersException([new FieldError("country_code", $"name the {name} party: partner {partnerId} holds {held.Count}")]);
        }
        if (party is not { } target) throw new InvalidParametersException([new FieldError("partner_id", "give partner_id, or country_code and party_id")]);
        var registered = (await partners.ListAsync(ct)).Where(p => p.State == PartnerState.Registered).ToList();
        if (registered.FirstOrDefault(p => p.Holds(target, role)) is { } holder) return (holder, target);
        foreach (var hub in registered.Where(p => p.HasRole(Role.Hub)))
            if (await access.MayActForAsync(hub, target, role, ct)) return (hub, target);
        throw new InvalidParametersException([new FieldError("country_code", $"no registered partner acts for the {name} {target}")]);
    }
}

using Roaming.Core.Partners;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Push;

/// <summary>
/// Where a module's push to a partner goes: its receiver endpoint, for a partner in a role that receives a
/// CPO's data (eMSP, NSP, "Other", or a hub that passes it on, as broadcast push has it).
/// </summary>
public static class PartnerReceiver
{
    private static readonly Role[] Receivers = [Role.Emsp, Role.Nsp, Role.Other, Role.Hub];

    public static bool Takes(Partner partner, string moduleId) =>
        partner.FindEndpoint(moduleId, InterfaceRole.Receiver) is not null && partner.Roles.Any(r => r.Role is { } role && Receivers.Contains(role));

    /// <summary>The client-owned object's URL at the partner: {endpoint}/{country_code}/{party_id}/{id}[/...].</summary>
    public static string Url(Partner partner, string moduleId, PartyKey owner, params string?[] ids) =>
        partner.FindEndpoint(moduleId, InterfaceRole.Receiver)!.Url!.TrimEnd('/')
        + $"/{Uri.EscapeDataString(owner.CountryCode)}/{Uri.EscapeDataString(owner.PartyId)}"
        + string.Concat(ids.Where(id => id is not null).Select(id => "/" + Uri.EscapeDataString(id!)));

    /// <summary>From our party that owns the object, to the partner's receiving party.</summary>
    public static RoutingHeaders Routing(Partner partner, PartyKey owner) =>
        new(owner, partner.Roles.First(r => r.Role is { } role && Receivers.Contains(role)).Key);
}

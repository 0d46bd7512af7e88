using System.Net;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.HubClientInfo;

/// <summary>
/// The ClientInfo receiver interface: <c>{country_code}/{party_id}</c> names the reported party. PUT stores a hub's
/// report (a newer one never replaced by an older one), GET returns the calling hub's own report.
/// </summary>
public sealed class ClientInfoReceiver(IPartyObjectStore<ReportedClientInfo> store)
{
    private const string Path = "/{country_code}/{party_id}";

    public void Map(InterfaceRoutes routes, IWire<ClientInfo> wire)
    {
        routes.Get(Path, ctx => GetAsync(ctx, wire));
        routes.Put(Path, ctx => PutAsync(ctx, wire));
    }

    private async Task<OcpiResult> GetAsync(OcpiContext ctx, IWire<ClientInfo> wire)
    {
        var (hub, party) = Target(ctx);
        var reported = await store.GetAsync(DataScope.Received, party, hub.Id, ctx.Cancellation)
            ?? throw new NotFoundException($"No ClientInfo of {party} from this connection.");
        return OcpiResult.Ok(w => wire.Write(w, reported.ClientInfo));
    }

    private async Task<OcpiResult> PutAsync(OcpiContext ctx, IWire<ClientInfo> wire)
    {
        var (hub, party) = Target(ctx);
        var info = wire.Read(ctx.Request.Body);
        ClientOwnedObjects.SameIdentity(info.CountryCode, party.CountryCode, "country_code");
        ClientOwnedObjects.SameIdentity(info.PartyId, party.PartyId, "party_id");
        var outcome = await store.PutAsync(DataScope.Received, new ReportedClientInfo(hub.Id, info), null, onlyIfNewer: true, ctx.Cancellation);
        return OcpiResult.Ok(outcome == PutOutcome.Created ? HttpStatusCode.Created : HttpStatusCode.OK);
    }

    private static (Partner Hub, PartyKey Party) Target(OcpiContext ctx)
    {
        var v = new OcpiValidator();
        v.CiString("country_code", ctx.Value("country_code"), 2);
        v.CiString("party_id", ctx.Value("party_id"), 3);
        v.ThrowIfInvalid();
        // A configuration module answers any token we know: only reports of a registered hub are taken.
        var caller = ctx.Partner;
        if (caller.State != PartnerState.Registered || !caller.HasRole(Role.Hub))
            throw new NotFoundException("Only a connection registered as a HUB pushes ClientInfo.", OcpiStatus.InvalidOrMissingParameters);
        return (caller, new PartyKey(ctx.Value("country_code"), ctx.Value("party_id")));
    }
}

using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Tariffs;

/// <summary>Pushes our tariffs to partners' Tariffs receiver endpoints: PUT of the current tariff, or DELETE.</summary>
public sealed class TariffPushSender(ITariffStore store, OcpiClient client, PartnerRegistry registry) : IPushSender
{
    public string Module => ModuleIds.Tariffs;

    public bool Wants(Partner partner) => PartnerReceiver.Takes(partner, Module);

    public async Task SendAsync(Partner partner, PushChange change, CancellationToken ct)
    {
        var party = new PartyKey(change.CountryCode, change.PartyId);
        var url = PartnerReceiver.Url(partner, Module, party, change.ObjectId);
        var routing = PartnerReceiver.Routing(partner, party);
        var token = registry.OutboundToken(partner);
        var tariff = await store.GetAsync(DataScope.Own, party, change.ObjectId, ct);
        if (change.Kind == PushKind.Delete)
        {
            // Deleted and put back since: the put that followed carries the truth.
            if (tariff is not null) throw new PushObjectGoneException($"tariff {party}/{change.ObjectId} exists again; its delete is moot");
            await client.SendAsync<JsonElement>(HttpMethod.Delete, url, token, null, routing: routing, ct: ct);
            return;
        }
        if (tariff is null) throw new PushObjectGoneException($"tariff {party}/{change.ObjectId} is gone");
        await client.SendAsync<JsonElement>(HttpMethod.Put, url, token, null, w => JsonSerializer.Serialize(w, tariff, TariffsJson.Default.Tariff), routing, ct: ct);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Roaming.Core.Partners;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations;

/// <summary>
/// Pushes our own locations to partners' Locations receiver endpoints: PUT of a whole Location or EVSE, PATCH of
/// the changed fields of an EVSE or Connector with last_updated, content read at send time.
/// </summary>
public sealed class LocationPushSender(ILocationStore store, OcpiClient client, PartnerRegistry registry) : IPushSender
{
    public string Module => ModuleIds.Locations;

    public bool Wants(Partner partner) => PartnerReceiver.Takes(partner, Module);

    public async Task SendAsync(Partner partner, PushChange change, CancellationToken ct)
    {
        var party = new PartyKey(change.CountryCode, change.PartyId);
        var url = PartnerReceiver.Url(partner, Module, party, change.ObjectId, change.EvseUid, change.ConnectorId);
        var routing = PartnerReceiver.Routing(partner, party);

        JsonNode body;
        if (change.EvseUid is null)
        {
            var location = await store.GetAsync(DataScope.Own, party, change.ObjectId, ct) ?? throw new PushObjectGoneException($"location {party}/{change.ObjectId} is gone");
            body = change.Kind == PushKind.Patch
                ? Fields(JsonSerializer.SerializeToNode(location with { Evses = null }, LocationsJson.Default.Location)!, change.Fields)
                : JsonSerializer.SerializeToNode(location, LocationsJson.Default.Location)!;
        }
        else
        {
            var evse = await store.GetEvseAsync(DataScope.Own, party, change.ObjectId, change.EvseUid, ct) ?? throw new PushObjectGoneException($"EVSE {change.EvseUid} is gone");
            JsonNode node = change.ConnectorId is null
                ? JsonSerializer.SerializeToNode(evse, LocationsJson.Default.Evse)!
                : JsonSerializer.SerializeToNode(LocationsReceiverModule.FindConnector(evse, change.ConnectorId), LocationsJson.Default.Connector)!;
            body = change.Kind == PushKind.Patch ? Fields(node, change.Fields) : node;
        }

        var method = change.Kind == PushKind.Patch ? HttpMethod.Patch : HttpMethod.Put;
        await client.SendAsync<JsonElement>(method, url, registry.OutboundToken(partner), null, w => body.WriteTo(w), routing, ct: ct);
    }

    /// <summary>Only the changed fields, and always last_updated (a PATCH must carry it).</summary>
    private static JsonObject Fields(JsonNode whole, List<string>? fields)
    {
        var source = whole.AsObject();
        var patch = new JsonObject();
        foreach (var field in (fields ?? []).Append("last_updated").Distinct())
            if (source[field] is { } value) patch[field] = value.DeepClone();
        return patch;
    }
}

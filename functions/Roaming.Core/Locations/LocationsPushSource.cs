using System.Net;
using System.Text.Json;
using Roaming.Core.PartyObjects;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Locations;

/// <summary>
/// Pushes our own locations to a partner's Locations receiver: PUT of a whole Location or EVSE, PATCH of the
/// changed fields of a Location, EVSE or Connector with last_updated, in the partner's version; content read at send time.
/// </summary>
public sealed class LocationsPushSource(ILocationStore store) : IPushSource
{
    public string Module => ModuleIds.Locations;

    /// <param name="content">an EVSE change's EVSE as read with its slot or as its commit wrote it; location changes read the location</param>
    public async Task SendAsync(PushChange change, PushContent? content, InterfaceClient client, CancellationToken ct)
    {
        var wire = client.Wire<LocationsWire>(Module);
        var party = change.Party;
        string[] address = change.EvseUid is null ? [party.CountryCode, party.PartyId, change.ObjectId]
            : change.ConnectorId is null ? [party.CountryCode, party.PartyId, change.ObjectId, change.EvseUid]
            : [party.CountryCode, party.PartyId, change.ObjectId, change.EvseUid, change.ConnectorId];

        Action<Utf8JsonWriter> body;
        if (change.EvseUid is null)
        {
            var location = await store.GetAsync(DataScope.Own, party, change.ObjectId, ct) ?? throw new PushObjectGoneException($"location {party}/{change.ObjectId} is gone");
            body = change.Kind == PushKind.Patch
                ? PatchBody.Fields(wire.Location.ToNode(location with { Evses = null }), change.Fields).Writer()
                : w => wire.Location.Write(w, location);
        }
        else
        {
            var evse = (content is { } at ? at.Read(LocationsJson.Default.Evse) : await store.GetEvseAsync(DataScope.Own, party, change.ObjectId, change.EvseUid, ct))
                ?? throw new PushObjectGoneException($"EVSE {change.EvseUid} is gone");
            if (change.ConnectorId is null)
            {
                body = change.Kind == PushKind.Patch ? PatchBody.Fields(wire.Evse.ToNode(evse), change.Fields).Writer() : w => wire.Evse.Write(w, evse);
            }
            else
            {
                var connector = LocationsReceiver.FindConnector(evse, change.ConnectorId);
                body = change.Kind == PushKind.Patch ? PatchBody.Fields(wire.Connector.ToNode(connector), change.Fields).Writer() : w => wire.Connector.Write(w, connector);
            }
        }
        await client.SendAsync<JsonElement>(change.Kind == PushKind.Patch ? HttpMethod.Patch : HttpMethod.Put, address, null, body, ct: ct);
    }

    /// <summary>
    /// A refused PATCH: the partner's copy is asked for (GET of the Location). Where it has none (a partner that answered
    /// 2003 to an EVSE PATCH lost the Location), the whole Location is PUT; where it has it, the patched object is PUT
    /// whole, which says everything the PATCH said and more.
    /// </summary>
    public async Task<bool> RecoverAsync(PushChange change, InterfaceClient client, PartnerCallException refused, CancellationToken ct)
    {
        if (change.Kind != PushKind.Patch) return false;
        var missing = false;
        try
        {
            await client.SendAsync<JsonElement>(HttpMethod.Get, [change.CountryCode, change.PartyId, change.ObjectId], null, ct: ct);
        }
        catch (PartnerCallException e) when (e.OcpiStatus == OcpiStatus.UnknownLocation || e.HttpStatus == HttpStatusCode.NotFound)
        {
            missing = true;
        }
        var put = change with { Kind = PushKind.Put, Fields = null };
        await SendAsync(missing ? put with { EvseUid = null, ConnectorId = null } : put, null, client, ct);
        return true;
    }
}

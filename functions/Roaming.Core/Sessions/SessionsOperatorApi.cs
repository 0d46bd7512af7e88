using System.Text;
using System.Text.Json.Nodes;
using Roaming.Core.Operator;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Queues;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Sessions;

/// <summary>
/// The back office's sessions on /operator/sessions. PUT (a new or replaced session) and PATCH (charging periods added,
/// status, kwh, any other field) are checked here, so a bad call gets its 400 at once, then queued on "sessions-in",
/// where they are processed as the CSMS's own messages are (answer 202). GET lists ours or partners' (scope=received),
/// by party and date, paged; or reads one.
/// </summary>
public sealed class SessionsOperatorApi(PartyObjectsOperatorApi<Session> api, IWorkQueue queue, TimeProvider clock) : IRouteGroup
{
    private const string Base = "/operator/sessions";

    public void Map(RouteTable routes)
    {
        api.Map(routes, Base, complete: null, delete: false);
        routes.Map("PUT", Base + "/{country_code}/{party_id}/{id}", RouteAccess.Operator, PutAsync);
        routes.Map("PATCH", Base + "/{country_code}/{party_id}/{id}", RouteAccess.Operator, PatchAsync);
    }

    private async Task<OcpiResult> PutAsync(OcpiContext ctx)
    {
        var (party, id) = OperatorQuery.Target(ctx, "id", Role.Cpo);
        var session = OperatorQuery.Parse(ctx, SessionsJson.Default.Session);
        session = session with
        {
            CountryCode = party.CountryCode, PartyId = party.PartyId, Id = id,
            LastUpdated = session.LastUpdated ?? OcpiDateTime.Normalize(clock.GetUtcNow()),
        };
        OcpiValidator.ThrowIfInvalid(session);
        var message = new JsonObject { ["session"] = SessionsModule.Canonical.ToNode(session) };
        await queue.SendAsync(SessionsInProcessor.Name, Encoding.UTF8.GetBytes(message.ToJsonString()), ct: ctx.Cancellation);
        return Queued.Answer(SessionsInProcessor.Name);
    }

    private async Task<OcpiResult> PatchAsync(OcpiContext ctx)
    {
        var (party, id) = OperatorQuery.Target(ctx, "id", Role.Cpo);
        var patch = OcpiJson.ReadObject(ctx.Request.Body);
        // The fields given are checked as the Session's; the session itself is only known when the update is processed.
        var v = new OcpiValidator();
        OcpiJson.Bind(patch, SessionsJson.Default.Session).Validate(v);
        var given = patch.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var errors = v.Errors.Where(e => given.Contains(e.Field.Split('.', '[')[0])).ToList();
        foreach (var (field, expected) in new[] { ("country_code", party.CountryCode), ("party_id", party.PartyId), ("id", id) })
            if (patch.TryGetProperty(field, out var value) && !string.Equals(value.ToString(), expected, StringComparison.OrdinalIgnoreCase))
                errors.Add(new FieldError(field, $"differs from '{expected}' in the URL"));
        if (errors.Count > 0) throw new InvalidParametersException(errors);

        var update = JsonNode.Parse(patch.GetRawText())!.AsObject();
        update["country_code"] = party.CountryCode;
        update["party_id"] = party.PartyId;
        update["id"] = id;
        update["last_updated"] ??= OcpiDateTime.Format(clock.GetUtcNow());
        await queue.SendAsync(SessionsInProcessor.Name, Encoding.UTF8.GetBytes(new JsonObject { ["update"] = update }.ToJsonString()), ct: ctx.Cancellation);
        return Queued.Answer(SessionsInProcessor.Name);
    }
}

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Commands;

/// <summary>A request a partner sent to our receiver interface, checked by its module.</summary>
/// <param name="Request">what is recorded of it and handed to the back office: the request without its response_url</param>
public sealed record Incoming(string Module, string Type, Partner Partner, PartyKey From, PartyKey Ours, JsonElement Request, string ResponseUrl)
{
    /// <summary>RESERVE_NOW and CANCEL_RESERVATION: the reservation's key for the back office (<see cref="BackOfficeRequest.ReservationKey"/>).</summary>
    public string? ReservationKey { get; init; }
}

/// <summary>
/// The receiver's side of asynchronous requests (we are the CPO): an accepted request is recorded, given a deadline and
/// handed to the charging station management system on "commands-out"; the back office reports the charge point's
/// answer (<see cref="ReportAsync"/>), which goes to the sender's response_url through the push channel (retried,
/// parked after the last try); no answer by the deadline sends the module's TIMEOUT result instead.
/// </summary>
public sealed class RequestReceiver(RequestBooks books, Deadlines deadlines, IWorkQueue queue, IOptions<RoamingOptions> options, TimeProvider clock,
    ILogger<RequestReceiver> logger) : IDeadlineHandler
{
    public const string TimedOut = "TIMEOUT";

    public string Kind => "received";

    /// <summary>The timeout we answer with, in whole seconds (rounded up): the back office's time.</summary>
    public int TimeoutSeconds => (int)Math.Ceiling(options.Value.CommandTimeout.TotalSeconds);

    /// <summary>Records an accepted request, sets its deadline, and hands it to the back office.</summary>
    /// <param name="response">what we answer (ACCEPTED, with <see cref="TimeoutSeconds"/>)</param>
    public async Task<ReceivedRequest> AcceptAsync(Incoming r, JsonElement response, CancellationToken ct)
    {
        var book = books.For(r.Module);
        var now = Now();
        var deadline = now + TimeSpan.FromSeconds(TimeoutSeconds);
        var record = New(r, response, now) with { State = RequestState.Waiting, Deadline = deadline };
        await book.Received.PutAsync(DataScope.Own, record, null, onlyIfNewer: false, ct);
        await deadlines.ScheduleAsync(new DeadlineMessage(Kind, r.Module, r.Ours.CountryCode, r.Ours.PartyId, record.Id!), deadline, ct);
        var message = new BackOfficeRequest(record.Id!, r.Module, r.Type, r.Ours.CountryCode, r.Ours.PartyId, r.From.CountryCode, r.From.PartyId,
            r.Partner.Id, r.Request, deadline, $"/operator/{r.Module}/{record.Id}/result", r.ReservationKey);
        await queue.SendAsync(BackOfficeQueues.CommandsOut, JsonSerializer.SerializeToUtf8Bytes(message, BackOfficeJson.Default.BackOfficeRequest), ct: ct);
        logger.LogInformation("{Module} request {Id} ({Type}) from {From} (partner {PartnerId}) accepted and handed to the back office",
            r.Module, record.Id, r.Type, r.From, r.Partner.Id);
        return record;
    }

    /// <summary>Records a request we did not accept (REJECTED, NOT_SUPPORTED, UNKNOWN_SESSION), for the operator to see.</summary>
    public async Task<ReceivedRequest> RefuseAsync(Incoming r, JsonElement response, string outcome, CancellationToken ct)
    {
        var record = New(r, response, Now()) with { State = RequestState.Finished, Outcome = outcome };
        await books.For(r.Module).Received.PutAsync(DataScope.Own, record, null, onlyIfNewer: false, ct);
        logger.LogInformation("{Module} request {Id} ({Type}) from {From} (partner {PartnerId}): {Outcome}", r.Module, record.Id, r.Type, r.From, r.Partner.Id, outcome);
        return record;
    }

    /// <summary>
    /// The back office's report of the charge point's answer: recorded with its push to the response_url (one table
    /// transaction), once; later only a follow-up the module allows (a reservation cancelled by the CPO).
    /// </summary>
    /// <param name="again">the report may have been recorded already (<see cref="IRequestResults.ReportAsync"/>)</param>
    /// <param name="found">the request as its module found it (each module answers an unknown one in its own words)</param>
    /// <exception cref="OcpiException">409: the request takes no result now (answered, timed out, refused)</exception>
    public async Task<ReceivedRequest> ReportAsync(string module, ReceivedRequest found, JsonElement result, string outcome, bool again, CancellationToken ct)
    {
        var book = books.For(module);
        var id = found.Id!;
        var now = Now();
        string? refusal = null;
        ReceivedRequest? recorded = null;
        var updated = await book.Received.UpdateAsync(DataScope.Own, found.Party, id, r =>
        {
            refusal = null;
            recorded = null;
            if (again && r.State == RequestState.Finished && r.Outcome == outcome && r.Results is [.., var last] && JsonElement.DeepEquals(last, result))
            {
                recorded = r;
                return null;
            }
            var followUp = r.State == RequestState.Finished && r.Results is { Count: > 0 } && book.Rules.FollowUp(outcome);
            if (r.State != RequestState.Waiting && !followUp)
            {
                refusal = $"{module} request {id} takes no result now: it is {Name(r.State)} with outcome {r.Outcome ?? "none"}.";
                return null;
            }
            return r with { Results = [.. r.Results ?? [], result], Outcome = outcome, State = RequestState.Finished, LastUpdated = now };
        }, r => ResultPush(book, r), ct);
        if (recorded is not null) return recorded;
        if (refusal is not null || updated is null)
            throw new OcpiException(OcpiStatus.InvalidOrMissingParameters, HttpStatusCode.Conflict, refusal ?? $"No {module} request {id}.");
        logger.LogInformation("{Module} request {Id} ({Type}): the back office reports {Outcome}", module, id, updated.Type, outcome);
        return updated;
    }

    /// <summary>The deadline of a received request: no answer from the back office by then, the sender gets the module's TIMEOUT result.</summary>
    public async Task<DateTimeOffset?> DueAsync(DeadlineMessage message, CancellationToken ct)
    {
        var book = books.For(message.Module);
        var now = Now();
        var (later, expired) = await DeadlineRecords.ExpireAsync(book.Received, message, now, r => r.State == RequestState.Waiting ? r.Deadline ?? now : null,
            r =>
            {
                var finished = r with { State = RequestState.Finished, Outcome = TimedOut, LastUpdated = now };
                return book.Rules.TimeoutResult is { } result ? finished with { Results = [.. r.Results ?? [], result] } : finished;
            }, r => book.Rules.TimeoutResult is null ? null : ResultPush(book, r), ct);
        if (expired is not null)
            logger.LogWarning("{Module} request {Id} ({Type}) from {From}: no answer from the back office in time, TIMEOUT", message.Module, message.Id, expired.Type, expired.From);
        return later;
    }

    /// <summary>The results not yet taken go to the response_url in order, each counted as delivered once the sender took it.</summary>
    public async Task DeliverAsync(string module, PushChange change, InterfaceClient client, Func<ReceivedRequest, JsonElement, Action<Utf8JsonWriter>> write,
        CancellationToken ct)
    {
        var book = books.For(module);
        var r = await book.Received.GetAsync(DataScope.Own, change.Party, change.ObjectId, ct)
            ?? throw new PushObjectGoneException($"{module} request {change.ObjectId} is gone");
        var results = r.Results ?? [];
        if (r.Delivered >= results.Count) throw new PushObjectGoneException($"{module} request {r.Id}: every result was delivered");
        for (var i = r.Delivered; i < results.Count; i++)
        {
            await client.SendToAsync<JsonElement>(HttpMethod.Post, r.ResponseUrl!, null, write(r, results[i]), ct, shownAs: $"the response_url of {module} request {r.Id}");
            var delivered = i + 1;
            await book.Received.UpdateAsync(DataScope.Own, r.Party, r.Id!, x => x.Delivered >= delivered ? null : x with { Delivered = delivered }, null, ct);
            logger.LogInformation("{Module} request {Id}: result {Index} delivered to partner {PartnerId}", module, r.Id, delivered, r.PartnerId);
        }
    }

    /// <summary>The push of a request's results to the partner that sent it (its sender interface, at the response_url it gave).</summary>
    private static PushChange ResultPush(RequestBook book, ReceivedRequest r) =>
        new(book.Module, PushKind.Post, r.CountryCode!, r.PartyId!, r.Id!, ToCountryCode: r.FromCountryCode, ToPartyId: r.FromPartyId, PartnerId: r.PartnerId);

    private static ReceivedRequest New(Incoming r, JsonElement response, DateTimeOffset now) => new()
    {
        CountryCode = r.Ours.CountryCode, PartyId = r.Ours.PartyId, Id = Ids.New(), Type = r.Type, PartnerId = r.Partner.Id,
        FromCountryCode = r.From.CountryCode, FromPartyId = r.From.PartyId, Request = r.Request, ResponseUrl = r.ResponseUrl, Response = response,
        Created = now, LastUpdated = now,
    };

    private static string Name(RequestState? state) => state is { } s ? EnumNames.Of(typeof(RequestState)).NameOf(s) : "unknown";

    private DateTimeOffset Now() => OcpiDateTime.Normalize(clock.GetUtcNow());
}

using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Commands;

/// <summary>A request to send: the module makes the call (method, URL, body with the response_url), the engine the rest.</summary>
/// <param name="Request">what is recorded of it: the request without its response_url</param>
/// <param name="BaseUrl">our public base URL, the start of the response_url</param>
public sealed record Outgoing(string Module, string Type, Partner Partner, PartyKey From, PartyKey To, JsonElement Request, string BaseUrl)
{
    /// <summary>Sends the request with the response_url given; returns the receiver's answer (its result and timeout, and the answer as read).</summary>
    public required Func<InterfaceClient, string, CancellationToken, Task<ReceiverAnswer>> Call { get; init; }
}

/// <param name="Result">the receiver's result (ACCEPTED, REJECTED, …)</param>
/// <param name="Timeout">seconds the result may take</param>
public sealed record ReceiverAnswer(string Result, int Timeout, JsonElement Response)
{
    /// <summary>The receiver's response read with its version's mapper: an answer without one, or with an invalid one, is a failed call.</summary>
    /// <param name="call">how the call is named in the error (method and URL)</param>
    public static T Read<T>(PartnerResponse<JsonElement> answer, IWire<T> wire, string what, string call)
    {
        if (answer.Data.ValueKind != JsonValueKind.Object) throw new PartnerCallException($"{call} answered without a {what}.");
        try { return wire.Read(answer.Data, what); }
        catch (InvalidParametersException e) { throw new PartnerCallException($"{call} answered an invalid {what}: {e.Message}"); }
    }
}

/// <summary>
/// The sender's side of asynchronous requests (we are the eMSP, or the SCSP): sends a request to a partner's receiver
/// interface with a response_url of ours that carries a secret bound to the request, records the receiver's answer,
/// takes the result on the response_url (once, from that partner, for that request), and records TIMEOUT when none
/// came within the receiver's timeout and <see cref="RoamingOptions.CommandTimeoutMargin"/>. Every outcome goes to the
/// "command-results" queue for the CSP's app.
/// </summary>
public sealed class RequestSender(RequestBooks books, CallbackSecrets secrets, Deadlines deadlines, PartnerClients clients, IWorkQueue queue,
    IOptions<RoamingOptions> options, TimeProvider clock, ILogger<RequestSender> logger) : IDeadlineHandler
{
    public const string Accepted = "ACCEPTED";
    public const string Rejected = "REJECTED";
    public const string TimedOut = "TIMEOUT";
    /// <summary>The longest timeout a receiver may give that is waited for.</summary>
    private static readonly TimeSpan LongestTimeout = TimeSpan.FromDays(1);

    public string Kind => "sent";

    /// <summary>
    /// Sends the request and records it with the receiver's answer. The record is stored, and its deadline set, before
    /// the call, so a result that overtakes the answer and a host that stops midway both find it.
    /// </summary>
    /// <exception cref="PartnerCallException">the call failed (recorded as finished, with the error)</exception>
    public async Task<SentRequest> SendAsync(Outgoing o, CancellationToken ct)
    {
        var book = books.For(o.Module);
        var client = clients.Find(o.Partner, o.Module, InterfaceRole.Receiver, new RoutingHeaders(o.From, o.To))
            ?? throw new InvalidParametersException([new FieldError("partner_id", $"partner {o.Partner.Id} offers no {o.Module} receiver interface")]);
        var id = Ids.New();
        var secret = Ids.NewSecret();
        var responseUrl = $"{o.BaseUrl}{OcpiPaths.Interface(client.Version, Role.Emsp, o.Module)}/{o.Type}/{id}/{secret}";
        var now = Now();
        var record = new SentRequest
        {
            CountryCode = o.From.CountryCode, PartyId = o.From.PartyId, Id = id, Type = o.Type, PartnerId = o.Partner.Id,
            ToCountryCode = o.To.CountryCode, ToPartyId = o.To.PartyId, Request = o.Request, CallbackHash = secrets.Hash(id, secret),
            State = RequestState.Sending, Deadline = now + options.Value.PartnerTimeout + options.Value.CommandTimeoutMargin, Created = now, LastUpdated = now,
        };
        await book.Sent.PutAsync(DataScope.Own, record, null, onlyIfNewer: false, ct);
        await deadlines.ScheduleAsync(Deadline(book, record), record.Deadline!.Value, ct);

        ReceiverAnswer answer;
        try
        {
            answer = await o.Call(client, responseUrl, ct);
        }
        catch (PartnerCallException e)
        {
            // A client error the receiver answered (2003: unknown location) refuses the request; anything else failed it.
            var refused = e.OcpiStatus is > OcpiStatus.ClientError and < OcpiStatus.ServerError;
            var failed = await FinishAsync(book, record, refused ? Rejected : null, e.Message, ct);
            logger.LogWarning("{Module} request {Id} ({Type}) to partner {PartnerId}: {Outcome}", o.Module, id, o.Type, o.Partner.Id, refused ? "refused" : "failed");
            if (refused) return failed;
            throw new PartnerCallException($"{e.Message} (recorded as {o.Module} request {id})", e.HttpStatus, e.OcpiStatus, e);
        }

        var finished = answer.Result != Accepted;
        var deadline = Now() + TimeSpan.FromSeconds(Math.Min(answer.Timeout, LongestTimeout.TotalSeconds)) + options.Value.CommandTimeoutMargin;
        var updated = await book.Sent.UpdateAsync(DataScope.Own, record.Party, id, r =>
        {
            // A result may have overtaken the answer: it stands.
            var resulted = r.State == RequestState.Finished;
            return r with
            {
                Response = answer.Response,
                State = resulted || finished ? RequestState.Finished : RequestState.Waiting,
                Outcome = resulted ? r.Outcome : finished ? answer.Result : null,
                Deadline = resulted || finished ? r.Deadline : deadline,
                Notices = !resulted && finished ? r.Notices + 1 : r.Notices,
                LastUpdated = Now(),
            };
        }, null, ct) ?? record;
        logger.LogInformation("{Module} request {Id} ({Type}) to partner {PartnerId}: {Result}, timeout {Timeout} s", o.Module, id, o.Type, o.Partner.Id, answer.Result, answer.Timeout);
        if (updated.State == RequestState.Waiting) await deadlines.ScheduleAsync(Deadline(book, updated), deadline, ct);
        await NotifyAsync(book, updated, ct);
        return updated;
    }

    /// <summary>
    /// A result posted to a response_url of ours: only by the partner the request went to, with the secret made for it
    /// and the request's type in the URL, and only once (a follow-up the module allows, such as a cancelled
    /// reservation, while it is open). Anything else learns nothing: 404, as an unknown URL.
    /// </summary>
    /// <param name="keep">what the module keeps of the result (a charging profile on its session), done before the request
    /// shows the result, so whoever sees the outcome finds it</param>
    public async Task<SentRequest> TakeResultAsync(Partner caller, string module, string type, string id, string secret, JsonElement result,
        string outcome, CancellationToken ct, Func<SentRequest, Task>? keep = null)
    {
        var book = books.For(module);
        var found = await books.FindSentAsync(module, id, ct);
        if (found is null || !secrets.Matches(id, secret, found.CallbackHash) || found.PartnerId != caller.Id || found.Type != type)
        {
            logger.LogWarning("Partner {PartnerId} posted a {Module} result to a response_url that takes none from it", caller.Id, module);
            throw Refused();
        }
        var now = Now();
        if (!Takes(book, found, outcome, now)) throw Late();
        if (keep is not null) await keep(found);
        var taken = false;
        var updated = await book.Sent.UpdateAsync(DataScope.Own, found.Party, id, r =>
        {
            var first = r.State != RequestState.Finished;
            taken = Takes(book, r, outcome, now);
            if (!taken) return null;
            var next = r with
            {
                Results = [.. r.Results ?? [], result], Outcome = outcome, State = RequestState.Finished, Notices = r.Notices + 1, OpenUntil = null, LastUpdated = now,
            };
            return first ? next with { OpenUntil = book.Rules.OpenAfter(next) } : next;
        }, null, ct);
        if (!taken || updated is null) throw Late();
        logger.LogInformation("{Module} request {Id} ({Type}): result {Outcome} from partner {PartnerId}", module, id, type, outcome, caller.Id);
        await NotifyAsync(book, updated, ct);
        return updated;

        NotFoundException Late()
        {
            logger.LogWarning("Partner {PartnerId} posted a result for {Module} request {Id}, which takes none now", caller.Id, module, id);
            return Refused();
        }
    }

    /// <summary>Whether a request takes this result now: its first, or a follow-up the module allows while the URL is open.</summary>
    private static bool Takes(RequestBook book, SentRequest r, string outcome, DateTimeOffset now) =>
        r.State != RequestState.Finished || (r.Results is { Count: > 0 } && r.OpenUntil > now && book.Rules.FollowUp(outcome));

    /// <summary>The deadline of a sent request: no result by then, TIMEOUT (its outcome notified once, also when that was missed).</summary>
    public async Task<DateTimeOffset?> DueAsync(DeadlineMessage message, CancellationToken ct)
    {
        var book = books.For(message.Module);
        var now = Now();
        var (later, expired) = await DeadlineRecords.ExpireAsync(book.Sent, message, now, r => r.State == RequestState.Finished ? null : r.Deadline ?? now,
            r => r with
            {
                State = RequestState.Finished, Outcome = TimedOut, Notices = r.Notices + 1, LastUpdated = now,
                Error = r.State == RequestState.Sending ? "The receiver's answer was never recorded." : null,
            }, null, ct);
        if (later is not null) return later;
        if (expired is not null)
            logger.LogInformation("{Module} request {Id} ({Type}) to partner {PartnerId}: no result in time, TIMEOUT", message.Module, message.Id, expired.Type, expired.PartnerId);
        // Also when the outcome's notice was missed (a host stopped between recording and queueing it).
        var record = expired ?? await book.Sent.GetAsync(DataScope.Own, message.Party, message.Id, ct);
        if (record is not null) await NotifyAsync(book, record, ct);
        return null;
    }

    // A partner's status_message is its own length; kept whole it could outgrow the outcome's queue message.
    private const int LongestError = 1000;

    private async Task<SentRequest> FinishAsync(RequestBook book, SentRequest record, string? outcome, string error, CancellationToken ct) =>
        await book.Sent.UpdateAsync(DataScope.Own, record.Party, record.Id!, r => r.State == RequestState.Finished ? null
            : r with
            {
                State = RequestState.Finished, Outcome = outcome, Error = error.Length > LongestError ? error[..LongestError] + "…" : error,
                Notices = r.Notices + 1, LastUpdated = Now(),
            }, null, ct) is { } done
            ? await NotifyAsync(book, done, ct)
            : record;

    /// <summary>The outcome to the CSP's app, once per outcome: the record says what is due and what went.</summary>
    private async Task<SentRequest> NotifyAsync(RequestBook book, SentRequest r, CancellationToken ct)
    {
        if (r.Notified >= r.Notices) return r;
        var outcome = new RequestOutcome(r.Id!, book.Module, r.Type!, r.CountryCode!, r.PartyId!, r.PartnerId!, r.ToCountryCode!, r.ToPartyId!,
            r.Outcome, r.Response, r.Results is { Count: > 0 } results ? results[^1] : null, r.Error, Now());
        await queue.SendAsync(BackOfficeQueues.CommandResults, JsonSerializer.SerializeToUtf8Bytes(outcome, BackOfficeJson.Default.RequestOutcome), ct: ct);
        var due = r.Notices;
        return await book.Sent.UpdateAsync(DataScope.Own, r.Party, r.Id!, x => x.Notified >= due ? null : x with { Notified = due }, null, ct) ?? r;
    }

    private DeadlineMessage Deadline(RequestBook book, SentRequest r) => new(Kind, book.Module, r.CountryCode!, r.PartyId!, r.Id!);

    private static NotFoundException Refused() => new("No request awaits a result at this URL.", OcpiStatus.InvalidOrMissingParameters);

    private DateTimeOffset Now() => OcpiDateTime.Normalize(clock.GetUtcNow());
}

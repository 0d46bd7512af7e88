using System.Net;
using System.Text.Json;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Commands;

/// <summary>
/// The charge point's answer to a command we received, from the back office (operator API or "command-results-in"):
/// recorded and sent to the eMSP's response_url. RESERVE_NOW accepted begins the reservation (its EVSE shows RESERVED),
/// CANCEL_RESERVATION accepted ends it; CANCELED_RESERVATION on an accepted RESERVE_NOW is the CPO cancelling it, told
/// to the same response_url.
/// </summary>
public sealed class CommandResults(RequestBooks books, RequestReceiver receiver, Reservations reservations) : IRequestResults
{
    public string Module => ModuleIds.Commands;

    public async Task<ReceivedRequest> ReportAsync(string id, ReadOnlyMemory<byte> body, bool again, CancellationToken ct)
    {
        var result = OcpiJson.Read(body, CommandsJson.Default.CommandResult);
        var request = await books.FindReceivedAsync(ModuleIds.Commands, id, ct) ?? throw new NotFoundException($"No command {id}.");
        var outcome = result.Result!.Value;
        var waiting = request.State == RequestState.Waiting;
        switch (CommandTypes.Parse(request.Type!))
        {
            case CommandType.ReserveNow when waiting && outcome == CommandResultType.Accepted:
                await reservations.BeginAsync(request, request.Request!.Value.Deserialize(CommandsJson.Default.ReserveNow)!, ct);
                break;
            case CommandType.ReserveNow when outcome == CommandResultType.CanceledReservation && !waiting:
                var reserved = request.Request!.Value.Deserialize(CommandsJson.Default.ReserveNow)!;
                var key = Reservations.Key(request.From, reserved.ReservationId!);
                var current = await reservations.GetAsync(request.Party, key, ct);
                if (current is { Active: true })
                {
                    if (await reservations.EndAsync(request.Party, key, current, Reservations.CancelledByUs, ct) is not null) break;
                    current = await reservations.GetAsync(request.Party, key, ct); // ended meanwhile: by whom?
                }
                // Already ended by this cancellation: a report that stopped between ending the reservation and recording
                // the result is completed now, and one tried again after it was recorded the receiver takes as done.
                // Ended any other way (expired, cancelled by the eMSP, replaced), it is not ours to cancel.
                var recorded = request.Outcome == CommandTypes.Name(outcome);
                var interrupted = !recorded && current is { Ended: Reservations.CancelledByUs } && current.RequestId == request.Id;
                if (!interrupted && !(again && recorded))
                    throw new OcpiException(OcpiStatus.InvalidOrMissingParameters, HttpStatusCode.Conflict, $"The reservation of command {id} is not active.");
                break;
            case CommandType.CancelReservation when waiting && outcome == CommandResultType.Accepted:
                var cancel = request.Request!.Value.Deserialize(CommandsJson.Default.CancelReservation)!;
                await reservations.EndAsync(request.Party, Reservations.Key(request.From, cancel.ReservationId!), Reservations.Cancelled, ct);
                break;
        }
        return await receiver.ReportAsync(ModuleIds.Commands, request, JsonSerializer.SerializeToElement(result, CommandsJson.Default.CommandResult),
            CommandTypes.Name(outcome), again, ct);
    }
}

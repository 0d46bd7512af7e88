using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Commands.V221;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Queues;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Commands;

/// <summary>
/// Commands (mod_commands, IEC 63119's remote control): the receiver interface, hosted by the CPO, takes an eMSP's
/// START_SESSION, STOP_SESSION, RESERVE_NOW, CANCEL_RESERVATION and UNLOCK_CONNECTOR and hands accepted ones to the
/// back office; the sender interface, hosted by the eMSP, takes the results CPOs post to the response_urls we gave.
/// The spec leaves the sender's URLs to the sender: ours lie below the sender interface we list, so a partner that
/// reads our version details sees where results arrive. Results are pushed by the CPO to the sender interface of the
/// partner that sent the command (<see cref="PushChange.PartnerId"/>), whether it lists one or not. The engine of
/// asynchronous requests here is shared with ChargingProfiles.
/// </summary>
public sealed class CommandsModule : IOcpiModule
{
    public ModuleDeclaration Declaration => new(ModuleIds.Commands)
    {
        Owner = Role.Cpo,
        Counterparts = [Role.Emsp, Role.Hub],
        Pushes = true,
        Interfaces =
        [
            InterfaceDeclaration.Of<CommandsReceiver, CommandsWire>(InterfaceRole.Receiver, Role.Cpo, (receiver, routes, wire) => receiver.Map(routes, wire)),
            InterfaceDeclaration.Of<CommandsSender, CommandsWire>(InterfaceRole.Sender, Role.Emsp, (sender, routes, wire) => sender.Map(routes, wire)),
        ],
        Versions = [CommandsV221.Version],
    };

    /// <summary>The result a CPO sends when its back office gave no answer in time.</summary>
    private static readonly JsonElement Timeout =
        JsonSerializer.SerializeToElement(new CommandResult { Result = CommandResultType.Timeout }, CommandsJson.Default.CommandResult);

    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<IOcpiModule, CommandsModule>();
        services.AddRequests(new RequestRules
        {
            Module = ModuleIds.Commands,
            TimeoutResult = Timeout,
            // A CPO may cancel a reservation it accepted, on the same response_url (mod_commands flow), until it expires.
            FollowUp = outcome => outcome == CommandTypes.Name(CommandResultType.CanceledReservation),
            OpenAfter = r => r.Type == CommandTypes.Name(CommandType.ReserveNow) && r.Outcome == CommandTypes.Name(CommandResultType.Accepted)
                ? r.Request?.Deserialize(CommandsJson.Default.ReserveNow)?.ExpiryDate
                : null,
        });
        services.AddPartyObjectStore(Reservations.Stored);
        services.AddSingleton<Reservations>();
        services.AddSingleton<IDeadlineHandler>(sp => sp.GetRequiredService<Reservations>());
        services.AddSingleton<CommandsReceiver>();
        services.AddSingleton<CommandsSender>();
        services.AddSingleton<IPushSource, CommandsPushSource>();
        services.AddSingleton<IRequestResults, CommandResults>();
        services.AddSingleton<IRouteGroup, CommandsOperatorApi>();
    }

    /// <summary>The engine of asynchronous requests every such module shares (commands, charging profiles): registered once.</summary>
    public static void RegisterRequests(IServiceCollection services)
    {
        services.AddSingleton<RequestBooks>();
        services.AddSingleton<CallbackSecrets>();
        services.AddSingleton<RequestParties>();
        services.AddSingleton<RequestsOperatorApi>();
        services.AddSingleton<Deadlines>();
        services.AddSingleton<RequestSender>();
        services.AddSingleton<RequestReceiver>();
        services.AddSingleton<IDeadlineHandler>(sp => sp.GetRequiredService<RequestSender>());
        services.AddSingleton<IDeadlineHandler>(sp => sp.GetRequiredService<RequestReceiver>());
        services.AddSingleton<IQueueProcessor, DeadlineProcessor>();
        services.AddParkingQueueProcessor<CommandResultsInProcessor>();
        services.AddOutboundQueue(BackOfficeQueues.CommandsOut);
        services.AddOutboundQueue(BackOfficeQueues.CommandResults);
    }
}

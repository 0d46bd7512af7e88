using Roaming.Core.Platform;
using Roaming.Core.Versions;

namespace Roaming.Core.Commands.V221;

/// <summary>Commands in OCPI 2.2.1: the stored shape is 2.2.1's, so the mappers are the model's JSON contracts.</summary>
public static class CommandsV221
{
    public static readonly ModuleVersion<CommandsWire> Version = new(ModuleIds.Commands, "2.2.1", new CommandsWire(
        new JsonWire<CommandResponse>(CommandsJson.Default.CommandResponse),
        new JsonWire<CommandResult>(CommandsJson.Default.CommandResult),
        new JsonWire<StartSession>(CommandsJson.Default.StartSession),
        new JsonWire<StopSession>(CommandsJson.Default.StopSession),
        new JsonWire<ReserveNow>(CommandsJson.Default.ReserveNow),
        new JsonWire<CancelReservation>(CommandsJson.Default.CancelReservation),
        new JsonWire<UnlockConnector>(CommandsJson.Default.UnlockConnector)));
}

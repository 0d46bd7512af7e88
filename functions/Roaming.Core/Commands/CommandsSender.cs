using System.Text.Json;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Commands;

/// <summary>
/// The eMSP's commands sender interface (mod_commands): where CPOs post the result of a command we sent, at the
/// response_url we gave it, <c>POST {commands}/{command}/{id}/{secret}</c>. The spec leaves these URLs to the sender;
/// ours name the command, our request and a secret made for it.
/// </summary>
public sealed class CommandsSender(RequestSender requests)
{
    public void Map(InterfaceRoutes routes, CommandsWire wire) => routes.Post("/{command}/{id}/{secret}", ctx => PostAsync(ctx, wire));

    private async Task<OcpiResult> PostAsync(OcpiContext ctx, CommandsWire wire)
    {
        var result = wire.Result.Read(ctx.Request.Body, "CommandResult");
        await requests.TakeResultAsync(ctx.Partner, ModuleIds.Commands, ctx.Value("command"), ctx.Value("id"), ctx.Value("secret"),
            JsonSerializer.SerializeToElement(result, CommandsJson.Default.CommandResult), CommandTypes.Name(result.Result!.Value), ctx.Cancellation);
        return OcpiResult.Ok();
    }
}

/// <summary>The CPO's side of the push channel for commands: the results our back office reported, to each command's response_url.</summary>
public sealed class CommandsPushSource(RequestReceiver requests) : IPushSource
{
    public string Module => ModuleIds.Commands;

    public InterfaceRole Target => InterfaceRole.Sender;

    public Task SendAsync(PushChange change, PushContent? content, InterfaceClient client, CancellationToken ct) =>
        requests.DeliverAsync(Module, change, client, (_, result) =>
        {
            var wire = client.Wire<CommandsWire>(Module);
            var typed = result.Deserialize(CommandsJson.Default.CommandResult)!;
            return w => wire.Result.Write(w, typed);
        }, ct);
}

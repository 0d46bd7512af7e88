using System.Text.Json;
using Roaming.Core.Platform;

namespace Roaming.Core.Commands;

/// <summary>The mappers of the Commands module's objects for one OCPI version.</summary>
public sealed record CommandsWire(IWire<CommandResponse> Response, IWire<CommandResult> Result, IWire<StartSession> StartSession,
    IWire<StopSession> StopSession, IWire<ReserveNow> ReserveNow, IWire<CancelReservation> CancelReservation, IWire<UnlockConnector> UnlockConnector)
{
    /// <summary>
    /// The body of a command of this type, read and validated (2001 naming the field). A token's restrictions are its
    /// issuer's own (Tokens): no version carries them, so none read here are kept.
    /// </summary>
    public ICommand Read(CommandType type, ReadOnlyMemory<byte> body, string what = "request body")
    {
        switch (type)
        {
            case CommandType.StartSession:
                var start = StartSession.Read(body, what);
                return start with { Token = Unrestricted(start.Token) };
            case CommandType.ReserveNow:
                var reserve = ReserveNow.Read(body, what);
                return reserve with { Token = Unrestricted(reserve.Token) };
            case CommandType.StopSession: return StopSession.Read(body, what);
            case CommandType.CancelReservation: return CancelReservation.Read(body, what);
            case CommandType.UnlockConnector: return UnlockConnector.Read(body, what);
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    private static Tokens.Token? Unrestricted(Tokens.Token? token) => token?.Restrictions is null ? token : token with { Restrictions = null };

    public void Write(Utf8JsonWriter writer, ICommand command)
    {
        switch (command)
        {
            case StartSession c: StartSession.Write(writer, c); break;
            case StopSession c: StopSession.Write(writer, c); break;
            case ReserveNow c: ReserveNow.Write(writer, c); break;
            case CancelReservation c: CancelReservation.Write(writer, c); break;
            case UnlockConnector c: UnlockConnector.Write(writer, c); break;
            default: throw new ArgumentOutOfRangeException(nameof(command));
        }
    }
}

using Roaming.Core.Types;

namespace Roaming.Core.Commands;

/// <summary>
/// Our sessions as commands and charging profiles need them: a STOP_SESSION's or a charging profile's session must be
/// ours and run on a token of the sender. The Sessions module answers it from its store of our sessions
/// (<see cref="Sessions.OwnSessionLookup"/>), so commands depend on what a session is, not on how it is kept.
/// </summary>
public interface ISessionLookup
{
    /// <summary>Our session by id, or null when we hold none.</summary>
    Task<SessionFacts?> FindAsync(PartyKey cpo, string sessionId, CancellationToken ct);
}

/// <param name="TokenParty">the eMSP whose token the session runs on</param>
public sealed record SessionFacts(PartyKey? TokenParty);

using Roaming.Core.Commands;
using Roaming.Core.Storage;
using Roaming.Core.Types;

namespace Roaming.Core.Sessions;

/// <summary>
/// Commands and charging profiles check a session against the ones our back office reported: one point read of our
/// session, whose token names the eMSP that may act on it. A session the back office has not reported yet (its
/// sessions-in message still queued) is unknown here, as the spec's UNKNOWN_SESSION means.
/// </summary>
public sealed class OwnSessionLookup(IPartyObjectStore<Session> sessions) : ISessionLookup
{
    public async Task<SessionFacts?> FindAsync(PartyKey cpo, string sessionId, CancellationToken ct) =>
        await sessions.GetAsync(DataScope.Own, cpo, sessionId, ct) is { } session ? new SessionFacts(session.TokenParty) : null;
}

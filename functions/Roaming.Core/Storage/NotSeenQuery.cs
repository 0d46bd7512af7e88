using Roaming.Core.Types;

namespace Roaming.Core.Storage;

/// <summary>What a full pull's cleanup looks at: received objects of these parties, in the window the pull asked for.</summary>
/// <param name="Since">objects stored (or confirmed) since then were seen by the pull</param>
/// <param name="UpdatedBefore">the pull's date_to: objects changed later were not asked for, so not seeing them means nothing</param>
public sealed record NotSeenQuery(IReadOnlyCollection<PartyKey> Parties, DateTimeOffset Since, DateTimeOffset? UpdatedBefore);

/// <param name="NotSeen">objects the pull did not see</param>
/// <param name="Total">all received objects of the parties</param>
public readonly record struct NotSeenCount(int NotSeen, int Total);

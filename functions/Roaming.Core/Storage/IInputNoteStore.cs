using Roaming.Core.Transport.Tolerance;

namespace Roaming.Core.Storage;

/// <summary>Per partner and day, how often each field of its input was normalised or dropped (see <see cref="InputNoteRecorder"/>).</summary>
public interface IInputNoteStore
{
    /// <summary>Adds <paramref name="counts"/> to the partner's tally of <paramref name="day"/>: counts add up, the example and time are the latest.</summary>
    Task AddAsync(string partnerId, DateOnly day, IReadOnlyCollection<InputNoteCount> counts, CancellationToken ct);

    /// <summary>The partner's tally from <paramref name="since"/> on, one entry per field, action and kind, most frequent first.</summary>
    Task<IReadOnlyList<InputNoteCount>> ListAsync(string partnerId, DateOnly since, CancellationToken ct);

    /// <summary>Removes the partner's tallies of the days before <paramref name="before"/>; returns how many rows went.</summary>
    Task<int> PruneAsync(string partnerId, DateOnly before, CancellationToken ct);
}

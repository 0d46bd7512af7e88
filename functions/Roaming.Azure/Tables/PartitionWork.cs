namespace Roaming.Azure.Tables;

/// <summary>
/// Work on one partition from this instance, one batch at a time: what arrives while a batch runs is handed over
/// together to the next. Concurrent writers of one record in one instance so take turns instead of failing each
/// other's ETags, and many small changes become one read and one transaction.
/// </summary>
internal sealed class PartitionWork<TWork>(Func<string, IReadOnlyList<TWork>, Task> run) where TWork : PartitionWork<TWork>.IWork
{
    private readonly Dictionary<string, List<TWork>> _waiting = [];

    public interface IWork
    {
        /// <summary>Fails the work unless it has completed already.</summary>
        void Fail(Exception error);
    }

    /// <summary>Queues the work; the caller awaits its own completion signal inside <typeparamref name="TWork"/>.</summary>
    public void Add(string partition, TWork work)
    {
        lock (_waiting)
        {
            if (_waiting.TryGetValue(partition, out var list))
            {
                list.Add(work);
                return;
            }
            _waiting[partition] = [work];
        }
        _ = Task.Run(() => DrainAsync(partition));
    }

    private async Task DrainAsync(string partition)
    {
        while (true)
        {
            List<TWork> batch;
            lock (_waiting)
            {
                batch = _waiting[partition];
                if (batch.Count == 0)
                {
                    _waiting.Remove(partition);
                    return;
                }
                _waiting[partition] = [];
            }
            // Nothing a batch throws may stop the partition's queue or leave a caller waiting.
            try { await run(partition, batch); }
            catch (Exception e)
            {
                foreach (var work in batch) work.Fail(e);
            }
        }
    }
}

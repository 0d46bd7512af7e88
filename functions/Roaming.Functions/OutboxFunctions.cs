using Microsoft.Azure.Functions.Worker;
using Roaming.Azure.Tables;

namespace Roaming.Functions;

/// <summary>
/// Every minute, queues the pushes a stopped instance stored but never queued (its outbox rows). A timer trigger
/// rather than a background loop, so it runs even when no request or message keeps an instance alive.
/// </summary>
public sealed class OutboxFunctions(OutboxSweeper sweeper)
{
    public const string Schedule = "0 * * * * *";

    [Function("outbox-sweep")]
    public Task Sweep([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken ct) => sweeper.SweepAsync(ct);
}

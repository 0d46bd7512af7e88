using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Roaming.Core.Queues;

namespace Roaming.Functions;

/// <summary>
/// Queue triggers for the core's processors. The runtime applies host.json's queue rules (maxDequeueCount,
/// visibilityTimeout) and moves a message that failed its last try to "&lt;queue&gt;-poison", as the ASP.NET Core
/// host's polling service does for the same processors by the same host.json. The queue names are app settings
/// (<see cref="QueueTriggerNames"/>), checked at start against Roaming:StoragePrefix.
/// </summary>
public sealed class QueueFunctions(IEnumerable<IQueueProcessor> processors)
{
    private readonly Dictionary<string, IQueueProcessor> _processors = processors.ToDictionary(p => p.QueueName);

    [Function("push")]
    public Task Push([QueueTrigger(QueueTriggerNames.PushExpression, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(QueueTriggerNames.Push, message, ct);

    [Function("sync")]
    public Task Sync([QueueTrigger(QueueTriggerNames.SyncExpression, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(QueueTriggerNames.Sync, message, ct);

    [Function("sessions-in")]
    public Task SessionsIn([QueueTrigger(QueueTriggerNames.SessionsInExpression, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(QueueTriggerNames.SessionsIn, message, ct);

    [Function("sdrs-in")]
    public Task SdrsIn([QueueTrigger(QueueTriggerNames.SdrsInExpression, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(QueueTriggerNames.SdrsIn, message, ct);

    [Function("cdrs-verify")]
    public Task CdrsVerify([QueueTrigger(QueueTriggerNames.CdrsVerifyExpression, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(QueueTriggerNames.CdrsVerify, message, ct);
    /// <summary>Deadlines of commands and charging profile requests (TIMEOUT) and of reservations, due when their message becomes visible.</summary>
    [Function("deadlines")]
    public Task Deadlines([QueueTrigger(QueueTriggerNames.DeadlinesExpression, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(QueueTriggerNames.Deadlines, message, ct);

    /// <summary>The back office's reports of charge points' answers to commands and charging profile requests.</summary>
    [Function("command-results-in")]
    public Task CommandResultsIn([QueueTrigger(QueueTriggerNames.CommandResultsInExpression, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(QueueTriggerNames.CommandResultsIn, message, ct);

    private Task RunAsync(string queue, QueueMessage message, CancellationToken ct) =>
        _processors[queue].ProcessAsync(new QueueWork(message.MessageId, message.Body.ToMemory(), message.DequeueCount, message.InsertedOn), ct);
}

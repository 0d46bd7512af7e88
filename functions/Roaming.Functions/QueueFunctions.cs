using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Roaming.Core.Cdrs;
using Roaming.Core.Push;
using Roaming.Core.Queues;
using Roaming.Core.Sessions;
using Roaming.Core.Sync;

namespace Roaming.Functions;

/// <summary>
/// Queue triggers for the core's processors. The runtime applies host.json's queue rules (maxDequeueCount,
/// visibilityTimeout) and moves a message that failed its last try to "&lt;queue&gt;-poison", as the ASP.NET Core
/// host's polling service does for the same processors.
/// </summary>
public sealed class QueueFunctions(IEnumerable<IQueueProcessor> processors)
{
    private readonly Dictionary<string, IQueueProcessor> _processors = processors.ToDictionary(p => p.QueueName);

    [Function("push")]
    public Task Push([QueueTrigger(PushQueue.QueueName, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(PushQueue.QueueName, message, ct);

    [Function("sync")]
    public Task Sync([QueueTrigger(SyncService.QueueName, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(SyncService.QueueName, message, ct);

    [Function("sessions-in")]
    public Task SessionsIn([QueueTrigger(SessionsInProcessor.Name, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(SessionsInProcessor.Name, message, ct);

    [Function("sdrs-in")]
    public Task SdrsIn([QueueTrigger(SdrsInProcessor.Name, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(SdrsInProcessor.Name, message, ct);

    [Function("cdrs-verify")]
    public Task CdrsVerify([QueueTrigger(CdrVerifications.VerifyQueue, Connection = "Storage")] QueueMessage message, CancellationToken ct) =>
        RunAsync(CdrVerifications.VerifyQueue, message, ct);

    private Task RunAsync(string queue, QueueMessage message, CancellationToken ct) =>
        _processors[queue].ProcessAsync(new QueueWork(message.MessageId, message.Body.ToMemory(), message.DequeueCount, message.InsertedOn), ct);
}

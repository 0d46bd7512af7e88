using Microsoft.Extensions.Configuration;
using Roaming.Core.Cdrs;
using Roaming.Core.Commands;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Sessions;
using Roaming.Core.Sync;

namespace Roaming.Functions;

/// <summary>
/// The queues the triggers watch are named by app settings (%...% binding expressions, resolved by the Functions
/// host), because the queues the app writes to carry Roaming:StoragePrefix. An empty app setting does not resolve
/// in a binding expression, so the setting holds the whole name rather than the prefix. The app refuses to start
/// when a setting and the prefix disagree: its messages would wait in a queue no trigger watches.
/// </summary>
public static class QueueTriggerNames
{
    public const string Push = PushQueue.QueueName;
    public const string Sync = SyncService.QueueName;
    public const string SessionsIn = SessionsInProcessor.Name;
    public const string SdrsIn = SdrsInProcessor.Name;
    public const string CdrsVerify = CdrVerifications.VerifyQueue;
    public const string Deadlines = Core.Commands.Deadlines.QueueName;
    public const string CommandResultsIn = CommandResultsInProcessor.Name;

    public const string PushSetting = "RoamingPushQueue";
    public const string SyncSetting = "RoamingSyncQueue";
    public const string SessionsInSetting = "RoamingSessionsInQueue";
    public const string SdrsInSetting = "RoamingSdrsInQueue";
    public const string CdrsVerifySetting = "RoamingCdrsVerifyQueue";
    public const string DeadlinesSetting = "RoamingDeadlinesQueue";
    public const string CommandResultsInSetting = "RoamingCommandResultsInQueue";

    public const string PushExpression = "%" + PushSetting + "%";
    public const string SyncExpression = "%" + SyncSetting + "%";
    public const string SessionsInExpression = "%" + SessionsInSetting + "%";
    public const string SdrsInExpression = "%" + SdrsInSetting + "%";
    public const string CdrsVerifyExpression = "%" + CdrsVerifySetting + "%";
    public const string DeadlinesExpression = "%" + DeadlinesSetting + "%";
    public const string CommandResultsInExpression = "%" + CommandResultsInSetting + "%";

    /// <summary>Each trigger's app setting and the queue (without the prefix) it must name.</summary>
    public static readonly IReadOnlyList<(string Setting, string Queue)> All =
    [
        (PushSetting, Push),
        (SyncSetting, Sync),
        (SessionsInSetting, SessionsIn),
        (SdrsInSetting, SdrsIn),
        (CdrsVerifySetting, CdrsVerify),
        (DeadlinesSetting, Deadlines),
        (CommandResultsInSetting, CommandResultsIn),
    ];

    public static void Check(IConfiguration configuration)
    {
        var prefix = configuration[$"{RoamingOptions.Section}:StoragePrefix"] ?? "";
        var problems = new List<string>();
        foreach (var (setting, queue) in All)
        {
            var watched = configuration[setting];
            if (watched != prefix + queue)
                problems.Add($"{setting} is '{watched}' but the app sends to '{prefix + queue}' (Roaming:StoragePrefix '{prefix}' + '{queue}')");
        }
        if (problems.Count > 0)
            throw new InvalidOperationException("The queue triggers would not watch the app's queues: " + string.Join("; ", problems) + ".");
    }
}

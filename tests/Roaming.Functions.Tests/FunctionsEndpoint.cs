using Roaming.Functions.Tests.StandIn;
using Roaming.Integration.Tests;

namespace Roaming.Functions.Tests;

/// <summary>
/// The Functions app as an endpoint under test: the built worker behind the stand-in host, on its own tables and
/// queues in Azurite (a unique prefix, and trigger queue settings that follow it), removed again at the end.
/// </summary>
public sealed class FunctionsEndpoint : EndpointClient, IAsyncDisposable
{
    public FunctionsHostStandIn Host { get; }

    private FunctionsEndpoint(FunctionsHostStandIn host, string prefix) : base(prefix, host.BaseUri) => Host = host;

    /// <summary>The app settings of a test deployment: what infra-bicep sets, with Azurite and a unique prefix.</summary>
    public static Dictionary<string, string?> AppSettings(string prefix, IEnumerable<(string Country, string Party, string Role)> parties)
    {
        var settings = Settings(prefix, parties);
        settings["RoamingPushQueue"] = prefix + "ocpi-push";
        settings["RoamingSyncQueue"] = prefix + "ocpi-sync";
        settings["RoamingSessionsInQueue"] = prefix + "sessions-in";
        settings["RoamingSdrsInQueue"] = prefix + "sdrs-in";
        settings["RoamingCdrsVerifyQueue"] = prefix + "cdrs-verify";
        settings["RoamingDeadlinesQueue"] = prefix + "ocpi-deadlines";
        settings["RoamingCommandResultsInQueue"] = prefix + "command-results-in";
        return settings;
    }

    public static async Task<FunctionsEndpoint> StartAsync(IEnumerable<(string Country, string Party, string Role)> parties, Dictionary<string, string?>? settings = null)
    {
        await Azurite.EnsureStarted();
        var prefix = NewPrefix();
        var values = AppSettings(prefix, parties);
        foreach (var (k, v) in settings ?? []) values[k] = v;
        return new FunctionsEndpoint(await FunctionsHostStandIn.StartAsync(values), prefix);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        await TestEndpoint.DeleteStorageAsync(Prefix);
    }
}

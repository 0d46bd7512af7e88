using Roaming.Azure;
using Roaming.Azure.Queues;
using Roaming.Core.Platform;
using Roaming.Web;

namespace Roaming.Host;

public static class RoamingWebHost
{
    /// <summary>Builds the host; <paramref name="configure"/> lets tests add settings (ports, table prefix) before services are built.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddHostJson();
        builder.Logging.AddRoamingLogFilters();
        configure?.Invoke(builder);
        builder.Services.AddRoamingCore(builder.Configuration);
        builder.Services.AddRoamingAzure(builder.Configuration);
        // Roaming:ProcessQueues=false: a host that serves requests only, beside another that processes the queues.
        if (builder.Configuration.GetValue("Roaming:ProcessQueues", true)) builder.Services.AddQueueProcessorService();
        builder.WebHost.ConfigureKestrel(k => RoamingHttp.ConfigureServerLimits(k.Limits));

        var app = builder.Build();
        app.Map("/ocpi/{**rest}", RoamingHttp.HandleAsync);
        app.Map("/operator/{**rest}", RoamingHttp.HandleAsync);
        app.MapGet("/healthz", () => Results.Text("ok"));
        return app;
    }
}

using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Roaming.Azure;
using Roaming.Azure.Queues;
using Roaming.Core.Platform;
using Roaming.Functions;
using Roaming.Web;

// The worker with the ASP.NET Core integration (HTTP through Roaming.Web, as in the other host), the same core and
// storage, the queue rules from the same host.json. Queue work runs through queue triggers here (QueueFunctions),
// so the polling service of the other host is not added.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<StorageReadyMiddleware>();
// The worker's own Kestrel (the host forwards requests to it) with the same ceilings as the other host's, so the
// adapter, not Kestrel, answers requests over its limits, in the envelope.
builder.Services.Configure<KestrelServerOptions>(options => RoamingHttp.ConfigureServerLimits(options.Limits));
builder.Configuration.AddHostJson();
QueueTriggerNames.Check(builder.Configuration);

// Telemetry as the platform expects it from an isolated worker: the worker's own logs and dependencies go to
// Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING; APPLICATIONINSIGHTS_AUTHENTICATION_STRING for Entra
// ID), under the same categories and levels as the other host.
builder.Services.AddApplicationInsightsTelemetryWorkerService().ConfigureFunctionsApplicationInsights();
builder.Logging.Services.Configure<LoggerFilterOptions>(options =>
{
    // The Application Insights provider adds a Warning-only rule of its own; the levels here are the app's.
    var rule = options.Rules.FirstOrDefault(r => r.ProviderName == "Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider");
    if (rule is not null) options.Rules.Remove(rule);
});
builder.Logging.AddRoamingLogFilters();

builder.Services.AddRoamingCore(builder.Configuration);
builder.Services.AddRoamingAzure(builder.Configuration);
builder.Build().Run();

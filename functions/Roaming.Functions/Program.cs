using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Roaming.Azure;
using Roaming.Core.Platform;

// The worker defaults plus the same core and storage as the ASP.NET Core host. Queue work runs through
// queue triggers here (QueueFunctions), so the polling service of the other host is not added.
var builder = FunctionsApplication.CreateBuilder(args);
builder.Services.AddRoamingCore(builder.Configuration);
builder.Services.AddRoamingAzure(builder.Configuration);
builder.Build().Run();

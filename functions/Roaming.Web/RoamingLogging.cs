using Microsoft.Extensions.Logging;

namespace Roaming.Web;

/// <summary>The log levels of both hosts: the core's own categories at the configured level, the frameworks' chatter at Warning.</summary>
public static class RoamingLogging
{
    public static ILoggingBuilder AddRoamingLogFilters(this ILoggingBuilder logging) => logging
        .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
        .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning)
        .AddFilter("Azure", LogLevel.Warning);
}

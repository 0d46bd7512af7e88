using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Roaming.Integration.Tests;

/// <summary>Every log line an endpoint writes, with its category, to look for what must never be in one.</summary>
public sealed class CapturingLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void Dispose() { }

    /// <summary>What a deployment logs (the host's appsettings), with everything of the endpoint itself down to Debug.</summary>
    public static Dictionary<string, string?> Verbose() => new() { ["Logging:LogLevel:Default"] = "Information", ["Logging:LogLevel:Roaming"] = "Debug" };

    private sealed class Logger(CapturingLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Lines.Enqueue($"{category}: {formatter(state, exception)} {exception}");
    }
}

using Microsoft.Extensions.DependencyInjection;

namespace Roaming.Core.Queues;

/// <summary>A queue the endpoint writes for the back office to read (commands to the CSMS, command results to the CSP's app); created at start.</summary>
public sealed record OutboundQueue(string Name);

public static class QueueRegistration
{
    public static IServiceCollection AddOutboundQueue(this IServiceCollection services, string name) => services.AddSingleton(new OutboundQueue(name));
}

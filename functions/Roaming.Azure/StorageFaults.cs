using System.Net.Sockets;
using Azure;
using Roaming.Core.Storage;

namespace Roaming.Azure;

/// <summary>
/// The Azure SDK's ways of saying "storage is not there": no response at all (status 0: refused, reset, DNS), a
/// timeout, or a server-side failure (408, 5xx) still failing after the SDK's own retries (then an AggregateException
/// of the tries). A 4xx other than 408 is an answer about the request, so it is not an outage.
/// </summary>
public sealed class StorageFaults : IStorageFaults
{
    public bool IsOutage(Exception exception) => exception switch
    {
        RequestFailedException e => e.Status is 0 or 408 or >= 500,
        AggregateException e => e.InnerExceptions.Count > 0 && e.InnerExceptions.All(IsOutage),
        // The SDK's NetworkTimeout surfaces as a cancellation the caller did not ask for (the endpoint checks its own token first).
        OperationCanceledException or TimeoutException => true,
        HttpRequestException or SocketException or IOException => true,
        _ => false,
    };
}

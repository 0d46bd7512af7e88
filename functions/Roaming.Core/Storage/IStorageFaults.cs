namespace Roaming.Core.Storage;

/// <summary>
/// Tells an outage of the storage service (unreachable, not answering, answering 5xx after the SDK's own retries)
/// from a fault of the code: the first is answered 503 with Retry-After, the second 500. The storage
/// implementation knows its exceptions; the endpoint asks it.
/// </summary>
public interface IStorageFaults
{
    bool IsOutage(Exception exception);
}

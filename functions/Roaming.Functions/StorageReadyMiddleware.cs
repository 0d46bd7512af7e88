using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Roaming.Azure;

namespace Roaming.Functions;

/// <summary>
/// Every invocation (HTTP, queue, timer) waits until the tables and queues exist: the host opens its channel to the
/// worker and forwards the first requests before the worker's hosted services have necessarily run, and a request
/// that meets a missing table would be answered 500.
/// </summary>
internal sealed class StorageReadyMiddleware(StorageReadiness readiness) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        await readiness.WaitAsync(context.CancellationToken);
        await next(context);
    }
}

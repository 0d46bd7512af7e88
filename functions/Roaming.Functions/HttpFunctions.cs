using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Roaming.Web;

namespace Roaming.Functions;

/// <summary>
/// Every OCPI and operator request goes through the same adapter as in the ASP.NET Core host (Roaming.Web), on
/// the HttpContext of the worker's ASP.NET Core integration: the Functions host forwards the request as it came
/// (chunked bodies included) to the worker's own HTTP listener. host.json sets routePrefix to "", so the paths
/// are /ocpi/... and /operator/... as in the other host. Anonymous at the Functions level: OCPI authenticates
/// with its own credentials tokens, the operator API with its key. Every method reaches the core, which answers
/// those it does not serve with 405.
/// </summary>
public static class HttpFunctions
{
    [Function("ocpi")]
    public static async Task<IActionResult> Ocpi(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", "options", Route = "ocpi/{*rest}")] HttpRequest request)
    {
        await RoamingHttp.HandleAsync(request.HttpContext);
        return new EmptyResult();
    }

    [Function("operator")]
    public static async Task<IActionResult> Operator(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", "options", Route = "operator/{*rest}")] HttpRequest request)
    {
        await RoamingHttp.HandleAsync(request.HttpContext);
        return new EmptyResult();
    }
}

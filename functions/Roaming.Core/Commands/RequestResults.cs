using System.Runtime.InteropServices;
using System.Text.Json;
using Roaming.Core.Queues;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;

namespace Roaming.Core.Commands;

/// <summary>
/// The back office's report of the charge point's answer to a request we received, as a module reads and carries it
/// out. It is the one piece of code behind both ways the back office reports: <c>POST /operator/{module}/{id}/result</c>
/// and a message on "command-results-in"; so both check, record and forward a result the same way.
/// </summary>
public interface IRequestResults
{
    string Module { get; }

    /// <param name="result">the result as the back office wrote it: JSON in the shape of the request's result</param>
    /// <param name="again">the same report may have been recorded already (a queue message tried again): a request whose
    /// latest result is this very one is taken as reported, not refused</param>
    /// <returns>the request as recorded afterwards</returns>
    /// <exception cref="InvalidParametersException">the result is not JSON, or not a valid result of the request</exception>
    /// <exception cref="NotFoundException">no such request</exception>
    /// <exception cref="OcpiException">409: the request takes no result now (answered, timed out, refused)</exception>
    Task<ReceivedRequest> ReportAsync(string id, ReadOnlyMemory<byte> result, bool again, CancellationToken ct);
}

/// <summary>
/// Queue "command-results-in": the back office's reports of charge points' answers, written there by the charging
/// station management system instead of calling the operator API. A message is
/// <c>{"id": the request's id from "commands-out", "module": "commands" | "chargingprofiles", "result": the body the
/// operator API's POST /operator/{module}/{id}/result takes}</c>; it is carried out by the module's
/// <see cref="IRequestResults"/>, as the operator API's POST is. What the API refuses (an invalid result, an unknown
/// request, a second result for a finished one) is parked with the API's reason at once; anything else (storage) is
/// retried by the queue.
/// </summary>
public sealed class CommandResultsInProcessor(IEnumerable<IRequestResults> modules) : IQueueProcessor
{
    public const string Name = BackOfficeQueues.CommandResultsIn;

    private readonly Dictionary<string, IRequestResults> _modules = modules.ToDictionary(m => m.Module);

    public string QueueName => Name;

    public async Task ProcessAsync(QueueWork work, CancellationToken ct)
    {
        // The back office's input, read as strictly as the operator API reads it: refused, not repaired.
        using var strict = InputNotes.Begin(lenient: false);
        var (module, id, result) = Read(work.Body);
        try
        {
            await module.ReportAsync(id, result, again: work.DequeueCount > 1, ct);
        }
        catch (InvalidParametersException e)
        {
            throw new UnprocessableMessageException($"the result for {module.Module} request {id}: {e.Message}", e);
        }
        catch (OcpiException e) when (e.StatusCode is >= OcpiStatus.ClientError and < OcpiStatus.ServerError)
        {
            // The operator API's 404 and 409: this message can never succeed as it is.
            throw new UnprocessableMessageException(e.Message, e);
        }
    }

    private (IRequestResults Module, string Id, ReadOnlyMemory<byte> Result) Read(ReadOnlyMemory<byte> body)
    {
        JsonElement root;
        try
        {
            root = OcpiJson.ReadObject(body);
        }
        catch (InvalidParametersException e)
        {
            throw new UnprocessableMessageException(e.Message, e);
        }
        var problems = new List<string>();
        var id = root.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String && i.GetString() is { Length: > 0 } text ? text : null;
        if (id is null) problems.Add("id: required, the request's id from commands-out");
        var name = root.TryGetProperty("module", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        var module = name is not null && _modules.TryGetValue(name, out var found) ? found : null;
        if (module is null) problems.Add($"module: must be one of {string.Join(", ", _modules.Keys.Order())}");
        if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object) problems.Add("result: required, an object");
        if (problems.Count > 0)
            throw new UnprocessableMessageException($"a {Name} message is {{\"id\", \"module\", \"result\"}}: " + string.Join("; ", problems));
        // The result's own bytes, as the document holds them (not through a string and back).
        return (module!, id!, JsonMarshal.GetRawUtf8Value(result).ToArray());
    }
}

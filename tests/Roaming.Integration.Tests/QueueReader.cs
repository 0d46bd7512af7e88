using System.Text.Json.Nodes;
using Azure.Storage.Queues;

namespace Roaming.Integration.Tests;

/// <summary>
/// A back office's side of one of an endpoint's outbound queues, read straight from Azurite as the README describes
/// the messages: the CSO's charging station management system reading "commands-out", the CSP's app reading
/// "command-results". Each message is taken (received and deleted) once.
/// </summary>
public sealed class QueueReader(EndpointClient endpoint, string queue)
{
    private readonly QueueClient _queue = new(Azurite.ConnectionString, endpoint.Prefix + queue, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>The next message (waiting for one to arrive).</summary>
    public async Task<JsonNode> NextAsync(int seconds = 30)
    {
        JsonNode? taken = null;
        await Fixtures.Eventually(async () => (taken = await TryNextAsync()) is not null, $"a message on {queue}", seconds);
        return taken!;
    }

    /// <summary>The next message for which <paramref name="match"/> holds; the others are taken and dropped.</summary>
    public async Task<JsonNode> NextAsync(Func<JsonNode, bool> match, int seconds = 30)
    {
        JsonNode? found = null;
        await Fixtures.Eventually(async () =>
        {
            while (await TryNextAsync() is { } message)
                if (match(message)) { found = message; return true; }
            return false;
        }, $"a matching message on {queue}", seconds);
        return found!;
    }

    public async Task<JsonNode?> TryNextAsync()
    {
        var messages = (await _queue.ReceiveMessagesAsync(1)).Value;
        if (messages.Length == 0) return null;
        await _queue.DeleteMessageAsync(messages[0].MessageId, messages[0].PopReceipt);
        return JsonNode.Parse(messages[0].Body.ToString());
    }

    /// <summary>The messages waiting, without taking them.</summary>
    public async Task<List<JsonNode>> PeekAsync() =>
        (await _queue.PeekMessagesAsync(32)).Value.Select(m => JsonNode.Parse(m.Body.ToString())!).ToList();
}

/// <summary>
/// The CSO's charging station management system: takes a request from "commands-out" and reports the charge point's
/// answer, through the operator API or on "command-results-in".
/// </summary>
public sealed class StandInBackOffice(EndpointClient cpo)
{
    public QueueReader Requests { get; } = new(cpo, "commands-out");

    private readonly QueueClient _results = new(Azurite.ConnectionString, cpo.Prefix + "command-results-in", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>The next request of this type on "commands-out".</summary>
    public Task<JsonNode> NextAsync(string type) => Requests.NextAsync(m => m.Str("type") == type);

    /// <summary>The charge point's answer, through the operator API at the path the request names.</summary>
    public Task<JsonNode> AnswerAsync(JsonNode request, string result, int expect = 200) =>
        cpo.OperatorAsync(HttpMethod.Post, request.Str("result_path"), new { result }, expect);

    /// <summary>The charge point's answer on "command-results-in", as the README describes the message: the request's id and module, and the body the operator API takes.</summary>
    public Task ReportOnQueueAsync(JsonNode request, JsonObject result) =>
        WriteAsync(new JsonObject { ["id"] = request.Str("id"), ["module"] = request.Str("module"), ["result"] = result }.ToJsonString());

    /// <summary>Any text on "command-results-in" (Base64-encoded, as the Functions queue trigger reads it).</summary>
    public async Task WriteAsync(string message) => await _results.SendMessageAsync(message);
}

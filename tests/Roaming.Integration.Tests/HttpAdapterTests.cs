using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>
/// The HTTP adapter (Roaming.Web) in the ASP.NET Core host: every answer under /ocpi is the OCPI envelope, also
/// for requests the core never sees (over the size limits, a body the server could not read), and every method
/// reaches the core. The Functions app runs the same adapter (Roaming.Functions.Tests drive it there).
/// </summary>
public class HttpAdapterTests : IAsyncLifetime
{
    private TestEndpoint _endpoint = null!;

    public async Task InitializeAsync() => _endpoint = await TestEndpoint.StartCpoAsync();
    public async Task DisposeAsync() => await _endpoint.DisposeAsync();

    private static JsonNode Envelope(string body, int statusCode)
    {
        var envelope = JsonNode.Parse(body)!;
        Assert.Equal(statusCode, envelope["status_code"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(envelope["status_message"]?.GetValue<string>()));
        Assert.NotNull(envelope["timestamp"]);
        return envelope;
    }

    [Fact]
    public async Task Headers_larger_than_the_limit_are_431_in_the_envelope()
    {
        var headers = string.Concat(Enumerable.Range(0, 8).Select(i => $"X-Filler-{i}: {new string('y', 6000)}\r\n"));
        var answer = await RawHttp.SendAsync(_endpoint.BaseUri, RawHttp.Get("/ocpi/versions", headers));
        Assert.Equal(431, answer.Status);
        Envelope(answer.Body, 2000);
    }

    [Fact]
    public async Task Over_the_limits_on_the_operator_api_the_answer_is_its_error_object()
    {
        var answer = await RawHttp.SendAsync(_endpoint.BaseUri, RawHttp.Get("/operator/partners?q=" + new string('x', 20_000)));
        Assert.Equal(414, answer.Status);
        Assert.Contains("longer than", JsonNode.Parse(answer.Body)!["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/ocpi/%ZZ/versions")]
    [InlineData("/ocpi/2.2.1/../../ocpi/x")]
    [InlineData("/ocpi/%C0%AF")]
    [InlineData("/ocpi//2.2.1")]
    public async Task Odd_paths_under_ocpi_get_the_envelope(string target)
    {
        var answer = await RawHttp.SendAsync(_endpoint.BaseUri, RawHttp.Get(target));
        Assert.Equal(404, answer.Status);
        Envelope(answer.Body, 2000);
    }

    [Fact]
    public async Task A_declared_body_over_16_MiB_is_413_in_the_envelope_without_being_read()
    {
        var answer = await RawHttp.SendAsync(_endpoint.BaseUri,
            "POST /ocpi/2.2.1/credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 16777217\r\n\r\n");
        Assert.Equal(413, answer.Status);
        Envelope(answer.Body, 2000);
    }

    [Fact]
    public async Task A_chunked_body_over_16_MiB_is_413_in_the_envelope()
    {
        var chunk = Encoding.ASCII.GetBytes($"{1024 * 1024:x}\r\n" + new string(' ', 1024 * 1024) + "\r\n");
        var body = Enumerable.Repeat(chunk, 17).SelectMany(c => c).Concat(Encoding.ASCII.GetBytes("0\r\n\r\n")).ToArray();
        var answer = await RawHttp.SendAsync(_endpoint.BaseUri,
            "POST /ocpi/2.2.1/credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", body);
        Assert.Equal(413, answer.Status);
        Envelope(answer.Body, 2000);
    }

    [Fact]
    public async Task A_chunked_body_within_the_limit_reaches_the_core_whole()
    {
        var json = Fixtures.Location("CH1", evses: 30).ToJsonString();
        using var request = _endpoint.Operator(HttpMethod.Put, "/operator/locations/NL/CPO/CH1");
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        request.Headers.TransferEncodingChunked = true;
        using var response = await _endpoint.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(30, (await _endpoint.OperatorAsync(HttpMethod.Get, "/operator/locations/NL/CPO/CH1"))["evses"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_malformed_chunked_body_is_400_in_the_envelope()
    {
        var answer = await RawHttp.SendAsync(_endpoint.BaseUri,
            "POST /ocpi/2.2.1/credentials HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nnot a chunk\r\n0\r\n\r\n");
        Assert.Equal(400, answer.Status);
        Envelope(answer.Body, 2000);
    }

    [Fact]
    public async Task Head_and_options_reach_the_core_which_answers_405()
    {
        using var head = await _endpoint.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/ocpi/versions"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        var (status, body, _) = await _endpoint.OcpiAsync(HttpMethod.Options, "/ocpi/versions", null);
        Assert.Equal(405, status);
        Envelope(body.ToJsonString(), 2000);
    }

    [Theory]
    [InlineData("/ocpi/versions?q=LONG", 414)]
    [InlineData("/ocpi/%00", 400)]
    [InlineData("/ocpi/a b", 400)]
    [InlineData("ocpi/versions", 400)]
    public async Task What_kestrel_cannot_parse_or_holds_too_large_never_reaches_the_app_and_is_answered_bare(string target, int status)
    {
        // The documented edge of the envelope: a request line beyond Kestrel's ceiling (8 times the adapter's limit)
        // or one Kestrel cannot parse is answered by Kestrel before any application code runs, so there is no path
        // to go by; Kestrel's answers cannot be given a body. In Azure the Functions front end answers these.
        var answer = await RawHttp.SendAsync(_endpoint.BaseUri, RawHttp.Get(target.Replace("LONG", new string('x', 100_000))));
        Assert.Equal(status, answer.Status);
        Assert.Equal("", answer.Body);
    }

    [Fact]
    public async Task A_query_between_the_adapters_limit_and_kestrels_ceiling_is_414_in_the_envelope()
    {
        var answer = await RawHttp.SendAsync(_endpoint.BaseUri, RawHttp.Get("/ocpi/versions?q=" + new string('x', 60_000)));
        Assert.Equal(414, answer.Status);
        Envelope(answer.Body, 2000);
    }
}

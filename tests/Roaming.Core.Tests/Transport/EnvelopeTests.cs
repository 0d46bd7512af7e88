using System.Net;
using System.Text.Json;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Core.Tests.Transport;

public class EnvelopeTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Success_carries_data_status_code_and_timestamp()
    {
        var result = OcpiResult.Ok(new List<VersionInfo> { new() { Version = "2.2.1", Url = "https://x.example.com/2.2.1" } }, VersionsJson.Default.ListVersionInfo);
        using var doc = JsonDocument.Parse(result.WriteBody(Now));
        var root = doc.RootElement;
        Assert.Equal(1000, root.GetProperty("status_code").GetInt32());
        Assert.Equal("2026-01-02T03:04:05Z", root.GetProperty("timestamp").GetString());
        Assert.Equal("2.2.1", root.GetProperty("data")[0].GetProperty("version").GetString());
        Assert.False(root.TryGetProperty("status_message", out _));
        Assert.Equal(HttpStatusCode.OK, result.HttpStatus);
    }

    [Fact]
    public void An_error_has_no_data_field()
    {
        var result = OcpiResult.From(new InvalidParametersException([new FieldError("type", "required")]));
        using var doc = JsonDocument.Parse(result.WriteBody(Now));
        Assert.False(doc.RootElement.TryGetProperty("data", out _));
        Assert.Equal(2001, doc.RootElement.GetProperty("status_code").GetInt32());
        Assert.Equal("Invalid or missing parameters: type: required", doc.RootElement.GetProperty("status_message").GetString());
    }

    [Fact]
    public void Content_errors_are_http_200_and_only_a_body_that_is_not_json_is_400()
    {
        // status_codes: a request that is JSON, authenticated and addressed to an existing resource must not get an HTTP error.
        var content = new InvalidParametersException([new FieldError("type", "required")]);
        Assert.Equal(HttpStatusCode.OK, OcpiResult.From(content).HttpStatus);
        var notJson = InvalidParametersException.NotJson("malformed JSON");
        Assert.Equal(HttpStatusCode.BadRequest, OcpiResult.From(notJson).HttpStatus);
        Assert.Equal(2001, notJson.StatusCode);
        // The operator API has no envelope: invalid input stays 400 there, either way.
        Assert.Equal(HttpStatusCode.BadRequest, content.OperatorHttpStatus);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.OperatorHttpStatus);
        Assert.Equal(HttpStatusCode.BadGateway, new Credentials.RegistrationException(3001, "partner down").OperatorHttpStatus);
    }

    [Theory]
    [InlineData(typeof(UnauthorizedException), 401, 2000)]
    [InlineData(typeof(NotFoundException), 404, 2000)]
    [InlineData(typeof(MethodNotAllowedException), 405, 2000)]
    public void Exceptions_map_to_the_http_status(Type type, int http, int status)
    {
        var e = (OcpiException)Activator.CreateInstance(type, type == typeof(NotFoundException) ? ["x", OcpiStatus.ClientError] : ["x"])!;
        Assert.Equal(http, (int)e.HttpStatus);
        Assert.Equal(status, e.StatusCode);
    }

    [Theory]
    [InlineData(1000, true)]
    [InlineData(1999, true)]
    [InlineData(2001, false)]
    [InlineData(3002, false)]
    [InlineData(999, false)]
    public void Success_range(int code, bool success) => Assert.Equal(success, OcpiStatus.IsSuccess(code));

    [Fact]
    public void Plain_results_are_the_data_alone()
    {
        var result = OcpiResult.Json(new List<VersionInfo>(), VersionsJson.Default.ListVersionInfo);
        Assert.Equal("[]", System.Text.Encoding.UTF8.GetString(result.WriteBody(Now).Span));
    }
}

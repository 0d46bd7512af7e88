using System.Net;
using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Transport;

/// <summary>How outbound calls treat what partners answer: redirects, the token encoding, what is worth retrying.</summary>
public class PartnerCallTests
{
    /// <summary>Answers each request from a script and records what it was sent (a partner on the other side of the handler).</summary>
    private sealed class Scripted(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<(HttpMethod Method, Uri Uri, string? Authorization, string? Body)> Sent { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Sent.Add((request.Method, request.RequestUri!, request.Headers.Authorization?.ToString(),
                request.Content is null ? null : await request.Content.ReadAsStringAsync(ct)));
            return answers[Math.Min(Sent.Count - 1, answers.Length - 1)](request);
        }
    }

    private static Func<HttpRequestMessage, HttpResponseMessage> Redirect(int status, string location) =>
        _ => new HttpResponseMessage((HttpStatusCode)status) { Headers = { Location = new Uri(location, UriKind.RelativeOrAbsolute) } };

    private static readonly Func<HttpRequestMessage, HttpResponseMessage> Ok = _ => new HttpResponseMessage(HttpStatusCode.OK);

    private static (HttpClient, Scripted) Client(params Func<HttpRequestMessage, HttpResponseMessage>[] answers)
    {
        var partner = new Scripted(answers);
        return (new HttpClient(new SameOriginRedirects { InnerHandler = partner }), partner);
    }

    private static HttpRequestMessage Post(string url) => new(HttpMethod.Post, url)
    {
        Content = new StringContent("{\"token\":\"b\"}"),
        Headers = { { "Authorization", "Token abc" } },
    };

    [Fact]
    public async Task A_trailing_slash_redirect_is_followed_with_method_body_and_token()
    {
        var (http, partner) = Client(Redirect(308, "/ocpi/credentials/"), Ok);
        using var response = await http.SendAsync(Post("https://p.example.com/ocpi/credentials"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var second = partner.Sent[1];
        Assert.Equal((HttpMethod.Post, "https://p.example.com/ocpi/credentials/", "Token abc", "{\"token\":\"b\"}"),
            (second.Method, second.Uri.ToString(), second.Authorization, second.Body));
    }

    [Theory]
    [InlineData(307, "https://other.example.com/ocpi/credentials/", "same scheme, host and port")]
    [InlineData(307, "http://p.example.com/ocpi/credentials/", "same scheme, host and port")]
    [InlineData(307, "https://p.example.com:8443/ocpi/credentials/", "same scheme, host and port")]
    [InlineData(302, "/ocpi/credentials/", "would turn the POST into a GET")]
    public async Task A_redirect_elsewhere_is_refused_and_named(int status, string location, string why)
    {
        var (http, partner) = Client(Redirect(status, location), Ok);
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(Post("https://p.example.com/ocpi/credentials")));

        Assert.Contains("redirect to " + new Uri(new Uri("https://p.example.com/ocpi/credentials"), location).GetLeftPart(UriPartial.Path), e.Message);
        Assert.Contains(why, e.Message);
        Assert.Equal((HttpStatusCode)status, e.StatusCode);
        Assert.Single(partner.Sent);
    }

    [Fact]
    public async Task A_301_of_a_GET_is_followed_but_not_more_than_twice()
    {
        var (http, partner) = Client(Redirect(301, "/a/"), Redirect(302, "/b/"), Redirect(307, "/c/"), Ok);
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("https://p.example.com/x"));

        Assert.Contains("more than 2 redirects", e.Message);
        Assert.Equal(3, partner.Sent.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, 2001, false)]
    [InlineData(HttpStatusCode.NotFound, 2003, false)]
    [InlineData(HttpStatusCode.OK, 4001, false)]
    [InlineData(HttpStatusCode.BadRequest, null, false)]
    [InlineData(HttpStatusCode.PermanentRedirect, null, false)]
    [InlineData(HttpStatusCode.OK, 3000, true)]
    [InlineData(HttpStatusCode.OK, 4003, true)]
    [InlineData(HttpStatusCode.Unauthorized, 2000, true)]
    [InlineData(HttpStatusCode.Unauthorized, null, true)]
    [InlineData(HttpStatusCode.TooManyRequests, null, true)]
    [InlineData(HttpStatusCode.BadGateway, null, true)]
    [InlineData(null, null, true)]
    public void Only_answers_that_may_change_are_retried(HttpStatusCode? http, int? ocpi, bool retryable) =>
        Assert.Equal(retryable, new PartnerCallException("x", http, ocpi).IsRetryable());

    [Fact]
    public async Task A_401_is_tried_once_with_the_other_encoding_and_what_worked_is_told()
    {
        var tried = new List<bool>();
        PartnerToken? worked = null;
        var result = await TokenEncoding.CallAsync(new PartnerToken("t", Base64: true), true, token =>
        {
            tried.Add(token.Base64);
            return token.Base64 ? throw new PartnerCallException("401", HttpStatusCode.Unauthorized) : Task.FromResult("ok");
        }, token => { worked = token; return Task.CompletedTask; });

        Assert.Equal("ok", result);
        Assert.Equal([true, false], tried);
        Assert.False(worked!.Value.Base64);
    }

    [Fact]
    public async Task When_neither_encoding_opens_it_the_first_refusal_stands_and_a_fixed_encoding_is_not_retried()
    {
        var calls = 0;
        var e = await Assert.ThrowsAsync<PartnerCallException>(() => TokenEncoding.CallAsync<string>(new PartnerToken("t"), true,
            token => throw new PartnerCallException(token.Base64 ? "first" : "second", HttpStatusCode.Unauthorized)));
        Assert.Equal("first", e.Message);

        await Assert.ThrowsAsync<PartnerCallException>(() => TokenEncoding.CallAsync<string>(new PartnerToken("t"), false, _ =>
        {
            calls++;
            throw new PartnerCallException("401", HttpStatusCode.Unauthorized);
        }));
        Assert.Equal(1, calls);
    }
}

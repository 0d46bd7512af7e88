using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Transport;

public class AuthorizationHeaderTests
{
    [Fact]
    public void Base64_token_is_decoded_first_and_raw_offered_second()
    {
        var header = AuthorizationHeader.Format("example-token", base64: true);
        Assert.Equal("Token ZXhhbXBsZS10b2tlbg==", header);
        var candidates = AuthorizationHeader.Candidates(header);
        Assert.Equal(new AuthorizationHeader.Candidate("example-token", true), candidates[0]);
        Assert.Equal(new AuthorizationHeader.Candidate("ZXhhbXBsZS10b2tlbg==", false), candidates[1]);
    }

    [Fact]
    public void The_trailing_newline_of_an_encoded_token_is_dropped()
    {
        // "example-token\n", as a shell's echo would encode it.
        var candidates = AuthorizationHeader.Candidates("Token ZXhhbXBsZS10b2tlbgo=");
        Assert.Equal("example-token", candidates[0].Token);
    }

    [Fact]
    public void A_raw_token_that_is_not_base64_is_the_only_candidate()
    {
        var candidates = AuthorizationHeader.Candidates("Token abc-def_ghi");
        Assert.Equal([new AuthorizationHeader.Candidate("abc-def_ghi", false)], candidates);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Token")]
    [InlineData("Token ")]
    [InlineData("Bearer abc")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public void Anything_else_has_no_candidate(string? header) => Assert.Empty(AuthorizationHeader.Candidates(header));

    [Fact]
    public void The_literal_is_case_insensitive() => Assert.NotEmpty(AuthorizationHeader.Candidates("token abc"));

    [Fact]
    public void Raw_format_writes_the_token_as_is() => Assert.Equal("Token abc", AuthorizationHeader.Format("abc", base64: false));
}

using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Transport;

public class PaginationTests
{
    [Fact]
    public void Defaults_to_offset_zero_and_the_server_maximum()
    {
        var page = PageRequest.Parse("", 100);
        Assert.Equal((0, 100, null, null), (page.Offset, page.Limit, page.DateFrom, page.DateTo));
    }

    [Fact]
    public void A_limit_above_the_maximum_is_lowered_and_X_Limit_says_so()
    {
        var page = PageRequest.Parse("?limit=2000", 100);
        Assert.Equal(100, page.Limit);
        var result = page.AddHeaders(OcpiResult.Ok(), "https://x.example.com/ocpi/cpo/2.2.1/cdrs", 100, 500, "cursor");
        Assert.Contains(new KeyValuePair<string, string>("X-Limit", "100"), result.Headers);
        Assert.Contains(new KeyValuePair<string, string>("X-Total-Count", "500"), result.Headers);
        Assert.Contains(result.Headers, h => h.Key == "Link" && h.Value.StartsWith("<https://x.example.com/ocpi/cpo/2.2.1/cdrs?offset=100&limit=100&page_token=", StringComparison.Ordinal));
    }

    [Fact]
    public void The_next_link_follows_the_store_not_a_total_counted_earlier()
    {
        var page = PageRequest.Parse("?offset=100&limit=100", 100);
        // Objects created during the crawl: the total said 150, but the store saw more rows after this page.
        Assert.Contains(page.AddHeaders(OcpiResult.Ok(), "https://x.example.com/l", 100, 150, "more").Headers, h => h.Key == "Link");
        // The store saw no more rows: no Link, whatever the total says.
        Assert.DoesNotContain(page.AddHeaders(OcpiResult.Ok(), "https://x.example.com/l", 100, 5000, null).Headers, h => h.Key == "Link");
    }

    [Fact]
    public void The_next_link_keeps_the_filters()
    {
        var page = PageRequest.Parse("?date_from=2016-01-01T00:00:00Z&date_to=2016-12-31T23:59:59Z&offset=50&limit=50", 100);
        var link = page.NextLink("https://x.example.com/cdrs", 50, null);
        Assert.Equal("<https://x.example.com/cdrs?offset=100&limit=50&date_from=2016-01-01T00%3A00%3A00Z&date_to=2016-12-31T23%3A59%3A59Z>; rel=\"next\"", link);
    }

    [Fact]
    public void The_last_page_has_no_link()
    {
        var result = PageRequest.Parse("?offset=90&limit=10", 100).AddHeaders(OcpiResult.Ok(), "https://x.example.com/cdrs", 10, 100, null);
        Assert.DoesNotContain(result.Headers, h => h.Key == "Link");
    }

    [Fact]
    public void A_continuation_is_used_only_for_the_offset_it_was_made_for()
    {
        var first = PageRequest.Parse("?limit=10", 100);
        var link = first.NextLink("https://x.example.com/l", 10, "storage-cursor");
        var query = link[(link.IndexOf('?'))..link.IndexOf('>')];
        Assert.Equal("storage-cursor", PageRequest.Parse(query, 100).Continuation);
        Assert.Null(PageRequest.Parse(query.Replace("offset=10", "offset=20"), 100).Continuation);
        Assert.Null(PageRequest.Parse("?offset=10&page_token=%%%garbage", 100).Continuation);
    }

    [Theory]
    [InlineData("?offset=-1", "offset")]
    [InlineData("?limit=abc", "limit")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?date_from=yesterday", "date_from")]
    [InlineData("?date_to=2016-01-01T00:00:00%2B15:00", "date_to")]
    public void Bad_parameters_are_2001_naming_them(string query, string field)
    {
        var e = Assert.Throws<InvalidParametersException>(() => PageRequest.Parse(query, 100));
        Assert.Equal(field, Assert.Single(e.Errors).Field);
    }

    [Theory]
    [InlineData("?date_from=2016-01-01T01:00:00%2B01:00")] // escaped, as it should be
    [InlineData("?date_from=2016-01-01T01:00:00+01:00")]   // an unescaped '+' arrives as a space
    [InlineData("?date_from=2016-01-01%2001:00:00%2B01:00")]
    [InlineData("?date_from=2016-01-01T00:00:00.000000000z")]
    public void Query_dates_are_read_as_partners_send_them(string query) =>
        Assert.Equal(new DateTimeOffset(2016, 1, 1, 0, 0, 0, TimeSpan.Zero), PageRequest.Parse(query, 100).DateFrom);

    [Fact]
    public void The_largest_offset_does_not_overflow_into_a_next_page()
    {
        var page = PageRequest.Parse("?offset=2147483647&limit=100", 100);
        Assert.False(PageRequest.HasNext(0, null));
        Assert.DoesNotContain("offset=-", page.NextLink("https://x.example.com/l", 100, null));
    }
}

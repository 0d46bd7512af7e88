using System.Globalization;
using System.Text;
using System.Web;

namespace Roaming.Core.Transport;

/// <summary>
/// A paginated GET (transport_and_format, pagination): offset/limit, date_from (inclusive) and date_to
/// (exclusive) on last_updated. <see cref="Continuation"/> is an opaque storage cursor carried in the next
/// link (page_token) so a deep page costs what the first costs; it is used only when the offset it was made
/// for is the offset asked for, so a client that edits the link still gets the right page.
/// </summary>
public sealed record PageRequest(int Offset, int Limit, DateTimeOffset? DateFrom, DateTimeOffset? DateTo, string? Continuation)
{
    public const string PageTokenParameter = "page_token";

    public static PageRequest Parse(string queryString, int maxLimit)
    {
        var q = HttpUtility.ParseQueryString(queryString);
        var offset = ParseInt(q["offset"], "offset", 0);
        var limit = ParseInt(q["limit"], "limit", maxLimit);
        if (limit == 0) throw new InvalidParametersException([new FieldError("limit", "must be at least 1")]);
        DateTimeOffset? from = q["date_from"] is { } f ? OcpiDateTime.Parse(f, "date_from") : null;
        DateTimeOffset? to = q["date_to"] is { } t ? OcpiDateTime.Parse(t, "date_to") : null;
        return new PageRequest(offset, Math.Min(limit, maxLimit), from, to, DecodeToken(q[PageTokenParameter], offset));
    }

    /// <summary>The Link header to the next page; it keeps the request's filters, as the spec asks.</summary>
    public string NextLink(string absolutePath, int returned, string? continuation)
    {
        // In long: offset=2147483647 plus a page must not wrap around to a negative offset.
        var next = Math.Min((long)Offset + returned, int.MaxValue);
        var sb = new StringBuilder("<").Append(absolutePath)
            .Append("?offset=").Append(next.ToString(CultureInfo.InvariantCulture))
            .Append("&limit=").Append(Limit.ToString(CultureInfo.InvariantCulture));
        if (DateFrom is { } f) sb.Append("&date_from=").Append(Uri.EscapeDataString(OcpiDateTime.Format(f)));
        if (DateTo is { } t) sb.Append("&date_to=").Append(Uri.EscapeDataString(OcpiDateTime.Format(t)));
        if (continuation is not null) sb.Append('&').Append(PageTokenParameter).Append('=').Append(EncodeToken((int)next, continuation));
        return sb.Append(">; rel=\"next\"").ToString();
    }

    /// <summary>Sets X-Total-Count, X-Limit and, unless this is the last page, Link.</summary>
    /// <param name="continuation">the store's cursor to the next page; null when it saw no more rows</param>
    public OcpiResult AddHeaders(OcpiResult result, string absolutePath, int returned, int totalCount, string? continuation)
    {
        result.WithHeader(OcpiHeaders.TotalCount, totalCount.ToString(CultureInfo.InvariantCulture));
        result.WithHeader(OcpiHeaders.Limit, Limit.ToString(CultureInfo.InvariantCulture));
        if (HasNext(returned, continuation)) result.WithHeader(OcpiHeaders.Link, NextLink(absolutePath, returned, continuation));
        return result;
    }

    /// <summary>
    /// Whether objects remain: the store saw more rows after the page. A total counted earlier is no guide: objects
    /// created during a crawl would cut it short, and a receiver that takes the pages as the truth would delete the tail.
    /// </summary>
    public static bool HasNext(int returned, string? continuation) => returned > 0 && continuation is not null;

    private static int ParseInt(string? text, string field, int fallback)
    {
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new InvalidParametersException([new FieldError(field, "must be a non-negative whole number")]);
        return value;
    }

    private static string EncodeToken(int offset, string continuation) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{offset.ToString(CultureInfo.InvariantCulture)}|{continuation}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? DecodeToken(string? token, int offset)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096) return null;
        try
        {
            var b64 = token.Replace('-', '+').Replace('_', '/');
            b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            var bar = text.IndexOf('|');
            if (bar <= 0) return null;
            return int.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var madeFor) && madeFor == offset
                ? text[(bar + 1)..]
                : null;
        }
        catch (FormatException)
        {
            return null; // a mangled token only costs the shortcut, never the answer
        }
    }
}

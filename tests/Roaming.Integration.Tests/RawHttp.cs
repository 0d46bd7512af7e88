using System.Net.Sockets;
using System.Text;

namespace Roaming.Integration.Tests;

/// <summary>
/// Writes a request byte for byte over a TCP connection and reads the answer: for requests HttpClient refuses to
/// send (odd request targets, oversized lines and headers, bodies longer than they say).
/// </summary>
public static class RawHttp
{
    public sealed record Answer(int Status, string Head, string Body);

    public static async Task<Answer> SendAsync(Uri server, string head, byte[]? body = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(head));
        try
        {
            if (body is not null) await stream.WriteAsync(body);
        }
        catch (IOException)
        {
            // The server answered and closed before taking the whole body; the answer is still to be read.
        }
        using var reader = new MemoryStream();
        try { await stream.CopyToAsync(reader); }
        catch (IOException) { /* a reset after the answer */ }
        var text = Encoding.UTF8.GetString(reader.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, "no HTTP answer: " + text);
        var status = int.Parse(text.Split(' ', 3)[1]);
        return new Answer(status, text[..split], text[(split + 4)..]);
    }

    /// <summary>A GET with <c>Connection: close</c>, so the server ends the connection after its answer.</summary>
    public static string Get(string target, string extraHeaders = "") =>
        $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extraHeaders}\r\n";
}

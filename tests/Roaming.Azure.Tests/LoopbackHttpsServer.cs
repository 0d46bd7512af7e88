using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Roaming.Azure.Tests;

/// <summary>
/// A Kestrel HTTPS server on 127.0.0.1 and an ephemeral port, for one test. It stops when disposed, and
/// on its own after a few minutes should a test hang, so no server outlives the run.
/// </summary>
internal sealed class LoopbackHttpsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _lifetime = new(TimeSpan.FromMinutes(3));

    private LoopbackHttpsServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        _lifetime.Token.Register(() => _ = _app.StopAsync());
    }

    public Uri Address { get; }

    public static async Task<LoopbackHttpsServer> StartAsync(X509Certificate2 serverCertificate, RequestDelegate handler,
        Action<HttpsConnectionAdapterOptions>? configureHttps = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = serverCertificate;
            https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            configureHttps?.Invoke(https);
        })));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new LoopbackHttpsServer(app, new Uri(address.Replace("[::]", "127.0.0.1") + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _lifetime.Dispose();
    }
}

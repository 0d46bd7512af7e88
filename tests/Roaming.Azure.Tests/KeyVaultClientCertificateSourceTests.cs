using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Azure.Core.Pipeline;
using Azure.Security.KeyVault.Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Roaming.Azure.KeyVault;
using Roaming.Core.Transport;

namespace Roaming.Azure.Tests;

/// <summary>
/// The Key Vault certificate source through the real Azure SDK (Azure.Security.KeyVault.Certificates). Key Vault
/// has no emulator here, so a loopback HTTPS server answering the REST calls the SDK makes stands in for it
/// (see <see cref="KeyVaultStandIn"/>); only the test trusts that server's self-signed certificate.
/// </summary>
public sealed class KeyVaultClientCertificateSourceTests : IAsyncLifetime
{
    private const string Name = "ocpi-client";
    private readonly X509Certificate2 _serverCertificate = TestCertificates.LoopbackServer();
    private readonly X509Certificate2 _first = TestCertificates.Client("CN=roaming-client v1");
    private readonly CapturingLoggerProvider _logs = new();
    private readonly StandInCredential _credential = new();
    private KeyVaultStandIn _vault = null!;
    private LoopbackHttpsServer _server = null!;

    public async Task InitializeAsync()
    {
        _vault = new KeyVaultStandIn(Name, _first);
        _server = await LoopbackHttpsServer.StartAsync(_serverCertificate, _vault.HandleAsync);
        _vault.VaultUri = _server.Address;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private void ConfigureClient(CertificateClientOptions options)
    {
        // The stand-in answers for 127.0.0.1, not *.vault.azure.net, so the challenge's resource cannot match the host.
        options.DisableChallengeResourceVerification = true;
        options.Retry.MaxRetries = 0;
        var trustLoopback = new HttpClientHandler
        {
            // Test only: trust exactly the stand-in's own certificate (pinned), nothing else.
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == _serverCertificate.Thumbprint,
        };
        options.Transport = new HttpClientTransport(trustLoopback);
    }

    private KeyVaultClientCertificateSource CreateSource(TimeSpan refresh)
    {
        var options = new CertificateClientOptions();
        ConfigureClient(options);
        var client = new CertificateClient(_server.Address, _credential, options);
        return new KeyVaultClientCertificateSource(client, Name, refresh, new LoggerFactory([_logs]).CreateLogger<KeyVaultClientCertificateSource>());
    }

    [Fact]
    public async Task Downloads_the_current_version_with_its_private_key_after_the_bearer_challenge()
    {
        var source = CreateSource(TimeSpan.FromMinutes(5));

        Assert.True(await source.RefreshAsync(CancellationToken.None));

        var current = Assert.IsType<X509Certificate2>(source.Current);
        Assert.Equal(_first.Thumbprint, current.Thumbprint);
        Assert.True(current.HasPrivateKey);
        Assert.Equal(_vault.CurrentVersion, source.CurrentVersion);
        Assert.Empty(_vault.Unexpected);
        Assert.StartsWith("GET /certificates/ocpi-client anonymous", _vault.Requests.First());
        Assert.Contains($"GET /secrets/ocpi-client/{_vault.CurrentVersion} bearer", _vault.Requests);
        Assert.True(_credential.Requests >= 1);
    }

    [Fact]
    public async Task A_certificate_stored_as_PEM_comes_with_its_private_key_too()
    {
        var pemVault = new KeyVaultStandIn(Name, _first) { Pem = true };
        await using var server = await LoopbackHttpsServer.StartAsync(_serverCertificate, pemVault.HandleAsync);
        pemVault.VaultUri = server.Address;
        var options = new CertificateClientOptions();
        ConfigureClient(options);
        var source = new KeyVaultClientCertificateSource(new CertificateClient(server.Address, _credential, options), Name, TimeSpan.FromMinutes(5),
            new LoggerFactory([_logs]).CreateLogger<KeyVaultClientCertificateSource>());

        Assert.True(await source.RefreshAsync(CancellationToken.None));

        Assert.Equal(_first.Thumbprint, source.Current!.Thumbprint);
        Assert.True(source.Current.HasPrivateKey);
        Assert.Empty(pemVault.Unexpected);
    }

    [Fact]
    public async Task Does_not_download_again_while_the_version_is_unchanged()
    {
        var source = CreateSource(TimeSpan.FromMinutes(5));
        Assert.True(await source.RefreshAsync(CancellationToken.None));
        var secretReads = _vault.Requests.Count(r => r.StartsWith("GET /secrets/", StringComparison.Ordinal));

        Assert.True(await source.RefreshAsync(CancellationToken.None));

        Assert.Equal(secretReads, _vault.Requests.Count(r => r.StartsWith("GET /secrets/", StringComparison.Ordinal)));
        Assert.Equal(_first.Thumbprint, source.Current!.Thumbprint);
    }

    [Fact]
    public async Task Keeps_the_last_good_certificate_when_the_vault_fails_and_logs_it()
    {
        var source = CreateSource(TimeSpan.FromMinutes(5));
        Assert.True(await source.RefreshAsync(CancellationToken.None));
        _vault.Rotate(TestCertificates.Client("CN=roaming-client v2"));
        _vault.Failing = true;

        Assert.False(await source.RefreshAsync(CancellationToken.None));

        Assert.Equal(_first.Thumbprint, source.Current!.Thumbprint);
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("still presenting", StringComparison.Ordinal) && e.Exception is not null);
    }

    [Fact]
    public async Task A_renewed_certificate_is_picked_up_within_the_refresh_interval_without_a_restart()
    {
        var refresh = TimeSpan.FromSeconds(1);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Roaming:ClientCertificate:KeyVaultUri"] = _server.Address.ToString(),
            ["Roaming:ClientCertificate:CertificateName"] = Name,
            ["Roaming:ClientCertificate:RefreshInterval"] = refresh.ToString(),
        }).Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddProvider(_logs))
            .AddClientCertificates(configuration, ConfigureClient, _credential);
        await using var provider = services.BuildServiceProvider();
        var source = provider.GetRequiredService<IClientCertificateSource>();
        var hosted = Assert.Single(provider.GetServices<IHostedService>());
        Assert.IsType<KeyVaultClientCertificateSource>(source);

        await hosted.StartAsync(CancellationToken.None);
        try
        {
            await WaitUntil(() => source.Current?.Thumbprint == _first.Thumbprint, TimeSpan.FromSeconds(10));

            var renewed = TestCertificates.Client("CN=roaming-client v2");
            _vault.Rotate(renewed);
            var clock = Stopwatch.StartNew();
            await WaitUntil(() => source.Current?.Thumbprint == renewed.Thumbprint, TimeSpan.FromSeconds(10));

            // One refresh interval, plus slack for a loaded CI machine; a missing refresh loop never gets here.
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, refresh + TimeSpan.FromSeconds(3));
            Assert.True(source.Current!.HasPrivateKey);
            Assert.Empty(_vault.Unexpected);
        }
        finally
        {
            await hosted.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Key_Vault_is_chosen_over_a_file_and_neither_means_no_certificate()
    {
        static ServiceProvider Build(Dictionary<string, string?> settings) =>
            new ServiceCollection().AddLogging()
                .AddClientCertificates(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
                .BuildServiceProvider();

        using var none = Build(new() { ["Roaming:ClientCertificate:KeyVaultUri"] = "https://kv-example.vault.azure.net/", ["Roaming:ClientCertificate:CertificateName"] = "" });
        Assert.Null(none.GetService<IClientCertificateSource>());

        using var vault = Build(new()
        {
            ["Roaming:ClientCertificate:KeyVaultUri"] = "https://kv-example.vault.azure.net/",
            ["Roaming:ClientCertificate:CertificateName"] = Name,
            ["Roaming:ClientCertificate:ManagedIdentityClientId"] = "00000000-0000-0000-0000-000000000001",
            ["Roaming:ClientCertificate:Path"] = "/nonexistent.pfx",
        });
        Assert.IsType<KeyVaultClientCertificateSource>(vault.GetRequiredService<IClientCertificateSource>());

        Assert.Throws<InvalidOperationException>(() => Build(new() { ["Roaming:ClientCertificate:CertificateName"] = Name }));
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException($"Condition not met within {timeout}.");
            await Task.Delay(20);
        }
    }
}

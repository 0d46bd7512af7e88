using System.Security.Cryptography.X509Certificates;
using Azure.Security.KeyVault.Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Roaming.Core.Transport;

namespace Roaming.Azure.KeyVault;

/// <summary>
/// The client certificate presented to partners, from Key Vault (certificate with its private key, read with
/// the app's managed identity). A background loop looks for a new current version every refresh interval,
/// so a renewed certificate is presented without a restart; a failed refresh keeps the last good
/// certificate and is logged, so a Key Vault outage does not stop partner calls.
/// </summary>
public sealed class KeyVaultClientCertificateSource : BackgroundService, IClientCertificateSource
{
    private readonly CertificateClient _client;
    private readonly string _certificateName;
    private readonly TimeSpan _refreshInterval;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private volatile Loaded? _current;

    private sealed record Loaded(X509Certificate2 Certificate, string Version);

    public KeyVaultClientCertificateSource(CertificateClient client, string certificateName, TimeSpan refreshInterval,
        ILogger<KeyVaultClientCertificateSource> logger, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(certificateName);
        if (refreshInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(refreshInterval));
        _client = client;
        _certificateName = certificateName;
        _refreshInterval = refreshInterval;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Null until the first successful read (no certificate is presented then).</summary>
    public X509Certificate2? Current => _current?.Certificate;

    /// <summary>The Key Vault version of <see cref="Current"/>.</summary>
    public string? CurrentVersion => _current?.Version;

    /// <summary>Reads the current version from the vault; downloads it (with its key) only when it changed. False when the read failed.</summary>
    public async Task<bool> RefreshAsync(CancellationToken ct)
    {
        try
        {
            KeyVaultCertificateWithPolicy latest = await _client.GetCertificateAsync(_certificateName, ct).ConfigureAwait(false);
            var version = latest.Properties.Version;
            if (_current is { } loaded && loaded.Version == version) return true;

            X509Certificate2 certificate = await _client.DownloadCertificateAsync(
                new DownloadCertificateOptions(_certificateName) { Version = version }, ct).ConfigureAwait(false);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new InvalidOperationException($"Key Vault certificate {_certificateName} version {version} came without its private key (is the key exportable?).");
            }
            var now = _time.GetUtcNow().UtcDateTime;
            if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
                _logger.LogWarning("Key Vault certificate {Name} version {Version} is outside its validity ({NotBefore:u} to {NotAfter:u}); partners may refuse it",
                    _certificateName, version, certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());
            // The previous certificate is not disposed: a handshake on another thread may still be using it.
            _current = new Loaded(certificate, version);
            _logger.LogInformation("Client certificate {Name} version {Version} ({Thumbprint}, expires {NotAfter:u}) loaded from Key Vault",
                _certificateName, version, certificate.Thumbprint, certificate.NotAfter.ToUniversalTime());
            return true;
        }
        // Any failure, not only the SDK's: an exception escaping the background loop would stop the whole host,
        // and a refresh failure must cost at most a stale certificate.
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            if (_current is { } kept)
                _logger.LogError(e, "Could not refresh client certificate {Name} from Key Vault; still presenting version {Version} ({Thumbprint})",
                    _certificateName, kept.Version, kept.Certificate.Thumbprint);
            else
                _logger.LogError(e, "Could not read client certificate {Name} from Key Vault; partner calls go without a client certificate until it can be read",
                    _certificateName);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var ok = await RefreshAsync(stoppingToken).ConfigureAwait(false);
            // Until a first certificate is in hand, retry sooner than the refresh interval.
            var wait = ok || _current is not null ? _refreshInterval : TimeSpan.FromTicks(Math.Min(_refreshInterval.Ticks, TimeSpan.FromSeconds(30).Ticks));
            try
            {
                await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

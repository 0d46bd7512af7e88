using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Roaming.Core.Transport;

/// <summary>
/// The client certificate from a local file (local runs): PKCS#12, or PEM certificate with its key. The file
/// is read when the source is created, so a wrong path or password fails loudly instead of silently sending no
/// certificate, and read again when it changes (checked at most once per refresh interval), so a replaced file is picked up
/// without a restart.
/// </summary>
public sealed class FileClientCertificateSource : IClientCertificateSource
{
    private readonly ClientCertificateOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private X509Certificate2 _current;
    private DateTime _loadedWriteTime;
    private DateTimeOffset _nextCheck;

    public FileClientCertificateSource(ClientCertificateOptions options, ILogger<FileClientCertificateSource> logger, TimeProvider? time = null)
    {
        if (!options.UsesFile) throw new ArgumentException("No certificate file configured.", nameof(options));
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _loadedWriteTime = File.GetLastWriteTimeUtc(options.Path!);
        _current = Load(options);
        _nextCheck = _time.GetUtcNow() + options.RefreshInterval;
        _logger.LogInformation("Client certificate {Thumbprint} (subject {Subject}, expires {NotAfter:u}) loaded from {Path}",
            _current.Thumbprint, _current.Subject, _current.NotAfter.ToUniversalTime(), options.Path);
    }

    public X509Certificate2? Current
    {
        get
        {
            var now = _time.GetUtcNow();
            if (now < _nextCheck) return _current;
            lock (_gate)
            {
                if (now < _nextCheck) return _current;
                _nextCheck = now + _options.RefreshInterval;
                ReloadIfChanged();
                return _current;
            }
        }
    }

    private void ReloadIfChanged()
    {
        try
        {
            var writeTime = File.GetLastWriteTimeUtc(_options.Path!);
            if (writeTime == _loadedWriteTime) return;
            var next = Load(_options);
            _loadedWriteTime = writeTime;
            // The previous certificate is not disposed: a handshake on another thread may still be using it.
            _current = next;
            _logger.LogInformation("Client certificate file {Path} changed; now presenting {Thumbprint} (expires {NotAfter:u})",
                _options.Path, next.Thumbprint, next.NotAfter.ToUniversalTime());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            _logger.LogError(e, "Could not reload the client certificate from {Path}; still presenting {Thumbprint}", _options.Path, _current.Thumbprint);
        }
    }

    /// <summary>Loads a PFX or a PEM pair and checks it carries a private key, which a client certificate needs.</summary>
    public static X509Certificate2 Load(ClientCertificateOptions options)
    {
        var path = options.Path ?? throw new ArgumentException("No certificate file configured.", nameof(options));
        var certificate = IsPem(path)
            ? FromPem(path, options.KeyPath ?? path, options.Password)
            : X509CertificateLoader.LoadPkcs12FromFile(path, options.Password);
        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"The client certificate in {path} has no private key.");
        }
        return certificate;
    }

    private static bool IsPem(string path)
    {
        Span<byte> head = stackalloc byte[64];
        using var file = File.OpenRead(path);
        var read = file.Read(head);
        return System.Text.Encoding.ASCII.GetString(head[..read]).Contains("-----BEGIN", StringComparison.Ordinal);
    }

    private static X509Certificate2 FromPem(string certificatePath, string keyPath, string? password)
    {
        using var pem = string.IsNullOrEmpty(password)
            ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath);
        // A PEM key is ephemeral; SslStream on Windows can only use a key that went through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}

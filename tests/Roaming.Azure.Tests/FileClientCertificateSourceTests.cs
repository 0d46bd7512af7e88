using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Roaming.Core.Transport;

namespace Roaming.Azure.Tests;

/// <summary>The local-run certificate file: loaded at creation, reloaded when replaced, the last good one kept when the new file is bad.</summary>
public sealed class FileClientCertificateSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("roaming-certfile-").FullName;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ManualTime _time = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private string WritePfx(X509Certificate2 certificate, DateTime writeTime)
    {
        var path = Path.Combine(_dir, "client.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, "secret"));
        File.SetLastWriteTimeUtc(path, writeTime);
        return path;
    }

    private FileClientCertificateSource Create(string path) =>
        new(new ClientCertificateOptions { Path = path, Password = "secret", RefreshInterval = TimeSpan.FromMinutes(1) },
            new LoggerFactory([_logs]).CreateLogger<FileClientCertificateSource>(), _time);

    [Fact]
    public void A_replaced_file_is_presented_after_the_refresh_interval_not_before()
    {
        using var first = TestCertificates.Client("CN=file v1");
        using var second = TestCertificates.Client("CN=file v2");
        var path = WritePfx(first, DateTime.UtcNow.AddMinutes(-10));
        var source = Create(path);
        Assert.Equal(first.Thumbprint, source.Current!.Thumbprint);

        WritePfx(second, DateTime.UtcNow);
        _time.Now += TimeSpan.FromSeconds(30);
        Assert.Equal(first.Thumbprint, source.Current!.Thumbprint);

        _time.Now += TimeSpan.FromSeconds(31);
        Assert.Equal(second.Thumbprint, source.Current!.Thumbprint);
        Assert.True(source.Current.HasPrivateKey);
    }

    [Fact]
    public void A_broken_replacement_keeps_the_last_good_certificate_and_is_logged()
    {
        using var first = TestCertificates.Client("CN=file v1");
        var path = WritePfx(first, DateTime.UtcNow.AddMinutes(-10));
        var source = Create(path);

        File.WriteAllText(path, "half-written");
        _time.Now += TimeSpan.FromMinutes(2);

        Assert.Equal(first.Thumbprint, source.Current!.Thumbprint);
        Assert.Contains(_logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("still presenting", StringComparison.Ordinal));
    }

    [Fact]
    public void A_certificate_without_its_private_key_is_refused_at_creation()
    {
        using var first = TestCertificates.Client("CN=file v1");
        var path = Path.Combine(_dir, "public-only.pem");
        File.WriteAllText(path, first.ExportCertificatePem());

        Assert.ThrowsAny<Exception>(() => Create(path));
    }

    [Fact]
    public void A_wrong_password_is_refused_at_creation()
    {
        using var first = TestCertificates.Client("CN=file v1");
        var path = WritePfx(first, DateTime.UtcNow);

        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() =>
            new FileClientCertificateSource(new ClientCertificateOptions { Path = path, Password = "wrong" },
                new LoggerFactory([_logs]).CreateLogger<FileClientCertificateSource>()));
    }
}

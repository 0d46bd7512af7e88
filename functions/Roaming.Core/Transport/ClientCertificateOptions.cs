namespace Roaming.Core.Transport;

/// <summary>
/// Where the TLS client certificate presented to partners comes from, section "Roaming:ClientCertificate"
/// (env: Roaming__ClientCertificate__KeyVaultUri, ...). Key Vault in Azure, a local file in local runs, or none.
/// </summary>
public sealed class ClientCertificateOptions
{
    public const string Section = "Roaming:ClientCertificate";

    /// <summary>The settings infra-bicep provides for the Key Vault source (a test checks the templates set them).</summary>
    public static readonly string[] DeploymentSettings =
    [
        $"{Section}:{nameof(KeyVaultUri)}", $"{Section}:{nameof(CertificateName)}",
        $"{Section}:{nameof(ManagedIdentityClientId)}", $"{Section}:{nameof(RefreshInterval)}",
    ];

    /// <summary>The vault, e.g. https://kv-ocpi.vault.azure.net/. Used together with <see cref="CertificateName"/>.</summary>
    public string? KeyVaultUri { get; set; }

    /// <summary>The Key Vault certificate (its current version, with private key). Empty: no Key Vault certificate.</summary>
    public string? CertificateName { get; set; }

    /// <summary>Client id of the user-assigned managed identity that reads the vault; empty: DefaultAzureCredential (az login locally).</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Local runs: a PKCS#12 (.pfx/.p12) file, or a PEM file holding the certificate (and the key unless <see cref="KeyPath"/> is set).</summary>
    public string? Path { get; set; }

    /// <summary>Local runs, PEM only: the private key file when it is separate from the certificate.</summary>
    public string? KeyPath { get; set; }

    /// <summary>Password of the PFX file or of an encrypted PEM key.</summary>
    public string? Password { get; set; }

    /// <summary>How often the source looks for a renewed certificate. A renewal is presented within this time plus the connection lifetime.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(15);

    public bool UsesKeyVault => !string.IsNullOrWhiteSpace(CertificateName);

    public bool UsesFile => !string.IsNullOrWhiteSpace(Path);

    public void Validate()
    {
        if (RefreshInterval < TimeSpan.FromSeconds(1) || RefreshInterval > TimeSpan.FromDays(1))
            throw new InvalidOperationException($"{Section}:RefreshInterval must be between 00:00:01 and 1.00:00:00.");
        if (UsesKeyVault && !Uri.TryCreate(KeyVaultUri, UriKind.Absolute, out _))
            throw new InvalidOperationException($"{Section}:CertificateName is set but {Section}:KeyVaultUri is not an absolute URL.");
        if (!UsesFile && !string.IsNullOrWhiteSpace(KeyPath))
            throw new InvalidOperationException($"{Section}:KeyPath is set without {Section}:Path.");
    }
}

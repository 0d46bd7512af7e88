using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Roaming.Azure;

/// <summary>
/// The storage account connection, named "Storage" the way the Functions runtime names connections, so the
/// queue triggers and this code read the same settings:
/// - a connection string in "Storage" (UseDevelopmentStorage=true locally, on Azurite), or
/// - identity-based: Storage__tableServiceUri and Storage__queueServiceUri, with Storage__credential=managedidentity
///   and Storage__clientId for a user-assigned identity (DefaultAzureCredential otherwise).
/// </summary>
public sealed class StorageConnection
{
    public const string Name = "Storage";

    /// <summary>The settings an identity-based deployment must provide (infra-bicep sets them; a test checks).</summary>
    public static readonly string[] IdentityBasedSettings =
        [$"{Name}:tableServiceUri", $"{Name}:queueServiceUri", $"{Name}:credential", $"{Name}:clientId"];

    private readonly string? _connectionString;
    private readonly Uri? _tableUri;
    private readonly Uri? _queueUri;
    private readonly TokenCredential? _credential;
    private readonly StorageOperations _operations;
    private readonly IConfigurationSection _retry;

    /// <summary>The settings section of the SDK's retry policy: MaxRetries, Delay, MaxDelay, Mode, NetworkTimeout.</summary>
    public const string RetrySection = "Roaming:StorageRetry";

    public StorageConnection(IConfiguration configuration, StorageOperations? operations = null)
    {
        _operations = operations ?? new StorageOperations();
        _retry = configuration.GetSection(RetrySection);
        var section = configuration.GetSection(Name);
        _connectionString = section.Value;
        if (!string.IsNullOrWhiteSpace(_connectionString)) return;
        if (Uri.TryCreate(section["tableServiceUri"], UriKind.Absolute, out var tables) && Uri.TryCreate(section["queueServiceUri"], UriKind.Absolute, out var queues))
        {
            _tableUri = tables;
            _queueUri = queues;
            var clientId = section["clientId"];
            _credential = string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
                ? new ManagedIdentityCredential(string.IsNullOrEmpty(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
                : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
            return;
        }
        throw new InvalidOperationException(
            "No storage connection: set 'Storage' to a connection string (UseDevelopmentStorage=true for Azurite), "
            + "or Storage__tableServiceUri and Storage__queueServiceUri for an identity-based connection.");
    }

    /// <param name="label">what its operations are counted under</param>
    public TableClient CreateTableClient(string tableName, string label)
    {
        var options = FailFast(new TableClientOptions());
        options.AddPolicy(_operations.Policy(label), HttpPipelinePosition.PerCall);
        return _connectionString is not null
            ? new TableClient(_connectionString, tableName, options)
            : new TableClient(_tableUri!, tableName, _credential!, options);
    }

    /// <param name="label">what its operations are counted under</param>
    public QueueClient CreateQueueClient(string queueName, string label)
    {
        // Base64 message bodies, as the Functions queue trigger expects them.
        var options = FailFast(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        options.AddPolicy(_operations.Policy(label), HttpPipelinePosition.PerCall);
        return _connectionString is not null
            ? new QueueClient(_connectionString, queueName, options)
            : new QueueClient(new Uri(_queueUri!.ToString().TrimEnd('/') + "/" + queueName), _credential!, options);
    }

    /// <summary>
    /// The SDK's own retry policy, tuned to give up soon: a request waiting on storage holds a partner's or the
    /// operator's call open, and an outage is better answered 503 with Retry-After at once than after the SDK's
    /// defaults (3 retries from 0.8 s doubling, 100 s per try). Still retried: a throttled or dropped request (twice,
    /// from 0.2 s). Each setting can be changed under Roaming:StorageRetry.
    /// </summary>
    private T FailFast<T>(T options) where T : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(4);
        _retry.Bind(options.Retry);
        return options;
    }
}

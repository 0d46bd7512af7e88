// The Function App on a Flex Consumption plan, running as the user-assigned identity. Every connection
// is identity-based (service URIs + client id); secrets are Key Vault references resolved by the platform
// with the same identity. The app settings live in their own config resource so the public base URL can be
// taken from the site's real host name.

param planName string
param appName string
param location string
param tags object
param identityId string
param identityClientId string
param storageBlobEndpoint string
param storageQueueEndpoint string
param storageTableEndpoint string
param deploymentContainerName string
param appInsightsConnectionString string
param keyVaultUri string
param tokenKeySecretName string
param operatorKeySecretName string
param clientCertificateName string
param clientCertificateRefreshInterval string
param publicBaseUrl string
param ownParties array
param enableInboundClientCertificates bool
param clientCertificateExclusionPaths string
@allowed(['1.2', '1.3'])
param minimumTlsVersion string
param maximumInstanceCount int
param instanceMemoryMB int
param dotnetVersion string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    keyVaultReferenceIdentity: identityId
    // Only 'Required' makes the front end run the TLS client-certificate handshake (proof of the private
    // key); 'Optional' would forward whatever certificate a caller claims.
    clientCertEnabled: enableInboundClientCertificates
    clientCertMode: 'Required'
    clientCertExclusionPaths: enableInboundClientCertificates && !empty(clientCertificateExclusionPaths) ? clientCertificateExclusionPaths : null
    siteConfig: {
      minTlsVersion: minimumTlsVersion
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // App Service does not request client certificates over HTTP/2, so mutual TLS needs HTTP/1.1.
      http20Enabled: !enableInboundClientCertificates
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }
}

// Publishing goes through Entra ID (az / func with a token), never through basic-auth FTP or SCM users.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

var baseUrl = empty(publicBaseUrl) ? 'https://${app.properties.defaultHostName}' : publicBaseUrl

// Parties after the first; the first is written out literally below so its names are checked by the tests.
var extraPartySettings = toObject(
  flatten(map(range(1, length(ownParties) - 1), i => [
    { name: 'Roaming__Parties__${i}__CountryCode', value: ownParties[i].countryCode }
    { name: 'Roaming__Parties__${i}__PartyId', value: ownParties[i].partyId }
    { name: 'Roaming__Parties__${i}__Role', value: ownParties[i].role }
    { name: 'Roaming__Parties__${i}__Name', value: ownParties[i].name }
    { name: 'Roaming__Parties__${i}__Website', value: ownParties[i].?website ?? '' }
  ])),
  e => e.name,
  e => e.value
)

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: union({
    // Functions host storage (leases, keys): identity-based, no AzureWebJobsStorage connection string.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storageBlobEndpoint
    AzureWebJobsStorage__queueServiceUri: storageQueueEndpoint
    AzureWebJobsStorage__tableServiceUri: storageTableEndpoint
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // The app's own connection "Storage" (tables, queues, queue triggers): see functions/Roaming.Azure/StorageConnection.cs.
    Storage__tableServiceUri: storageTableEndpoint
    Storage__queueServiceUri: storageQueueEndpoint
    Storage__credential: 'managedidentity'
    Storage__clientId: identityClientId
    Roaming__PublicBaseUrl: baseUrl
    Roaming__TokenKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${tokenKeySecretName})'
    Roaming__OperatorKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${operatorKeySecretName})'
    Roaming__Parties__0__CountryCode: ownParties[0].countryCode
    Roaming__Parties__0__PartyId: ownParties[0].partyId
    Roaming__Parties__0__Role: ownParties[0].role
    Roaming__Parties__0__Name: ownParties[0].name
    Roaming__Parties__0__Website: ownParties[0].?website ?? ''
    // An empty certificate name means no client certificate is presented to partners.
    Roaming__ClientCertificate__KeyVaultUri: keyVaultUri
    Roaming__ClientCertificate__CertificateName: clientCertificateName
    Roaming__ClientCertificate__ManagedIdentityClientId: identityClientId
    Roaming__ClientCertificate__RefreshInterval: clientCertificateRefreshInterval
    Roaming__RequireClientCertificate: string(enableInboundClientCertificates)
    // The queues the triggers watch (%RoamingPushQueue%, %RoamingSyncQueue%, ...): Roaming__StoragePrefix (unset here)
    // + the queue's name. The app refuses to start when they disagree.
    RoamingPushQueue: 'ocpi-push'
    RoamingSyncQueue: 'ocpi-sync'
    RoamingSessionsInQueue: 'sessions-in'
    RoamingSdrsInQueue: 'sdrs-in'
    RoamingCdrsVerifyQueue: 'cdrs-verify'
    RoamingDeadlinesQueue: 'ocpi-deadlines'
    RoamingCommandResultsInQueue: 'command-results-in'
  }, extraPartySettings)
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
output baseUrl string = baseUrl

// The OCPI 2.2.1 roaming endpoint: a .NET isolated Function App on Flex Consumption with its storage
// account, Key Vault, Application Insights and the managed identity they all trust. Safe by default: no
// shared keys, no connection strings, HTTPS and TLS 1.2+ everywhere, no FTP or basic-auth publishing.
// Deploy into an existing resource group: see infra-bicep/README.md.

targetScope = 'resourceGroup'

@minLength(3)
@maxLength(12)
@description('Short lowercase name of the environment (letters and digits), used in every resource name, e.g. "ocpitest".')
param environmentName string

@description('Azure region; defaults to the resource group\'s. Must be a region that offers Flex Consumption.')
param location string = resourceGroup().location

@description('The parties this deployment speaks for: [{ countryCode, partyId, role (CPO|EMSP|...), name, website? }]. The first is required.')
@minLength(1)
param ownParties array

@description('The URL partners reach this endpoint on (custom domain). Empty: https://<function app default host name>.')
param publicBaseUrl string = ''

@description('Name of the Key Vault secret holding Roaming:TokenKey (Base64 of 32+ random bytes).')
param tokenKeySecretName string = 'roaming-token-key'

@description('Name of the Key Vault secret holding Roaming:OperatorKey (the back office\'s bearer key, 16+ characters).')
param operatorKeySecretName string = 'roaming-operator-key'

@description('Name of the Key Vault certificate presented to partners on outbound TLS. Empty: no client certificate.')
param clientCertificateName string = ''

@description('How often the app re-reads the client certificate from Key Vault (hh:mm:ss); a renewed version is used within this time.')
param clientCertificateRefreshInterval string = '00:15:00'

@description('Require a TLS client certificate on inbound requests (mutual TLS); the app then matches it against the partner\'s registered certificate.')
param enableInboundClientCertificates bool = false

@description('With inbound client certificates: comma-separated paths that do not require one (e.g. "/operator"). Empty: none.')
param clientCertificateExclusionPaths string = ''

@allowed(['1.2', '1.3'])
@description('Minimum inbound TLS version. TLS 1.3 is always offered; "1.3" refuses 1.2 clients.')
param minimumTlsVersion string = '1.2'

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS'])
@description('Storage account redundancy.')
param storageSkuName string = 'Standard_LRS'

@minValue(40)
@maxValue(1000)
@description('Flex Consumption: most instances the app scales out to.')
param maximumInstanceCount int = 100

@allowed([512, 2048, 4096])
@description('Flex Consumption: memory per instance, MB.')
param instanceMemoryMB int = 2048

@description('.NET version of the isolated worker.')
param dotnetVersion string = '10.0'

@minValue(30)
@maxValue(730)
@description('Log Analytics retention, days.')
param logRetentionInDays int = 30

@description('Tags put on every resource.')
param tags object = {}

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var appName = 'func-${environmentName}-${token}'
var deploymentContainerName = 'app-package-${take(token, 7)}'
var allTags = union(tags, { 'ocpi-environment': environmentName })

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: 'id-${environmentName}-${token}'
    location: location
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    workspaceName: 'log-${environmentName}-${token}'
    applicationInsightsName: 'appi-${environmentName}-${token}'
    location: location
    tags: allTags
    retentionInDays: logRetentionInDays
    publisherPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: take('st${environmentName}${token}', 24)
    location: location
    tags: allTags
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
    appPrincipalId: identity.outputs.principalId
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: take('kv-${environmentName}-${token}', 24)
    location: location
    tags: allTags
    appPrincipalId: identity.outputs.principalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    planName: 'plan-${environmentName}-${token}'
    appName: appName
    location: location
    tags: allTags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageBlobEndpoint: storage.outputs.blobEndpoint
    storageQueueEndpoint: storage.outputs.queueEndpoint
    storageTableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    tokenKeySecretName: tokenKeySecretName
    operatorKeySecretName: operatorKeySecretName
    clientCertificateName: clientCertificateName
    clientCertificateRefreshInterval: clientCertificateRefreshInterval
    publicBaseUrl: publicBaseUrl
    ownParties: ownParties
    enableInboundClientCertificates: enableInboundClientCertificates
    clientCertificateExclusionPaths: clientCertificateExclusionPaths
    minimumTlsVersion: minimumTlsVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    dotnetVersion: dotnetVersion
  }
}

@description('The OCPI versions endpoint partners are given (GET .../ocpi/versions).')
output ocpiVersionsUrl string = '${functionApp.outputs.baseUrl}/ocpi/versions'
output ocpiBaseUrl string = '${functionApp.outputs.baseUrl}/ocpi'
output functionAppName string = functionApp.outputs.name
output functionAppHostName string = functionApp.outputs.defaultHostName
output keyVaultName string = keyVault.outputs.name
output keyVaultUri string = keyVault.outputs.uri
output storageAccountName string = storage.outputs.name
output managedIdentityClientId string = identity.outputs.clientId
output managedIdentityPrincipalId string = identity.outputs.principalId

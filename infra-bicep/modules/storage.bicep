// The storage account behind the OCPI tables and queues, the Functions host (leases, keys) and the
// Flex Consumption deployment package. Shared keys are off: every caller uses Entra ID, and the app
// identity gets only table and queue data access on the account and blob access on the three containers
// it uses (which are created here, so the host never needs account-wide blob rights to create them).

param name string
param location string
param tags object
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_GZRS'])
param skuName string
param deploymentContainerName string
@description('Principal id of the app identity.')
param appPrincipalId string

// Built-in role ids: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
var blobDataContributor = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
var queueDataContributor = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
var tableDataContributor = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')

// The Functions host keeps its leases and function keys in these two containers (AzureWebJobsStorage).
var blobContainers = [
  deploymentContainerName
  'azure-webjobs-hosts'
  'azure-webjobs-secrets'
]

resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = [
  for container in blobContainers: {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

resource containerAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (container, i) in blobContainers: {
    name: guid(containers[i].id, appPrincipalId, blobDataContributor)
    scope: containers[i]
    properties: {
      roleDefinitionId: blobDataContributor
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource queueAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, queueDataContributor)
  scope: account
  properties: {
    roleDefinitionId: queueDataContributor
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource tableAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, appPrincipalId, tableDataContributor)
  scope: account
  properties: {
    roleDefinitionId: tableDataContributor
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table

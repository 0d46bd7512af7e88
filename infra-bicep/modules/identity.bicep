// The one identity the Function App runs as: storage, Key Vault and Application Insights grant their
// roles to it, so nothing in the app settings is a key or a connection string.

param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId

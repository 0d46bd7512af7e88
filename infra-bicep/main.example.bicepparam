// An example environment: one CPO party, a Key Vault client certificate named "ocpi-client", inbound mutual
// TLS off. Copy it per environment and change the values; secrets never go here (they live in Key Vault).
using 'main.bicep'

param environmentName = 'ocpitest'

param ownParties = [
  {
    countryCode: 'NL'
    partyId: 'EXA'
    role: 'CPO'
    name: 'Example Charging B.V.'
    website: 'https://charging.example.com'
  }
]

// Empty: partners are given https://<function app default host name>/ocpi/versions.
param publicBaseUrl = ''

param tokenKeySecretName = 'roaming-token-key'
param operatorKeySecretName = 'roaming-operator-key'

param clientCertificateName = 'ocpi-client'
param clientCertificateRefreshInterval = '00:15:00'

param enableInboundClientCertificates = false
param clientCertificateExclusionPaths = ''
param minimumTlsVersion = '1.2'

param storageSkuName = 'Standard_ZRS'
param maximumInstanceCount = 40
param instanceMemoryMB = 2048

param tags = {
  owner: 'roaming-team'
}

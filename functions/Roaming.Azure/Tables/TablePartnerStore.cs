using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Roaming.Core.Credentials;
using Roaming.Core.Partners;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Versions;

namespace Roaming.Azure.Tables;

/// <summary>
/// Partners and the token-hash index in Table Storage. Roles granted, roles pending approval, the invitation's roles,
/// the parties behind a hub and the endpoints are JSON columns (a few KiB at most: each list is bounded).
/// </summary>
public sealed class TablePartnerStore(StorageTables tables) : IPartnerStore
{
    private const string Partition = "partner";

    public async Task<Partner?> GetAsync(string partnerId, CancellationToken ct)
    {
        var response = await tables.Partners.GetEntityIfExistsAsync<TableEntity>(Partition, partnerId, cancellationToken: ct);
        return response.HasValue ? ToPartner(response.Value!) : null;
    }

    public async Task<IReadOnlyList<Partner>> ListAsync(CancellationToken ct)
    {
        var list = new List<Partner>();
        await foreach (var entity in tables.Partners.QueryAsync<TableEntity>(e => e.PartitionKey == Partition, cancellationToken: ct))
            list.Add(ToPartner(entity));
        return list;
    }

    public async Task CreateAsync(Partner partner, CancellationToken ct)
    {
        var response = await tables.Partners.AddEntityAsync(ToEntity(partner), ct);
        partner.ETag = response.Headers.ETag?.ToString();
    }

    public async Task UpdateAsync(Partner partner, CancellationToken ct)
    {
        try
        {
            var response = await tables.Partners.UpdateEntityAsync(ToEntity(partner), new ETag(partner.ETag ?? throw new InvalidOperationException("Partner has no ETag; read it first.")), TableUpdateMode.Replace, ct);
            partner.ETag = response.Headers.ETag?.ToString();
        }
        catch (RequestFailedException e) when (e.Status is 412 or 404)
        {
            throw new ConcurrencyException($"Partner {partner.Id} changed or disappeared meanwhile.");
        }
    }

    public async Task DeleteAsync(string partnerId, CancellationToken ct)
    {
        try { await tables.Partners.DeleteEntityAsync(Partition, partnerId, ETag.All, ct); }
        catch (RequestFailedException e) when (e.Status == 404) { }
    }

    public async Task<string?> FindPartnerIdByTokenHashAsync(string tokenHash, CancellationToken ct)
    {
        var response = await tables.CredentialTokens.GetEntityIfExistsAsync<TableEntity>(tokenHash, "", ["PartnerId"], ct);
        return response.HasValue ? response.Value!.GetString("PartnerId") : null;
    }

    public Task AddTokenHashAsync(string tokenHash, string partnerId, CancellationToken ct) =>
        tables.CredentialTokens.UpsertEntityAsync(new TableEntity(tokenHash, "") { ["PartnerId"] = partnerId }, TableUpdateMode.Replace, ct);

    public async Task RemoveTokenHashAsync(string tokenHash, CancellationToken ct)
    {
        try { await tables.CredentialTokens.DeleteEntityAsync(tokenHash, "", ETag.All, ct); }
        catch (RequestFailedException e) when (e.Status == 404) { }
    }

    private static TableEntity ToEntity(Partner p) => new(Partition, p.Id)
    {
        ["State"] = p.State.ToString(),
        ["Name"] = p.Name,
        ["Roles"] = JsonSerializer.Serialize(p.Roles, CredentialsJson.Default.ListCredentialsRole),
        ["InvitedRoles"] = p.InvitedRoles is null ? null : JsonSerializer.Serialize(p.InvitedRoles, PartnerJson.Default.ListPartyRole),
        ["PendingRoles"] = JsonSerializer.Serialize(p.PendingRoles, CredentialsJson.Default.ListCredentialsRole),
        ["HubParties"] = JsonSerializer.Serialize(p.HubParties, PartnerJson.Default.ListPartyRole),
        ["VersionsUrl"] = p.VersionsUrl,
        ["Version"] = p.Version,
        ["Endpoints"] = JsonSerializer.Serialize(p.Endpoints, VersionsJson.Default.ListEndpoint),
        ["InboundTokenHash"] = p.InboundTokenHash,
        ["PendingTokenHash"] = p.PendingTokenHash,
        ["OutboundToken"] = p.OutboundTokenProtected,
        ["OutboundTokenBase64"] = p.OutboundTokenBase64,
        ["InboundTokenBase64"] = p.InboundTokenBase64,
        ["NeedsResync"] = p.NeedsResync,
        ["Issues"] = p.Issues.Count == 0 ? null : JsonSerializer.Serialize(p.Issues, PartnersJson.Default.ListPartnerIssue),
        ["OutboundTokenEncodingFixed"] = p.OutboundTokenEncodingFixed,
        ["OutboundRequestsPerMinute"] = p.OutboundRequestsPerMinute,
        ["CertThumbprint"] = p.ClientCertificate?.Thumbprint,
        ["CertIssuer"] = p.ClientCertificate?.Issuer,
        ["CertSubject"] = p.ClientCertificate?.Subject,
        ["CertIssuerPem"] = p.ClientCertificate?.IssuerCertificatesPem,
        ["Created"] = p.Created,
        ["Updated"] = p.Updated,
    };

    private static Partner ToPartner(TableEntity e) => new()
    {
        Id = e.RowKey,
        State = Enum.Parse<PartnerState>(e.GetString("State")),
        Name = e.GetString("Name"),
        Roles = JsonSerializer.Deserialize(e.GetString("Roles") ?? "[]", CredentialsJson.Default.ListCredentialsRole) ?? [],
        InvitedRoles = e.GetString("InvitedRoles") is { } invited ? JsonSerializer.Deserialize(invited, PartnerJson.Default.ListPartyRole) : null,
        PendingRoles = JsonSerializer.Deserialize(e.GetString("PendingRoles") ?? "[]", CredentialsJson.Default.ListCredentialsRole) ?? [],
        HubParties = JsonSerializer.Deserialize(e.GetString("HubParties") ?? "[]", PartnerJson.Default.ListPartyRole) ?? [],
        VersionsUrl = e.GetString("VersionsUrl"),
        Version = e.GetString("Version"),
        Endpoints = JsonSerializer.Deserialize(e.GetString("Endpoints") ?? "[]", VersionsJson.Default.ListEndpoint) ?? [],
        InboundTokenHash = e.GetString("InboundTokenHash"),
        PendingTokenHash = e.GetString("PendingTokenHash"),
        OutboundTokenProtected = e.GetString("OutboundToken"),
        OutboundTokenBase64 = e.GetBoolean("OutboundTokenBase64") ?? true,
        InboundTokenBase64 = e.GetBoolean("InboundTokenBase64"),
        NeedsResync = e.GetBoolean("NeedsResync") ?? false,
        Issues = e.GetString("Issues") is { } issues ? JsonSerializer.Deserialize(issues, PartnersJson.Default.ListPartnerIssue) ?? [] : [],
        OutboundTokenEncodingFixed = e.GetBoolean("OutboundTokenEncodingFixed") ?? false,
        OutboundRequestsPerMinute = e.GetInt32("OutboundRequestsPerMinute"),
        ClientCertificate = e.GetString("CertThumbprint") is null && e.GetString("CertSubject") is null ? null
            : new ClientCertificateRule(e.GetString("CertThumbprint"), e.GetString("CertIssuer"), e.GetString("CertSubject"), e.GetString("CertIssuerPem")),
        Created = e.GetDateTimeOffset("Created") ?? default,
        Updated = e.GetDateTimeOffset("Updated") ?? default,
        ETag = e.ETag.ToString(),
    };
}

using Roaming.Core.Credentials;
using Roaming.Core.Locations;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Platform;

/// <summary>
/// The deployment's settings, section "Roaming" (env: Roaming__PublicBaseUrl, ...).
/// Every name here is also set by infra-bicep; a test keeps the two in step.
/// </summary>
public sealed class RoamingOptions
{
    public const string Section = "Roaming";

    /// <summary>The settings a deployment must provide for the app to start (infra-bicep sets them; a test checks).</summary>
    public static readonly string[] RequiredSettings =
    [
        "Roaming:PublicBaseUrl", "Roaming:TokenKey", "Roaming:OperatorKey",
        "Roaming:Parties:0:CountryCode", "Roaming:Parties:0:PartyId", "Roaming:Parties:0:Role", "Roaming:Parties:0:Name",
    ];

    /// <summary>The URL partners reach this endpoint on, e.g. https://roaming.example.com. Used in every URL we hand out.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Base64 secret (32+ bytes) from which the token hashing and encryption keys are derived.</summary>
    public string? TokenKey { get; set; }

    /// <summary>The key the operator's back office presents as "Authorization: Bearer &lt;key&gt;" on /operator/.</summary>
    public string? OperatorKey { get; set; }

    /// <summary>The own parties this deployment hosts (country_code + party_id + role).</summary>
    public List<OwnParty> Parties { get; set; } = [];

    /// <summary>The roles of the own parties: the interfaces this platform serves and advertises.</summary>
    public IReadOnlySet<Types.Role> HostedRoles => Parties.Select(p => p.Role).ToHashSet();

    /// <summary>The most objects one page of a paginated GET returns (X-Limit).</summary>
    public int MaxPageSize { get; set; } = 100;

    /// <summary>Local development only: allow partner URLs over plain http (loopback partners). Off in Azure.</summary>
    public bool AllowHttpPartners { get; set; }

    /// <summary>
    /// Prefix for the table and queue names, so several endpoints can share one storage account (tests, two
    /// local parties). Lower-case letters and digits. Empty in Azure: the Functions queue triggers name their queues as is.
    /// </summary>
    public string StoragePrefix { get; set; } = "";

    /// <summary>
    /// Inbound mutual TLS (App Service forwards the client certificate in X-ARR-ClientCert): a partner's calls are
    /// accepted only with the certificate registered for it; a partner with none registered may only complete the handshake.
    /// </summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>How many times a failed push to a partner is tried again before it goes to the poison queue.</summary>
    public int PushMaxAttempts { get; set; } = 8;

    /// <summary>The wait before the first retry of a failed push; doubled at every further try, up to <see cref="PushMaxRetryDelay"/>.</summary>
    public TimeSpan PushRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan PushMaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a push or a pull page the partner keeps putting off by its pace (a 429, a 503 with Retry-After, or the
    /// pace set for it here) is asked again without using up a try, counted from the first time it was put off. Bounded
    /// by time, not by a number of refusals: a short Retry-After would otherwise spend the allowance in minutes.
    /// </summary>
    public TimeSpan PacePatience { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How often pushes stored but never queued (a host stopped between the two) are looked for and queued.</summary>
    public TimeSpan OutboxSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a pending push is left to the host that stored it before the sweep queues it again. Longer than one
    /// partner call (<see cref="PartnerTimeout"/>), so a push still being sent is not started a second time.
    /// </summary>
    public TimeSpan OutboxSweepGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How far a partner's clock may be from ours. Every pull asks for objects up to its start plus this (an explicit
    /// date_to, so no server default cuts the list short), and a delta pull starts this long before the last good pull did.
    /// </summary>
    public TimeSpan SyncClockSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The largest share (0 to 1) of the received objects of the parties a full pull covered that it may remove. A pull
    /// that would remove more removes nothing, and says so on the sync job and the partner; the operator may then pull
    /// again with a higher share.
    /// </summary>
    public double SyncMaxRemovalShare { get; set; } = 0.2;

    /// <summary>How long an outbound call to a partner may take.</summary>
    public TimeSpan PartnerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an authenticated credentials token is served from memory without reading storage. A change of a partner
    /// or a token made on this instance takes effect on it at once; on other instances within this time. Zero: no cache.
    /// </summary>
    public TimeSpan TokenCacheTime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests each partner connection may make (Roaming:RateLimit:*); over it: HTTP 429 with Retry-After.</summary>
    public RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>
    /// Real-time authorization of a token with whitelist ALLOWED: how long the CPO waits for the eMSP's answer before
    /// the stored token decides (a driver is waiting at the charge point).
    /// </summary>
    public TimeSpan AuthorizationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Real-time authorization of a token with whitelist ALLOWED_OFFLINE or NEVER (or not held locally): no answer in
    /// this time counts as the eMSP being unreachable. Partner calls never outlast <see cref="PartnerTimeout"/>.
    /// </summary>
    public TimeSpan AuthorizationOfflineAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A CPO's time for its back office to report a charge point's answer to a command or a charging profile request;
    /// the sender is told it (the response's timeout). No answer in this time: the sender gets TIMEOUT.
    /// </summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A sender's patience beyond the timeout the receiver gave: a result that has not come after both records TIMEOUT
    /// (the receiver's own TIMEOUT normally arrives first).
    /// </summary>
    public TimeSpan CommandTimeoutMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>CPO: charging profile requests of one session and kind taken in a row; more than the pace below: TOO_OFTEN.</summary>
    public int ChargingProfileBurst { get; set; } = 5;

    /// <summary>CPO: after the burst, one more charging profile request of a session and kind every this long.</summary>
    public TimeSpan ChargingProfileInterval { get; set; } = TimeSpan.FromSeconds(10);

    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(TokenKey)) problems.Add("Roaming:TokenKey is not set (Base64, 32 random bytes or more).");
        else
        {
            try { _ = new TokenProtector(TokenKey); }
            catch (InvalidOperationException e) { problems.Add(e.Message); }
        }
        if (string.IsNullOrWhiteSpace(OperatorKey) || OperatorKey.Length < 16) problems.Add("Roaming:OperatorKey is not set or shorter than 16 characters.");
        if (Parties.Count == 0) problems.Add("Roaming:Parties lists no own party.");
        for (var i = 0; i < Parties.Count; i++)
        {
            var p = Parties[i];
            if (p.CountryCode is not { Length: 2 } || p.PartyId is not { Length: 3 })
                problems.Add($"Roaming:Parties:{i} needs a 2-letter CountryCode and a 3-character PartyId.");
            if (string.IsNullOrWhiteSpace(p.Name)) problems.Add($"Roaming:Parties:{i}:Name is not set.");
            var details = new OcpiValidator();
            p.ToCredentialsRole().Validate(details);
            foreach (var error in details.Errors) problems.Add($"Roaming:Parties:{i}: {error.Field}: {error.Problem}.");
        }
        if (Parties.GroupBy(p => (p.Role, p.Key)).Any(g => g.Count() > 1)) problems.Add("Roaming:Parties repeats a role, country code and party id.");
        if (PublicBaseUrl is not null && !Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out _)) problems.Add("Roaming:PublicBaseUrl is not an absolute URL.");
        if (StoragePrefix.Length > 20 || StoragePrefix.Any(c => c is not (>= 'a' and <= 'z' or >= '0' and <= '9')) || (StoragePrefix.Length > 0 && !char.IsLetter(StoragePrefix[0])))
            problems.Add("Roaming:StoragePrefix must be up to 20 lower-case letters and digits, starting with a letter.");
        if (MaxPageSize is < 1 or > 1000) problems.Add("Roaming:MaxPageSize must be between 1 and 1000.");
        problems.AddRange(RateLimit.Problems());
        if (AuthorizationTimeout <= TimeSpan.Zero || AuthorizationOfflineAfter <= TimeSpan.Zero)
            problems.Add("Roaming:AuthorizationTimeout and Roaming:AuthorizationOfflineAfter must be positive.");
        if (TokenCacheTime < TimeSpan.Zero || TokenCacheTime > TimeSpan.FromMinutes(5)) problems.Add("Roaming:TokenCacheTime must be between 0 and 5 minutes.");
        if (SyncMaxRemovalShare is < 0 or > 1 || double.IsNaN(SyncMaxRemovalShare)) problems.Add("Roaming:SyncMaxRemovalShare must be between 0 and 1.");
        if (CommandTimeout < TimeSpan.FromSeconds(1) || CommandTimeout > TimeSpan.FromDays(1)) problems.Add("Roaming:CommandTimeout must be between one second and one day.");
        if (CommandTimeoutMargin < TimeSpan.Zero || CommandTimeoutMargin > TimeSpan.FromHours(1)) problems.Add("Roaming:CommandTimeoutMargin must be between 0 and one hour.");
        if (ChargingProfileBurst < 1 || ChargingProfileInterval <= TimeSpan.Zero)
            problems.Add("Roaming:ChargingProfileBurst must be 1 or more and Roaming:ChargingProfileInterval positive.");
        if (SyncClockSkew < TimeSpan.Zero || SyncClockSkew > TimeSpan.FromDays(1)) problems.Add("Roaming:SyncClockSkew must be between 0 and one day.");
        if (PacePatience < TimeSpan.Zero || PacePatience > TimeSpan.FromDays(7)) problems.Add("Roaming:PacePatience must be between 0 and 7 days.");
        if (OutboxSweepGrace <= TimeSpan.Zero || OutboxSweepInterval <= TimeSpan.Zero) problems.Add("Roaming:OutboxSweepGrace and Roaming:OutboxSweepInterval must be positive.");
        if (problems.Count > 0) throw new InvalidOperationException("Invalid configuration: " + string.Join(" ", problems));
    }
}

/// <summary>One party this deployment speaks for.</summary>
public sealed class OwnParty
{
    public string CountryCode { get; set; } = "";
    public string PartyId { get; set; } = "";
    public Role Role { get; set; }
    public string Name { get; set; } = "";
    public string? Website { get; set; }

    public PartyKey Key => new(CountryCode, PartyId);

    public CredentialsRole ToCredentialsRole() => new()
    {
        Role = Role,
        CountryCode = Key.CountryCode,
        PartyId = Key.PartyId,
        // An empty setting (infra-bicep writes one for a party without a website) means no website.
        BusinessDetails = new BusinessDetails { Name = Name, Website = string.IsNullOrWhiteSpace(Website) ? null : Website },
    };
}

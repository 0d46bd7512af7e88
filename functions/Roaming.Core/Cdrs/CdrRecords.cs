using System.Text.Json.Serialization;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Cdrs;

/// <summary>Where a CDR of ours went: the partner that took it and the Location its receiver answered (where the CDR can be read back).</summary>
public sealed record CdrDelivery
{
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    /// <summary>The CDR's id.</summary>
    public string? Id { get; init; }
    public string? PartnerId { get; init; }
    public string? Location { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    /// <summary>The CDR's last_updated, so deliveries list by the same dates as CDRs.</summary>
    public DateTimeOffset? LastUpdated { get; init; }
}

[JsonConverter(typeof(OcpiEnumConverter<Verdict>))]
public enum Verdict
{
    /// <summary>Every cost the CDR states is what the engine computes.</summary>
    [JsonStringEnumMemberName("MATCHES")] Matches,
    /// <summary>At least one cost differs: disputed.</summary>
    [JsonStringEnumMemberName("DIFFERS")] Differs,
    /// <summary>The engine cannot price the CDR (no tariff, unknown time zone, ...): the reason says why.</summary>
    [JsonStringEnumMemberName("UNVERIFIABLE")] Unverifiable,
}

/// <summary>
/// The verdict on a CDR received from a partner CPO: repriced by the engine with the tariff it names, each cost compared.
/// A disputed CDR carries the differing amounts and the breakdown (which tariff element and price component priced each period).
/// </summary>
public sealed record CdrVerification
{
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    /// <summary>The CDR's id.</summary>
    public string? Id { get; init; }
    public Verdict? Verdict { get; init; }
    public string? Reason { get; init; }
    public string? TariffId { get; init; }
    public string? TimeZone { get; init; }
    public string? Currency { get; init; }
    public Price? TotalCost { get; init; }
    public Price? ComputedTotalCost { get; init; }
    public List<FigureDifference>? Differences { get; init; }
    public List<BreakdownLine>? Breakdown { get; init; }
    public bool? MinPriceApplied { get; init; }
    public bool? MaxPriceApplied { get; init; }
    public DateTimeOffset? VerifiedAt { get; init; }
    /// <summary>When a matching CDR was put on "cdrs-verified" for billing.</summary>
    public DateTimeOffset? ForwardedAt { get; init; }
    /// <summary>The worker passing it on to billing now, and since when: two never both send it.</summary>
    public string? ForwardClaim { get; init; }
    public DateTimeOffset? ForwardClaimedAt { get; init; }
    /// <summary>The CDR's last_updated, so verdicts list by the same dates as CDRs.</summary>
    public DateTimeOffset? LastUpdated { get; init; }
}

/// <summary>
/// A CDR named by its party and id: the "cdrs-verify" queue message. It may carry the CDR as it was stored (saving the
/// verifier a read); a CDR is never changed, so the copy is the stored one.
/// </summary>
public sealed record CdrKey(string CountryCode, string PartyId, string Id, Cdr? Cdr = null)
{
    [JsonIgnore]
    public PartyKey Party => new(CountryCode, PartyId);
}

/// <summary>What billing reads from "cdrs-verified": a received CDR whose costs the engine confirmed, whole (signed_data as it arrived).</summary>
public sealed record VerifiedCdrMessage(string CountryCode, string PartyId, string Id, Verdict Verdict, string? TariffId, DateTimeOffset VerifiedAt, Cdr Cdr);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(CdrDelivery))]
[JsonSerializable(typeof(CdrVerification))]
[JsonSerializable(typeof(CdrKey))]
[JsonSerializable(typeof(VerifiedCdrMessage))]
public sealed partial class CdrRecordsJson : JsonSerializerContext;

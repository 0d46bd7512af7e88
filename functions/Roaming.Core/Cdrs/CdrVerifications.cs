using System.Text.Json;
using Microsoft.Extensions.Logging;
using Roaming.Core.Queues;
using Roaming.Core.Storage;
using Roaming.Core.Tariffs.Pricing;
using Roaming.Core.Types;

namespace Roaming.Core.Cdrs;

/// <summary>Reprices a CDR with the tariff it names and compares every cost it states (<see cref="CdrComparison.Disputed"/>).</summary>
public sealed class CdrVerifier(TariffLookup lookup, TimeProvider clock)
{
    /// <param name="scope">where the CDR's tariffs and location are looked up when it does not carry them</param>
    public async Task<CdrVerification> VerifyAsync(DataScope scope, Cdr cdr, CancellationToken ct)
    {
        var verification = new CdrVerification
        {
            CountryCode = cdr.CountryCode, PartyId = cdr.PartyId, Id = cdr.Id, Currency = cdr.Currency, TotalCost = cdr.TotalCost,
            LastUpdated = cdr.LastUpdated, VerifiedAt = Transport.OcpiDateTime.Normalize(clock.GetUtcNow()),
        };
        try
        {
            var applied = await lookup.ForCdrAsync(scope, cdr, ct);
            var priced = CdrPricing.Price(applied.Pricer, cdr, applied.TimeZone);
            var computed = priced.ToCdr(cdr, applied.Tariff.Id!);
            var disputed = CdrComparison.Disputed(cdr, computed);
            return verification with
            {
                Verdict = disputed.Count == 0 ? Verdict.Matches : Verdict.Differs,
                TariffId = applied.Tariff.Id,
                TimeZone = applied.TimeZone.Id,
                ComputedTotalCost = computed.TotalCost,
                Differences = disputed,
                Breakdown = CdrComparison.Breakdown(priced),
                MinPriceApplied = priced.MinPriceApplied,
                MaxPriceApplied = priced.MaxPriceApplied,
            };
        }
        catch (TariffPricingException e)
        {
            return verification with { Verdict = Verdict.Unverifiable, Reason = e.Message };
        }
    }
}

/// <summary>
/// The eMSP side's verification of received CDRs, queued ("cdrs-verify") so a POST or a pull never waits for it. Each
/// CDR is verified once (again only when the operator asks), its verdict stored; a matching CDR goes on to billing on
/// "cdrs-verified", once: a message seen twice finds the verdict and the forwarding done, two at once meet the claim of the
/// first. Only a host stopping between the send and its record sends it again, so billing keys on country_code, party_id and id.
/// </summary>
public sealed class CdrVerifications(IPartyObjectStore<Cdr> cdrs, IPartyObjectStore<CdrVerification> verdicts, CdrVerifier verifier, IWorkQueue queue,
    TimeProvider clock, ILogger<CdrVerifications> logger)
{
    public const string VerifyQueue = "cdrs-verify";
    public const string VerifiedQueue = "cdrs-verified";
    private static readonly TimeSpan ForwardLease = TimeSpan.FromMinutes(1);

    /// <summary>A queue message holds 64 KiB of Base64: a CDR up to this much JSON travels with its key.</summary>
    private const int CarriedCdrBytes = 40 * 1024;

    /// <param name="cdr">the CDR as stored, carried in the message when it is small enough</param>
    public Task EnqueueAsync(PartyKey party, string id, Cdr? cdr, CancellationToken ct)
    {
        var message = JsonSerializer.SerializeToUtf8Bytes(new CdrKey(party.CountryCode, party.PartyId, id, cdr), CdrRecordsJson.Default.CdrKey);
        if (message.Length > CarriedCdrBytes) message = JsonSerializer.SerializeToUtf8Bytes(new CdrKey(party.CountryCode, party.PartyId, id), CdrRecordsJson.Default.CdrKey);
        return queue.SendAsync(VerifyQueue, message, ct: ct);
    }

    /// <summary>Queues the verification of a CDR stored earlier that has none yet (its first queueing may have been lost).</summary>
    public async Task EnsureQueuedAsync(PartyKey party, string id, CancellationToken ct)
    {
        if (await verdicts.GetAsync(DataScope.Received, party, id, ct) is null) await EnqueueAsync(party, id, null, ct);
    }

    /// <param name="stored">the CDR as stored, when the caller has it</param>
    /// <returns>the verdict, or null when no such CDR was received</returns>
    public async Task<CdrVerification?> VerifyAsync(PartyKey party, string id, bool again, Cdr? stored, CancellationToken ct)
    {
        var cdr = stored ?? await cdrs.GetAsync(DataScope.Received, party, id, ct);
        if (cdr is null) return null;
        var fresh = await verifier.VerifyAsync(DataScope.Received, cdr, ct);
        CdrVerification verdict;
        string? claim = null;
        var recorded = true;
        if (again)
        {
            var earlier = await verdicts.GetAsync(DataScope.Received, party, id, ct);
            verdict = fresh with { ForwardedAt = earlier?.ForwardedAt, ForwardClaim = earlier?.ForwardClaim, ForwardClaimedAt = earlier?.ForwardClaimedAt };
            await verdicts.PutAsync(DataScope.Received, verdict, null, onlyIfNewer: false, ct);
        }
        else
        {
            // Whoever records the verdict first passes a matching CDR on to billing: it claims that in the same write.
            claim = fresh.Verdict == Verdict.Matches ? Guid.NewGuid().ToString("N") : null;
            verdict = fresh with { ForwardClaim = claim, ForwardClaimedAt = claim is null ? null : clock.GetUtcNow() };
            if (!await verdicts.AddAsync(DataScope.Received, verdict, null, ct))
            {
                // Verified before (a message seen twice, or two at once): that verdict stands.
                claim = null;
                recorded = false;
                verdict = await verdicts.GetAsync(DataScope.Received, party, id, ct) ?? throw new InvalidOperationException($"the verdict on CDR {party}/{id} is gone");
            }
        }
        if (recorded && verdict.Verdict != Verdict.Matches)
            logger.LogWarning("CDR {Party}/{CdrId}: {Verdict}{Reason}", party, id, verdict.Verdict, verdict.Reason is { } r ? ": " + r : "");
        if (verdict.Verdict == Verdict.Matches && verdict.ForwardedAt is null) verdict = await ForwardAsync(party, id, cdr, verdict, claim, ct);
        return verdict;
    }

    /// <summary>
    /// Passes a matching CDR on to billing under a claim (taken with the verdict, or here, ETag-checked), so two workers
    /// verifying the same CDR at once never both send it. A claim left by a worker that stopped lapses after <see cref="ForwardLease"/>.
    /// </summary>
    private async Task<CdrVerification> ForwardAsync(PartyKey party, string id, Cdr cdr, CdrVerification verdict, string? held, CancellationToken ct)
    {
        var claim = held ?? Guid.NewGuid().ToString("N");
        var now = clock.GetUtcNow();
        var claimed = held is not null ? null : await verdicts.UpdateAsync(DataScope.Received, party, id,
            v => v.ForwardedAt is null && (v.ForwardClaimedAt is not { } at || at < now - ForwardLease) ? v with { ForwardClaim = claim, ForwardClaimedAt = now } : null,
            null, ct);
        if (claimed is { ForwardedAt: not null }) return claimed;
        if (claimed is not null && claimed.ForwardClaim != claim)
            throw new InvalidOperationException($"CDR {party}/{id} is being passed on to billing by another worker; looked at again later");
        verdict = claimed ?? verdict;
        var message = new VerifiedCdrMessage(party.CountryCode, party.PartyId, cdr.Id!, Verdict.Matches, verdict.TariffId, verdict.VerifiedAt!.Value, cdr);
        await queue.SendAsync(VerifiedQueue, JsonSerializer.SerializeToUtf8Bytes(message, CdrRecordsJson.Default.VerifiedCdrMessage), ct: ct);
        var forwardedAt = Transport.OcpiDateTime.Normalize(clock.GetUtcNow());
        return await verdicts.UpdateAsync(DataScope.Received, party, id, v => v with { ForwardedAt = forwardedAt }, null, ct) ?? verdict;
    }
}

/// <summary>Queue "cdrs-verify": one received CDR to verify (<see cref="CdrKey"/>), named, not carried.</summary>
public sealed class CdrVerificationProcessor(CdrVerifications verifications) : IQueueProcessor
{
    public string QueueName => CdrVerifications.VerifyQueue;

    public async Task ProcessAsync(QueueWork work, CancellationToken ct)
    {
        CdrKey? key;
        try { key = JsonSerializer.Deserialize(work.Body.Span, CdrRecordsJson.Default.CdrKey); }
        catch (JsonException e) { throw new UnprocessableMessageException($"not a CDR key (country_code, party_id, id): {e.Message}"); }
        if (key is not { CountryCode: not null, PartyId: not null, Id: not null }) throw new UnprocessableMessageException("not a CDR key (country_code, party_id, id)");
        if (key.Cdr is { } carried && !(new PartyKey(carried.CountryCode ?? "", carried.PartyId ?? "") == key.Party && string.Equals(carried.Id, key.Id, StringComparison.OrdinalIgnoreCase)))
            throw new UnprocessableMessageException($"the CDR carried is not {key.Party}/{key.Id}");
        if (await verifications.VerifyAsync(key.Party, key.Id, again: false, key.Cdr, ct) is null)
            throw new UnprocessableMessageException($"no CDR {key.Party}/{key.Id} was received");
    }
}

using Microsoft.Extensions.Options;
using Roaming.Core.Platform;
using Roaming.Core.Push;
using Roaming.Core.Queues;
using Roaming.Core.Sessions;
using Roaming.Core.Storage;
using Roaming.Core.Tariffs.Pricing;
using Roaming.Core.Transport;
using Roaming.Core.Transport.Tolerance;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Core.Cdrs;

/// <summary>
/// Builds our CDRs from the back office's finished-session records (service detail records). A record is an OCPI CDR of
/// one of our CPO parties whose costs (total_cost, total_*_cost, tariffs) and last_updated may be left out; it is priced
/// by the tariff engine with the tariff that applied (<see cref="TariffLookup"/>: the one its periods name or it carries,
/// else the one of the session it finishes, else the connector's), the cost fields, billed periods and tariffs filled,
/// signed_data kept as it came. A credit record (credit: true, credit_reference_id, and its id, "-C" appended by default)
/// becomes the credit CDR of a stored one: all its data, total_cost negated (mod_cdrs).
/// </summary>
public sealed class CdrBuilder(IPartyObjectStore<Cdr> cdrs, IPartyObjectStore<Session> sessions, TariffLookup lookup, IOptions<RoamingOptions> options)
{
    private static readonly IWire<Cdr> Wire = CdrsModule.Canonical;

    /// <summary>Reads and checks a record as the back office sent it: 2001 naming the field for anything that can never be priced.</summary>
    public Cdr ReadRecord(ReadOnlyMemory<byte> body, DateTimeOffset received)
    {
        // ReadObject hands over a tree written anew: signed_data is taken again from the record as the CSMS wrote it.
        var record = VerbatimSignedData.Restore(Wire.Bind(OcpiJson.ReadObject(body)), body);
        record = record with { LastUpdated = record.LastUpdated ?? received };
        var v = new OcpiValidator();
        if (record.Credit == true)
        {
            v.CiString("country_code", record.CountryCode, 2);
            v.CiString("party_id", record.PartyId, 3);
            v.CiString("id", record.Id, 39, required: false);
            v.CiString("credit_reference_id", record.CreditReferenceId, 36);
        }
        else
        {
            // The cost fields are the endpoint's to fill: stand-ins let the rest be checked as the CDR's.
            (record with
            {
                Currency = record.Currency ?? "EUR", TotalCost = record.TotalCost ?? new Price { ExclVat = 0 },
                TotalEnergy = record.TotalEnergy ?? 0, TotalTime = record.TotalTime ?? 0,
            }).Validate(v);
        }
        v.ThrowIfInvalid();
        var party = new PartyKey(record.CountryCode!, record.PartyId!);
        if (!options.Value.Parties.Any(p => p.Role == Role.Cpo && p.Key == party))
            throw new InvalidParametersException([new FieldError("country_code", $"{party} is not a CPO party of this platform")]);
        return record;
    }

    /// <exception cref="TariffPricingException">no tariff applies or it cannot price the record; the message says why</exception>
    public async Task<Cdr> BuildAsync(Cdr record, CancellationToken ct)
    {
        var party = new PartyKey(record.CountryCode!, record.PartyId!);
        if (record.Credit == true) return await CreditAsync(party, record, ct);
        var session = record.SessionId is { } sessionId ? await sessions.GetAsync(DataScope.Own, party, sessionId, ct) : null;
        var location = record.CdrLocation!;
        var applied = await lookup.ForOwnAsync(party, record.ChargingPeriods, record.Tariffs, location.Id, location.EvseUid, location.ConnectorId,
            TariffLookup.NamedTariff(session?.ChargingPeriods), ct);
        var priced = CdrPricing.Price(applied.Pricer, record, applied.TimeZone);
        var cdr = priced.ToCdr(record, applied.Tariff.Id!) with { Tariffs = [applied.Tariff] };
        OcpiValidator.ThrowIfInvalid(cdr);
        return cdr;
    }

    private async Task<Cdr> CreditAsync(PartyKey party, Cdr record, CancellationToken ct)
    {
        var original = await cdrs.GetAsync(DataScope.Own, party, record.CreditReferenceId!, ct)
            ?? throw new InvalidParametersException([new FieldError("credit_reference_id", $"names no CDR of {party}")]);
        if (original.Credit == true) throw new InvalidParametersException([new FieldError("credit_reference_id", "names a credit CDR, which cannot be credited")]);
        var total = original.TotalCost!;
        var credit = original with
        {
            Id = record.Id ?? original.Id + "-C",
            Credit = true,
            CreditReferenceId = original.Id,
            TotalCost = new Price { ExclVat = -total.ExclVat, InclVat = -total.InclVat },
            Remark = record.Remark ?? original.Remark,
            InvoiceReferenceId = record.InvoiceReferenceId ?? original.InvoiceReferenceId,
            LastUpdated = record.LastUpdated,
        };
        if (string.Equals(credit.Id, original.Id, StringComparison.OrdinalIgnoreCase))
            throw new InvalidParametersException([new FieldError("id", "a credit CDR needs an id of its own")]);
        OcpiValidator.ThrowIfInvalid(credit);
        return credit;
    }
}

/// <summary>
/// Queue "sdrs-in": finished-session records from the back office (the CSMS writes them here directly, or the operator API
/// does). Each is built into a CDR (<see cref="CdrBuilder"/>), stored once and for all together with its push, and POSTed
/// by the push channel to the eMSP of its token. A record that is invalid, or that its tariff cannot price, is parked in
/// "sdrs-in-poison" with the reason (never sent with zero costs); after the fix an operator replays it. A record seen
/// twice stores nothing twice; one reusing the id of a different stored CDR is parked: a CDR is corrected by a credit
/// CDR and a new one, never edited.
/// </summary>
public sealed class SdrsInProcessor(CdrBuilder builder, IPartyObjectStore<Cdr> store, TimeProvider clock) : IQueueProcessor
{
    public const string Name = "sdrs-in";

    public string QueueName => Name;

    public async Task ProcessAsync(QueueWork work, CancellationToken ct)
    {
        // The back office's input, read as strictly as the operator API reads it: refused, not repaired.
        using var strict = InputNotes.Begin(lenient: false);
        Cdr cdr;
        try
        {
            // A record without last_updated is dated when it was queued, which a redelivery of the message keeps.
            cdr = await builder.BuildAsync(builder.ReadRecord(work.Body, OcpiDateTime.Normalize(work.InsertedOn ?? clock.GetUtcNow())), ct);
        }
        catch (InvalidParametersException e)
        {
            throw new UnprocessableMessageException(e.Message, e);
        }
        catch (TariffPricingException e)
        {
            throw new UnprocessableMessageException("not priced, so not sent: " + e.Message, e);
        }
        if (await store.AddAsync(DataScope.Own, cdr, Push(cdr), ct)) return;
        var stored = await store.GetAsync(DataScope.Own, new PartyKey(cdr.CountryCode!, cdr.PartyId!), cdr.Id!, ct);
        if (stored is not null && Same(stored, cdr)) return;
        throw new UnprocessableMessageException($"CDR {cdr.CountryCode}/{cdr.PartyId}/{cdr.Id} exists with other content; a CDR is never changed: "
            + "send a credit record (credit: true, credit_reference_id) and then the corrected CDR under a new id");
    }

    /// <summary>The push of a new CDR: a POST to the eMSP of its token, only.</summary>
    public static PushChange Push(Cdr cdr) =>
        new(ModuleIds.Cdrs, PushKind.Post, cdr.CountryCode!.ToUpperInvariant(), cdr.PartyId!.ToUpperInvariant(), cdr.Id!,
            ToCountryCode: cdr.CdrToken!.CountryCode, ToPartyId: cdr.CdrToken.PartyId);

    /// <summary>The same CDR, whenever it was dated.</summary>
    private static bool Same(Cdr a, Cdr b) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(a with { LastUpdated = null }, CdrsJson.Default.Cdr)
            .AsSpan().SequenceEqual(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(b with { LastUpdated = null }, CdrsJson.Default.Cdr));
}

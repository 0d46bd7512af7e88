using System.Text.Json.Nodes;
using static Roaming.Integration.Tests.CdrFixtures;

namespace Roaming.Integration.Tests;

/// <summary>
/// A CSO's endpoint (CPO NL/CPO) and a CSP's (eMSP DE/MSP), registered with each other, on real Azurite queues: sessions
/// and finished-session records go in through the operator API or straight onto sessions-in/sdrs-in, are priced, stored,
/// pushed, received and verified. Figures are priced by hand here from tariff T1 (see <see cref="CdrFixtures"/>): each
/// cost of a CDR is its exact amount rounded once to cents, half away from zero.
/// </summary>
public class SessionsAndCdrsTests
{
    private static Task<JsonNode?> ReceivedSession(TestEndpoint emsp, string id) => FindAsync(emsp, $"/operator/sessions/NL/CPO/{id}?scope=received");
    private static Task<JsonNode?> ReceivedCdr(TestEndpoint emsp, string id) => FindAsync(emsp, $"/operator/cdrs/NL/CPO/{id}?scope=received");
    private static Task<JsonNode?> Verdict(TestEndpoint emsp, string id) => FindAsync(emsp, $"/operator/cdrs/verifications/NL/CPO/{id}");

    [Fact]
    public async Task A_session_started_updated_and_stopped_then_its_CDR_priced_posted_and_verified_as_matching()
    {
        var (cpo, emsp, _, cpoAtEmsp) = await Fixtures.ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await PublishAsync(cpo);

        // Started: a PUT of the whole session, at the eMSP of its token. No periods yet, so no price yet.
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/sessions/NL/CPO/S1", Session(), expect: 202);
        await Fixtures.Eventually(async () => await ReceivedSession(emsp, "S1") is not null, "the started session at the eMSP");
        Assert.Null((await ReceivedSession(emsp, "S1"))!["total_cost"]);

        // Updated with periods: each PATCH adds its period, and total_cost is the running price of the periods so far.
        // 10:30, 5 kWh: FLAT 0.50 + 5 x 0.30 = 2.00 excl.; incl. 0.605 + 1.815 = 2.42.
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/sessions/NL/CPO/S1",
            new JsonObject { ["kwh"] = 5, ["charging_periods"] = new JsonArray(Periods[0].DeepClone()), ["last_updated"] = At(30) }, expect: 202);
        await Fixtures.Eventually(async () => (await ReceivedSession(emsp, "S1"))!["charging_periods"]?.AsArray().Count == 1, "the first period at the eMSP");
        var s = (await ReceivedSession(emsp, "S1"))!;
        Assert.Equal((2.00m, 2.42m), (s.Dec("total_cost.excl_vat"), s.Dec("total_cost.incl_vat")));
        Assert.Equal("T1", s.Str("charging_periods.0.tariff_id"));

        // 11:00, 11 kWh: 0.50 + 11 x 0.30 = 3.80; incl. 0.605 + 3.993 = 4.598 -> 4.60.
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/sessions/NL/CPO/S1",
            new JsonObject { ["kwh"] = 11, ["charging_periods"] = new JsonArray(Periods[1].DeepClone()), ["last_updated"] = At(60) }, expect: 202);
        await Fixtures.Eventually(async () => (await ReceivedSession(emsp, "S1"))!["charging_periods"]?.AsArray().Count == 2, "the second period at the eMSP");
        s = (await ReceivedSession(emsp, "S1"))!;
        Assert.Equal((3.80m, 4.60m), (s.Dec("total_cost.excl_vat"), s.Dec("total_cost.incl_vat")));
        Assert.Equal(11m, s.Dec("kwh"));

        // Stopped at 11:15 after 15 minutes parked: + 0.25 h x 2.00 = 0.50; 4.30 excl.; incl. 4.598 + 0.605 = 5.203 -> 5.20.
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/sessions/NL/CPO/S1", new JsonObject
        {
            ["status"] = "COMPLETED", ["end_date_time"] = At(75), ["charging_periods"] = new JsonArray(Periods[2].DeepClone()), ["last_updated"] = At(75),
        }, expect: 202);
        await Fixtures.Eventually(async () => (await ReceivedSession(emsp, "S1"))!.Str("status") == "COMPLETED", "the stopped session at the eMSP");
        s = (await ReceivedSession(emsp, "S1"))!;
        Assert.Equal(3, s["charging_periods"]!.AsArray().Count);
        Assert.Equal([At(0), At(30), At(60)], s["charging_periods"]!.AsArray().Select(p => p!.Str("start_date_time").Replace(".000", "")));
        Assert.Equal((4.30m, 5.20m), (s.Dec("total_cost.excl_vat"), s.Dec("total_cost.incl_vat")));
        Assert.Equal(At(75), s.Str("end_date_time").Replace(".000", ""));
        // A pull finds the same session; a pull of what changed since then nothing (it was last updated at 11:15 on 2 March 2026).
        var pulled = await PullAsync(emsp, cpoAtEmsp, "sessions", "Full");
        Assert.Equal(("Succeeded", 1), (pulled.Str("state"), pulled["fetched"]!.GetValue<int>()));
        pulled = await PullAsync(emsp, cpoAtEmsp, "sessions", "Delta");
        Assert.Equal(("Succeeded", "Delta", 0), (pulled.Str("state"), pulled.Str("mode"), pulled["fetched"]!.GetValue<int>()));
        Assert.Equal(s.ToJsonString(), (await ReceivedSession(emsp, "S1"))!.ToJsonString());

        // Its CDR: the record names no tariff and carries no costs; the session's tariff prices it.
        await cpo.OperatorAsync(HttpMethod.Post, "/operator/cdrs", Record("CDR1", sessionId: "S1"), expect: 202);
        await Fixtures.Eventually(async () => await FindAsync(cpo, "/operator/cdrs/NL/CPO/CDR1") is not null, "the CDR built at the CPO");
        var cdr = (await FindAsync(cpo, "/operator/cdrs/NL/CPO/CDR1"))!;
        Assert.Equal((4.30m, 5.20m), (cdr.Dec("total_cost.excl_vat"), cdr.Dec("total_cost.incl_vat")));
        Assert.Equal((0.50m, 0.61m), (cdr.Dec("total_fixed_cost.excl_vat"), cdr.Dec("total_fixed_cost.incl_vat")));       // 0.605
        Assert.Equal((3.30m, 3.99m), (cdr.Dec("total_energy_cost.excl_vat"), cdr.Dec("total_energy_cost.incl_vat")));     // 3.993
        Assert.Equal((0.50m, 0.61m), (cdr.Dec("total_parking_cost.excl_vat"), cdr.Dec("total_parking_cost.incl_vat")));   // 0.605
        Assert.Null(cdr["total_time_cost"]); // T1 has no TIME component: charging time is free
        Assert.Equal((11m, 1.25m, 0.25m), (cdr.Dec("total_energy"), cdr.Dec("total_time"), cdr.Dec("total_parking_time")));
        Assert.Equal("T1", cdr.Str("tariffs.0.id"));
        Assert.All(cdr["charging_periods"]!.AsArray(), p => Assert.Equal("T1", p!.Str("tariff_id")));

        // POSTed to the eMSP, whose answer's Location the CPO keeps; verified there as matching, and passed on to billing once.
        await Fixtures.Eventually(async () => (await Verdict(emsp, "CDR1"))?["forwarded_at"] is not null, "the CDR verified and forwarded at the eMSP");
        Assert.Equal("MATCHES", (await Verdict(emsp, "CDR1"))!.Str("verdict"));
        Assert.Equal(cdr.ToJsonString(), (await ReceivedCdr(emsp, "CDR1"))!.ToJsonString());
        var delivery = await cpo.OperatorAsync(HttpMethod.Get, "/operator/cdrs/NL/CPO/CDR1/delivery");
        Assert.Equal(new Uri(emsp.BaseUri, "/ocpi/emsp/2.2.1/cdrs/NL/CPO/CDR1").ToString(), delivery.Str("location"));
        var billed = Assert.Single(await PeekAsync(emsp, "cdrs-verified"));
        Assert.Equal(("CDR1", "MATCHES", 4.30m), (billed.Str("id"), billed.Str("verdict"), billed.Dec("cdr.total_cost.excl_vat")));
        Assert.Equal(1, await Fixtures.TotalAsync(emsp, "/operator/cdrs?scope=received&verdict=matches"));
        Assert.Equal(0, await Fixtures.TotalAsync(emsp, "/operator/cdrs?verdict=differs"));
    }

    [Fact]
    public async Task A_correction_is_a_credit_CDR_and_a_new_CDR_never_an_edit()
    {
        var (cpo, emsp, _, cpoAtEmsp) = await Fixtures.ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await PublishAsync(cpo);
        await cpo.OperatorAsync(HttpMethod.Post, "/operator/cdrs", Record("CDR7"), expect: 202);
        await Fixtures.Eventually(async () => (await Verdict(emsp, "CDR7"))?["verdict"] is not null, "the first CDR verified");
        var original = (await FindAsync(cpo, "/operator/cdrs/NL/CPO/CDR7"))!;

        // The same id with other figures is not an edit: it is parked with the reason, and the CDR stays as it was.
        var edited = Record("CDR7", periods: [Period(0, ("ENERGY", 4.0), ("TIME", 1.0))], endMinute: 60);
        await cpo.OperatorAsync(HttpMethod.Post, "/operator/cdrs", edited, expect: 202);
        await Fixtures.Eventually(async () => await Fixtures.TotalAsync(cpo, "/operator/queues/sdrs-in/poison") == 1, "the edit parked");
        Assert.Contains("never changed", (await cpo.OperatorAsync(HttpMethod.Get, "/operator/queues/sdrs-in/poison")).Str("items.0.reason"));
        Assert.Equal(original.ToJsonString(), (await FindAsync(cpo, "/operator/cdrs/NL/CPO/CDR7"))!.ToJsonString());

        // The correction: a credit CDR (all of the original's data, total_cost negated), then the corrected CDR under a new id.
        await cpo.OperatorAsync(HttpMethod.Post, "/operator/cdrs", new JsonObject
        {
            ["country_code"] = "NL", ["party_id"] = "CPO", ["credit"] = true, ["credit_reference_id"] = "CDR7",
        }, expect: 202);
        var corrected = Record("CDR8", periods: [Period(0, ("ENERGY", 4.0), ("TIME", 1.0))], endMinute: 60);
        await cpo.OperatorAsync(HttpMethod.Post, "/operator/cdrs", corrected, expect: 202);
        await Fixtures.Eventually(async () => (await Verdict(emsp, "CDR7-C"))?["verdict"] is not null && (await Verdict(emsp, "CDR8"))?["verdict"] is not null,
            "the credit and the new CDR verified at the eMSP");

        var credit = (await ReceivedCdr(emsp, "CDR7-C"))!;
        Assert.True(credit["credit"]!.GetValue<bool>());
        Assert.Equal("CDR7", credit.Str("credit_reference_id"));
        Assert.Equal((-4.30m, -5.20m), (credit.Dec("total_cost.excl_vat"), credit.Dec("total_cost.incl_vat")));
        Assert.Equal(original.Dec("total_energy_cost.excl_vat"), credit.Dec("total_energy_cost.excl_vat"));
        Assert.Equal(original["charging_periods"]!.ToJsonString(), credit["charging_periods"]!.ToJsonString());
        Assert.Equal("MATCHES", (await Verdict(emsp, "CDR7-C"))!.Str("verdict"));

        // CDR8: FLAT 0.50 + 4 x 0.30 = 1.70 excl.; incl. 0.605 + 1.452 = 2.057 -> 2.06.
        var fresh = (await ReceivedCdr(emsp, "CDR8"))!;
        Assert.Equal((1.70m, 2.06m), (fresh.Dec("total_cost.excl_vat"), fresh.Dec("total_cost.incl_vat")));
        Assert.Null(fresh["credit"]);
        Assert.Equal("MATCHES", (await Verdict(emsp, "CDR8"))!.Str("verdict"));
        // The original is still there, unchanged, on both sides.
        Assert.Equal(original.ToJsonString(), (await ReceivedCdr(emsp, "CDR7"))!.ToJsonString());
        Assert.Equal(3, await Fixtures.TotalAsync(emsp, "/operator/cdrs?scope=received"));

        // What pushes brought, a pull finds again: the CPO lists the eMSP's three CDRs, none is stored twice.
        var done = await PullAsync(emsp, cpoAtEmsp, "cdrs", "Full");
        Assert.Equal(("Succeeded", 3, 0), (done.Str("state"), done["fetched"]!.GetValue<int>(), done["failed"]!.GetValue<int>()));
        Assert.Equal(3, await Fixtures.TotalAsync(emsp, "/operator/cdrs?scope=received"));
        Assert.Equal(3, await Fixtures.TotalAsync(emsp, "/operator/cdrs/verifications"));
    }

    [Fact]
    public async Task With_the_emsp_down_during_delivery_the_CDR_arrives_once_it_is_back_and_only_once()
    {
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await PublishAsync(cpo);

        await emsp.StopAsync();
        await cpo.OperatorAsync(HttpMethod.Post, "/operator/cdrs", Record("DOWN1"), expect: 202);
        await Fixtures.Eventually(async () => await FindAsync(cpo, "/operator/cdrs/NL/CPO/DOWN1") is not null, "the CDR built while the eMSP is down");
        await Task.Delay(1500); // a few failed POSTs
        Assert.Null(await FindAsync(cpo, "/operator/cdrs/NL/CPO/DOWN1/delivery"));
        await emsp.StartAgainAsync();

        await Fixtures.Eventually(async () => (await Verdict(emsp, "DOWN1"))?["forwarded_at"] is not null, "the CDR delivered, verified and forwarded");
        await Fixtures.Eventually(async () => (await cpo.OperatorAsync(HttpMethod.Get, "/operator/queues"))!.AsArray()
            .Where(q => q!.Str("name") == "ocpi-push").All(q => q!["messages"]!.GetValue<int>() == 0), "the push queue drained");
        Assert.Equal(1, await Fixtures.TotalAsync(emsp, "/operator/cdrs?scope=received"));
        Assert.Equal(1, await Fixtures.TotalAsync(emsp, "/operator/cdrs/verifications"));
        Assert.Single(await PeekAsync(emsp, "cdrs-verified"));
        Assert.NotNull(await FindAsync(cpo, "/operator/cdrs/NL/CPO/DOWN1/delivery"));
        Assert.Equal(0, await Fixtures.TotalAsync(cpo, "/operator/queues/sdrs-in/poison"));
    }

    [Fact]
    public async Task Signed_data_from_the_meter_reaches_the_emsp_and_billing_byte_for_byte()
    {
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await PublishAsync(cpo);

        // As a meter and its CSMS wrote it: odd spacing, escaped characters, a number form of its own. Any re-encoding would show.
        const string signed = """{ "encoding_method" : "OCMF", "encoding_method_version":1 ,"public_key":"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\u002Bq\/Xw==","signed_values":[{"nature":"Start","plain_data":"OCMF|{\"FV\":\"1.0\",\"GI\":\"ABL SBC-301\",\"RD\":[{\"TM\":\"2026-03-02T11:00:00,000+0100 S\",\"RV\":0.0,\"RU\":\"kWh\"}]}|{\"SA\":\"ECDSA-secp256r1-SHA256\"}","signed_data":"MEUCIQDk\u002Bz\/3aHQ=="}, {"nature":"End","plain_data":"\u00e9nd 11.0 kWh","signed_data":"MEQCIF9\/Zg=="}] ,"url":"https:\/\/transparency.example.com\/check"}""";
        var record = Record("SIGNED1").ToJsonString();
        record = record[..^1] + ",\"signed_data\":" + signed + "}";
        await SendAsync(cpo, "sdrs-in", record);

        await Fixtures.Eventually(async () => (await Verdict(emsp, "SIGNED1"))?["forwarded_at"] is not null, "the CDR verified at the eMSP");
        Assert.Equal(signed, RawMember(await RawAsync(cpo, "/operator/cdrs/NL/CPO/SIGNED1"), "signed_data"));
        Assert.Equal(signed, RawMember(await RawAsync(emsp, "/operator/cdrs/NL/CPO/SIGNED1?scope=received"), "signed_data"));
        var billed = Assert.Single((await Queue(emsp, "cdrs-verified").PeekMessagesAsync(1)).Value);
        Assert.Equal(signed, RawMember(billed.Body.ToString(), "cdr", "signed_data"));
    }

    [Fact]
    public async Task A_malformed_record_on_sdrs_in_is_parked_with_its_reason_and_replayed_after_a_fix()
    {
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync();
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await PublishAsync(cpo);
        // LOC2's connector names a tariff T9 that is not published yet.
        var loc2 = Fixtures.Location("LOC2");
        loc2["evses"]![0]!["connectors"]![0]!["tariff_ids"] = new JsonArray("T9");
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/LOC2", loc2, expect: 201);

        var malformed = Record("BAD1");
        malformed["cdr_location"]!.AsObject().Remove("evse_uid");
        await SendAsync(cpo, "sdrs-in", malformed.ToJsonString());
        await SendAsync(cpo, "sdrs-in", Record("UNPRICED1", location: "LOC2").ToJsonString());
        await SendAsync(cpo, "sdrs-in", "{\"id\": \"NOT-JSON\", ");

        await Fixtures.Eventually(async () => await Fixtures.TotalAsync(cpo, "/operator/queues/sdrs-in/poison") == 3, "three records parked");
        var parked = (await cpo.OperatorAsync(HttpMethod.Get, "/operator/queues/sdrs-in/poison"))["items"]!.AsArray();
        JsonNode Parked(string text) => parked.Single(p => p!.Str("message").Contains(text))!;
        Assert.Contains("cdr_location.evse_uid: required", Parked("BAD1").Str("reason"));
        Assert.Contains("not priced, so not sent", Parked("UNPRICED1").Str("reason"));
        Assert.Contains("T9", Parked("UNPRICED1").Str("reason"));
        Assert.Contains("(body):", Parked("NOT-JSON").Str("reason"));
        Assert.Null(await FindAsync(cpo, "/operator/cdrs/NL/CPO/BAD1"));
        Assert.Null(await FindAsync(cpo, "/operator/cdrs/NL/CPO/UNPRICED1"));

        // Fixes: the record corrected by the operator; the missing tariff published, then the record replayed as it was.
        var fixedRecord = Record("BAD1");
        var replayed = await cpo.OperatorAsync(HttpMethod.Post, $"/operator/queues/sdrs-in/poison/{Parked("BAD1").Str("message_id")}/replay",
            new JsonObject { ["message"] = fixedRecord });
        Assert.Equal("replayed", replayed.Str("done"));
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/tariffs/NL/CPO/T9", Tariff("T9"), expect: 201);
        await cpo.OperatorAsync(HttpMethod.Post, $"/operator/queues/sdrs-in/poison/{Parked("UNPRICED1").Str("message_id")}/replay");
        await cpo.OperatorAsync(HttpMethod.Delete, $"/operator/queues/sdrs-in/poison/{Parked("NOT-JSON").Str("message_id")}");

        await Fixtures.Eventually(async () => (await Verdict(emsp, "BAD1"))?["verdict"] is not null && (await Verdict(emsp, "UNPRICED1"))?["verdict"] is not null,
            "both replayed records priced, sent and verified");
        Assert.Equal(4.30m, (await ReceivedCdr(emsp, "BAD1"))!.Dec("total_cost.excl_vat"));
        Assert.Equal("T9", (await ReceivedCdr(emsp, "UNPRICED1"))!.Str("tariffs.0.id"));
        Assert.Equal(0, await Fixtures.TotalAsync(cpo, "/operator/queues/sdrs-in/poison"));
    }
}

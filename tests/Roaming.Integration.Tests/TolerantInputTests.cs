using System.Text.Json.Nodes;
using Roaming.Core.Tests;
using Roaming.Core.Tests.Locations;

namespace Roaming.Integration.Tests;

/// <summary>Tolerant in what partners send, strict in what is kept and sent, and what was needed shown to the operator.</summary>
public class TolerantInputTests
{
    private const string Receiver = "/ocpi/emsp/2.2.1/locations/BE/SPC/";

    [Fact]
    public async Task A_sloppy_location_is_taken_kept_strict_and_counted_for_the_partner()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var cpo = await SloppyPartner.ConnectAsync(emsp, "CPO");

        var (status, put, _) = await cpo.CallAsync(emsp, HttpMethod.Put, Receiver + "L1", SloppyInput.Location("L1").ToJsonString());
        Assert.True(status == 201, put.ToJsonString());
        LocationExampleTests.AssertJsonEqual(SloppyInput.LocationNormalised("L1"), (await cpo.CallAsync(emsp, HttpMethod.Get, Receiver + "L1")).Body["data"]!);

        // A PATCH with a lowercase status and last_updated with an offset, a space and nine fractional digits.
        var (patched, patchAnswer, _) = await cpo.CallAsync(emsp, HttpMethod.Patch, Receiver + "L1/L1-E1",
            "{\"status\": \"charging\", \"last_updated\": \"2026-02-01 12:00:00.000000000+01:00\"}");
        Assert.True(patched == 200 && patchAnswer["status_code"]!.GetValue<int>() == 1000, patchAnswer.ToJsonString());
        var evse = (await cpo.CallAsync(emsp, HttpMethod.Get, Receiver + "L1/L1-E1")).Body["data"]!;
        Assert.Equal("CHARGING", evse.Str("status"));
        Assert.Equal("2026-02-01T11:00:00Z", evse.Str("last_updated"));

        var corrections = await cpo.CorrectionsAsync(emsp);
        foreach (var (field, action, kind) in SloppyInput.LocationNotes)
            Assert.True(corrections.ContainsKey((field, action, kind)), $"{field} {action} {kind} not in [{string.Join("; ", corrections.Keys)}]");
        Assert.Equal((1, "2026-01-01T10:00:00.000000000Z"), corrections[("Location.last_updated", "Normalised", "datetime-not-utc-z")]);
        Assert.Equal(1, corrections[("Evse.status", "Normalised", "enum-case")].Count);
        Assert.Equal("2026-02-01 12:00:00.000000000+01:00", corrections[("Evse.last_updated", "Normalised", "datetime-not-utc-z")].Example);

        // The same sloppiness again adds up; the view is one partner's only.
        Assert.Equal(200, (await cpo.CallAsync(emsp, HttpMethod.Put, Receiver + "L1", SloppyInput.Location("L1").ToJsonString())).Http);
        Assert.Equal(2, (await cpo.CorrectionsAsync(emsp))[("Location.last_updated", "Normalised", "datetime-not-utc-z")].Count);
        await using var other = await SloppyPartner.ConnectAsync(emsp, "EMSP", party: "OTH");
        Assert.Empty(await other.CorrectionsAsync(emsp));
    }

    [Fact]
    public async Task Notes_older_than_the_window_are_removed_when_the_partner_is_next_noted()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var cpo = await SloppyPartner.ConnectAsync(emsp, "CPO");
        // Tallies of days long gone (their examples are the partner's data) and of the window's first day.
        var today = DateTime.UtcNow.Date;
        string Day(int daysAgo) => today.AddDays(-daysAgo).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var notes = new global::Azure.Data.Tables.TableClient(Azurite.ConnectionString, emsp.Prefix + "inputnotes");
        foreach (var daysAgo in new[] { 400, 30, 29 })
            await notes.AddEntityAsync(new global::Azure.Data.Tables.TableEntity(cpo.PartnerId, $"{Day(daysAgo)}|LOCATION.NAME|Normalised|old")
            {
                ["Field"] = "Location.name", ["Action"] = "Normalised", ["Kind"] = "old", ["Count"] = 1L, ["Example"] = "kept too long",
                ["LastSeen"] = DateTimeOffset.UtcNow.AddDays(-daysAgo),
            });

        Assert.Equal(201, (await cpo.CallAsync(emsp, HttpMethod.Put, Receiver + "L1", SloppyInput.Location("L1").ToJsonString())).Http);

        Assert.False(await Fixtures.RowExistsAsync(emsp, "inputnotes", cpo.PartnerId, $"{Day(400)}|LOCATION.NAME|Normalised|old"));
        Assert.False(await Fixtures.RowExistsAsync(emsp, "inputnotes", cpo.PartnerId, $"{Day(30)}|LOCATION.NAME|Normalised|old"));
        Assert.True(await Fixtures.RowExistsAsync(emsp, "inputnotes", cpo.PartnerId, $"{Day(29)}|LOCATION.NAME|Normalised|old"));
        Assert.Equal(1, (await cpo.CorrectionsAsync(emsp))[("Location.name", "Normalised", "old")].Count);
    }

    [Fact]
    public async Task Counts_of_concurrent_requests_add_up_without_loss()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var cpo = await SloppyPartner.ConnectAsync(emsp, "CPO");
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            cpo.CallAsync(emsp, HttpMethod.Put, Receiver + "C" + i, SloppyInput.Location("C" + i).ToJsonString())));
        Assert.All(answers, a => Assert.Equal(201, a.Http));
        // One flush at a time per partner; a request that finds one under way leaves its counts to it, and the
        // flushing request answers only when nothing is left: once every answer is in, every count is written.
        Assert.Equal(24, (await cpo.CorrectionsAsync(emsp))[("Location.last_updated", "Normalised", "datetime-not-utc-z")].Count);
        Assert.Equal(24, (await cpo.CorrectionsAsync(emsp))[("Location.evses[].status", "Normalised", "enum-case")].Count);
    }

    [Fact]
    public async Task One_bad_object_in_a_pulled_page_never_blocks_the_rest_and_the_pulled_partner_is_counted()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        var broken = SloppyInput.Location("L3");
        broken["evses"]![0]!["status"] = "BROKEN";
        await using var cpo = await SloppyPartner.RegisterWithAsync(emsp, "CPO", platform => platform.SenderLists["locations"] =
            [SloppyInput.Location("L1"), SloppyInput.Location("L2"), broken, SloppyInput.LocationNormalised("L4"), SloppyInput.Location("L5")]);

        await Fixtures.Eventually(async () => (await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{cpo.PartnerId}/sync")).AsArray()
            .Any(j => j!.Str("module") == "locations" && j!.Str("state") != "Running"), "the pull after registration");
        var job = (await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{cpo.PartnerId}/sync")).AsArray().Single(j => j!.Str("module") == "locations")!;
        Assert.Equal(4, job["stored"]!.GetValue<int>());
        Assert.Equal(1, job["failed"]!.GetValue<int>());
        Assert.Contains("evses[0].status", job.Str("last_error"));

        var received = await emsp.OperatorAsync(HttpMethod.Get, "/operator/locations?scope=received");
        Assert.Equal(["L1", "L2", "L4", "L5"], received["items"]!.AsArray().Select(l => l!.Str("id")).Order().ToArray());
        LocationExampleTests.AssertJsonEqual(SloppyInput.LocationNormalised("L1"), received["items"]![0]!);

        var corrections = await cpo.CorrectionsAsync(emsp);
        Assert.Equal(3, corrections[("Location.last_updated", "Normalised", "datetime-not-utc-z")].Count);
        Assert.Equal(3, corrections[("Location.parking_type", "Dropped", "unreadable")].Count);
    }

    [Fact]
    public async Task A_partner_answering_a_registration_sloppily_is_registered()
    {
        // Its credentials say "cpo" and give a website without a scheme: read as CPO and https://.
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var cpo = await SloppyPartner.RegisterWithAsync(emsp, "cpo", platform => platform.Website = "www.sloppy.example.com");
        var view = await emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + cpo.PartnerId);
        Assert.Equal("Registered", view.Str("state"));
        Assert.Equal("CPO", view.Str("roles.0.role"));
    }

    [Fact]
    public async Task What_we_send_is_strict_regular_hours_beside_twentyfourseven()
    {
        await using var cpo = await TestEndpoint.StartCpoAsync();
        await using var emsp = await SloppyPartner.ConnectAsync(cpo, "EMSP");
        var location = Fixtures.Location("L1");
        location["opening_times"] = new JsonObject { ["twentyfourseven"] = true };
        // The operator API takes the lossless forms too (enum case, DateTime offsets, numbers as strings).
        location["evses"]![0]!["status"] = "available";
        location["evses"]![0]!["connectors"]![0]!["max_voltage"] = "230";
        location["last_updated"] = "2026-01-01T11:00:00+01:00";
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/L1", location, expect: 201);

        var sent = (await emsp.CallAsync(cpo, HttpMethod.Get, "/ocpi/cpo/2.2.1/locations/L1")).Body["data"]!;
        Assert.True(sent["opening_times"]!["twentyfourseven"]!.GetValue<bool>());
        Assert.Empty(sent["opening_times"]!["regular_hours"]!.AsArray());
        Assert.Equal("AVAILABLE", sent.Str("evses.0.status"));
        Assert.Equal(230, sent["evses"]![0]!["connectors"]![0]!["max_voltage"]!.GetValue<int>());
        Assert.Equal("2026-01-01T10:00:00Z", sent.Str("last_updated"));

        // What it cannot take without guessing is refused with 400 naming the field.
        location["coordinates"] = new JsonObject { ["latitude"] = "52.37890012345", ["longitude"] = "4.900200" };
        using var refused = await cpo.Http.SendAsync(cpo.Operator(HttpMethod.Put, "/operator/locations/NL/CPO/L1", location));
        Assert.Equal(400, (int)refused.StatusCode);
        Assert.Contains("coordinates.latitude", await refused.Content.ReadAsStringAsync());
    }
}

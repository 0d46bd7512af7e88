using System.Text.Json.Nodes;

namespace Roaming.Integration.Tests;

/// <summary>
/// Scenarios that see the endpoints only through HTTP (operator API and OCPI), so they run unchanged against the
/// ASP.NET Core host (<see cref="BlackBoxTests"/>) and against the Functions app behind the stand-in Functions host
/// (Roaming.Functions.Tests), and against a mix of the two.
/// </summary>
public static class BlackBox
{
    /// <summary>
    /// The eMSP invites, the CPO registers with the invitation; both see each other registered with the right roles,
    /// Token A stops working, and a token rotation leaves the connection registered. Returns the partner ids.
    /// </summary>
    public static async Task<(string EmspAtCpo, string CpoAtEmsp)> HandshakeAsync(EndpointClient cpo, EndpointClient emsp)
    {
        var invitation = await emsp.OperatorAsync(HttpMethod.Post, "/operator/invitations", new { name = "NL CPO" }, expect: 201);
        var tokenA = invitation.Str("token");
        Assert.Equal(emsp.VersionsUrl, invitation.Str("versions_url"));

        var (status, versions, response) = await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA);
        Assert.Equal(200, status);
        Assert.Equal("2.2.1", versions.Str("data.0.version"));
        Assert.StartsWith(emsp.BaseUri.GetLeftPart(UriPartial.Authority), versions.Str("data.0.url"));
        Assert.True(response.Headers.Contains("X-Request-ID"));

        var registered = await cpo.OperatorAsync(HttpMethod.Post, "/operator/registrations",
            new { versions_url = invitation.Str("versions_url"), token = tokenA, name = "DE MSP" }, expect: 201);
        Assert.Equal("Registered", registered.Str("state"));
        Assert.Equal("EMSP", registered.Str("roles.0.role"));
        var emspAtCpo = registered.Str("id");
        var cpoAtEmsp = invitation.Str("partner_id");

        var seen = await emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + cpoAtEmsp);
        Assert.Equal("Registered", seen.Str("state"));
        Assert.Equal("CPO", seen.Str("roles.0.role"));
        Assert.Contains(seen["endpoints"]!.AsArray(), e => e!["identifier"]!.GetValue<string>() == "locations");
        Assert.Equal(401, (await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/versions", tokenA)).Http);

        // Rotation: the CPO PUTs new credentials at the eMSP and takes the eMSP's new token; still registered both ways.
        await cpo.OperatorAsync(HttpMethod.Post, $"/operator/partners/{emspAtCpo}/rotate");
        Assert.Equal("Registered", (await emsp.OperatorAsync(HttpMethod.Get, "/operator/partners/" + cpoAtEmsp)).Str("state"));
        Assert.Equal("Registered", (await cpo.OperatorAsync(HttpMethod.Get, "/operator/partners/" + emspAtCpo)).Str("state"));
        return (emspAtCpo, cpoAtEmsp);
    }

    /// <summary>A location published at the CPO arrives at the eMSP by push (ocpi-push), then a status change as a PATCH.</summary>
    public static async Task LocationPushAsync(EndpointClient cpo, EndpointClient emsp, string id)
    {
        await cpo.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Fixtures.Location(id), expect: 201);
        await Fixtures.Eventually(async () => await ReceivedAsync(emsp, id) is not null, $"location {id} at the eMSP");
        Assert.Equal(2, (await ReceivedAsync(emsp, id))!["evses"]!.AsArray().Count);

        await cpo.OperatorAsync(HttpMethod.Patch, $"/operator/locations/NL/CPO/{id}/{id}-E2", new { status = "CHARGING" });
        await Fixtures.Eventually(async () => (await ReceivedAsync(emsp, id))!.Str("evses.1.status") == "CHARGING", "the status change at the eMSP");
    }

    /// <summary>Right after registration the eMSP pulls the CPO's locations page by page (ocpi-sync) and the sync ends Succeeded.</summary>
    public static async Task LocationPullAsync(EndpointClient cpo, EndpointClient emsp, string cpoAtEmsp, IReadOnlyCollection<string> ids)
    {
        await Fixtures.Eventually(async () =>
        {
            var jobs = await emsp.OperatorAsync(HttpMethod.Get, $"/operator/partners/{cpoAtEmsp}/sync");
            return jobs.AsArray().Any(j => j!["module"]!.GetValue<string>() == "locations" && j["state"]!.GetValue<string>() == "Succeeded");
        }, "the eMSP's pull of the CPO's locations to succeed");
        foreach (var id in ids) Assert.NotNull(await ReceivedAsync(emsp, id));
    }

    /// <summary>
    /// After the handshake: a START_SESSION from the eMSP reaches the CPO's back office ("commands-out") and the
    /// answer the eMSP's response_url (the CPO's ocpi-push); a reservation accepted by the back office (on the CPO's
    /// command-results-in) shows on the EVSE and ends at its expiry (the CPO's ocpi-deadlines).
    /// </summary>
    public static async Task CommandsAsync(EndpointClient cpo, EndpointClient emsp)
    {
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/CMD1", CommandsTests.Location("CMD1"), expect: 201);
        await emsp.OperatorAsync(HttpMethod.Put, "/operator/tokens/DE/MSP/TOK1", TokensTests.Token("TOK1", "ALLOWED"), expect: 201);
        var backOffice = new StandInBackOffice(cpo);

        var sent = await CommandsTests.SendAsync(emsp, "START_SESSION", new JsonObject
        {
            ["token"] = new JsonObject { ["uid"] = "TOK1" }, ["location_id"] = "CMD1", ["evse_uid"] = "CMD1-E1",
        });
        Assert.Equal("ACCEPTED", sent.Str("response.result"));
        await backOffice.AnswerAsync(await backOffice.NextAsync("START_SESSION"), "ACCEPTED");
        Assert.Equal("ACCEPTED", (await CommandsTests.FinishedAsync(emsp, sent.Str("id"))).Str("outcome"));

        var reserved = await CommandsTests.SendAsync(emsp, "RESERVE_NOW", new JsonObject
        {
            ["token"] = new JsonObject { ["uid"] = "TOK1" }, ["reservation_id"] = "R1", ["location_id"] = "CMD1", ["evse_uid"] = "CMD1-E2",
            // Far enough ahead that a loaded machine still has the station's ACCEPTED before it expires.
            ["expiry_date"] = DateTime.UtcNow.AddSeconds(8).ToString("yyyy-MM-ddTHH:mm:ssZ"),
        });
        // This answer comes on the CPO's command-results-in queue, as a back office may send it instead of calling the API.
        await backOffice.ReportOnQueueAsync(await backOffice.NextAsync("RESERVE_NOW"), new JsonObject { ["result"] = "ACCEPTED" });
        Assert.Equal("ACCEPTED", (await CommandsTests.FinishedAsync(emsp, reserved.Str("id"))).Str("outcome"));
        await Fixtures.Eventually(async () =>
            (await cpo.OperatorAsync(HttpMethod.Get, "/operator/reservations"))["items"]!.AsArray().Single()!["ended"]?.GetValue<string>() == "EXPIRED", "the reservation expired");
        var evse = (await cpo.OperatorAsync(HttpMethod.Get, "/operator/locations/NL/CPO/CMD1"))["evses"]!.AsArray().Single(e => e!.Str("uid") == "CMD1-E2")!;
        Assert.Equal("AVAILABLE", evse.Str("status"));
    }

    public static async Task<JsonNode?> ReceivedAsync(EndpointClient emsp, string id)
    {
        using var response = await emsp.Http.SendAsync(emsp.Operator(HttpMethod.Get, $"/operator/locations/NL/CPO/{id}?scope=received"));
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync()) : null;
    }
}

/// <summary>The black-box scenarios between two ASP.NET Core hosts; Roaming.Functions.Tests runs them with the Functions app.</summary>
public class BlackBoxTests
{
    [Fact]
    public async Task Handshake_push_and_pull_between_two_hosts()
    {
        await using var cpo = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: Fixtures.FastRetries);
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/PULL1", Fixtures.Location("PULL1"), expect: 201);

        var (_, cpoAtEmsp) = await BlackBox.HandshakeAsync(cpo, emsp);
        await BlackBox.LocationPullAsync(cpo, emsp, cpoAtEmsp, ["PULL1"]);
        await BlackBox.LocationPushAsync(cpo, emsp, "PUSH1");
    }

    [Fact]
    public async Task Commands_between_two_hosts()
    {
        await using var cpo = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: Fixtures.FastRetries);
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await BlackBox.HandshakeAsync(cpo, emsp);
        await BlackBox.CommandsAsync(cpo, emsp);
    }
}

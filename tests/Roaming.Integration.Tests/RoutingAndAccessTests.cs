using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Platform;
using Roaming.Core.Transport;
using Roaming.Core.Types;
using Roaming.Core.Versions;

namespace Roaming.Integration.Tests;

/// <summary>
/// The rules every functional module inherits from the endpoint: Token A is refused (401), the OCPI-from
/// headers must name a party of the caller's connection, OCPI-to one of ours, and the answer carries them
/// swapped. A small functional module registered in the real host stands in for the modules to come.
/// </summary>
public class RoutingAndAccessTests
{
    /// <summary>A functional module with one sender route, declared as every module is.</summary>
    internal sealed class PingModule : IOcpiModule
    {
        public ModuleDeclaration Declaration => new("ping")
        {
            Interfaces = [InterfaceDeclaration.Of<object>(InterfaceRole.Sender, Role.Cpo, (routes, _) =>
                routes.Get("", ctx => Task.FromResult(OcpiResult.Status(OcpiStatus.Success, "pong " + ctx.OwnParty().Key))))],
            Versions = [new ModuleVersion<object>("ping", "2.2.1", new object())],
        };
    }

    [Fact]
    public async Task Functional_routes_check_tokens_and_routing_headers()
    {
        await using var endpoint = await TestEndpoint.StartAsync([("NL", "CPO", "CPO"), ("NL", "CP2", "CPO")],
            b => b.Services.AddSingleton<IOcpiModule, PingModule>());
        await using var partner = await SpecPartner.StartAsync();
        var invitation = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var tokenA = invitation.Str("token");

        // The declared endpoint is advertised in the version details.
        var (_, details, _) = await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", tokenA);
        Assert.Contains(details["data"]!["endpoints"]!.AsArray(), e => e!["identifier"]!.GetValue<string>() == "ping" && e["role"]!.GetValue<string>() == "SENDER");

        // Token A may not be used on a functional module.
        Assert.Equal(401, (await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/ping", tokenA)).Http);

        var (_, posted, _) = await endpoint.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", tokenA, CredentialsHandshakeTests.Credentials(partner.Issue("B"), partner));
        var tokenC = posted.Str("data.token");

        // Two CPO parties here and no OCPI-to header: ambiguous.
        var (status, body, _) = await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/ping", tokenC);
        Assert.Equal(200, status);
        Assert.Equal(2001, body["status_code"]!.GetValue<int>());

        // Correct headers: answered, with the routing headers swapped.
        var (ok, pong, response) = await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/ping", tokenC, edit: r => Route(r, "BE", "SPC", "NL", "CP2"));
        Assert.Equal(200, ok);
        Assert.Equal("pong NL/CP2", pong["status_message"]!.GetValue<string>());
        Assert.Equal("BE", response.Headers.GetValues("OCPI-to-country-code").Single());
        Assert.Equal("SPC", response.Headers.GetValues("OCPI-to-party-id").Single());
        Assert.Equal("CP2", response.Headers.GetValues("OCPI-from-party-id").Single());

        // Case-insensitive, as CiString is.
        Assert.Equal(200, (await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/ping", tokenC, edit: r => Route(r, "be", "spc", "nl", "cp2"))).Http);

        // A from-party that is not the caller's, a to-party that is not ours, half a pair, an over-long id: 2001.
        foreach (var bad in new Action<HttpRequestMessage>[]
        {
            r => Route(r, "NL", "EVL", "NL", "CPO"),
            r => Route(r, "BE", "SPC", "NL", "XXX"),
            r => r.Headers.Add("OCPI-from-party-id", "SPC"),
            r => Route(r, "BE", "SPCX", "NL", "CPO"),
        })
        {
            var (badStatus, badBody, _) = await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/cpo/2.2.1/ping", tokenC, edit: bad);
            Assert.Equal(200, badStatus);
            Assert.Equal(2001, badBody["status_code"]!.GetValue<int>());
        }
    }

    private static void Route(HttpRequestMessage r, string fromCountry, string fromParty, string toCountry, string toParty)
    {
        r.Headers.Add("OCPI-from-country-code", fromCountry);
        r.Headers.Add("OCPI-from-party-id", fromParty);
        r.Headers.Add("OCPI-to-country-code", toCountry);
        r.Headers.Add("OCPI-to-party-id", toParty);
    }
}

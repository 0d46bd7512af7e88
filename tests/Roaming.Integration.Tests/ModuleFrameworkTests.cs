using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Core.Locations;
using Roaming.Core.Platform;
using Roaming.Core.Versions;

namespace Roaming.Integration.Tests;

/// <summary>
/// The module framework: what the version details advertise is exactly what is served, for each set of hosted
/// roles; and a version added as a declaration alone (a test-only one here, with its own wire mapper) is served
/// beside 2.2.1 without touching any other code.
/// </summary>
public class ModuleFrameworkTests
{
    public static IEnumerable<object[]> HostedRoles() =>
    [
        [new[] { ("NL", "CPO", "CPO") }],
        [new[] { ("DE", "MSP", "EMSP") }],
        [new[] { ("NL", "CPO", "CPO"), ("NL", "MSP", "EMSP") }],
    ];

    [Theory]
    [MemberData(nameof(HostedRoles))]
    public async Task The_version_details_list_exactly_the_interfaces_served((string, string, string)[] parties)
    {
        await using var endpoint = await TestEndpoint.StartAsync(parties);
        var invitation = await endpoint.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var (_, details, _) = await endpoint.OcpiAsync(HttpMethod.Get, "/ocpi/2.2.1", invitation.Str("token"));
        var advertised = details["data"]!["endpoints"]!.AsArray()
            .Select(e => (e!["identifier"]!.GetValue<string>(), e["role"]!.GetValue<string>(), new Uri(e["url"]!.GetValue<string>()).AbsolutePath))
            .ToHashSet();

        var served = endpoint.Services.GetRequiredService<RoamingEndpoint>().Routes
            .Where(r => r.Interface is { Version: "2.2.1" })
            .Select(r => (r.Interface!.Module.Identifier, r.Interface.Interface.Role == InterfaceRole.Sender ? "SENDER" : "RECEIVER", r.Interface.Path))
            .ToHashSet();

        Assert.Equal(served.OrderBy(s => s.ToString()), advertised.OrderBy(a => a.ToString()));
        var roles = parties.Select(p => p.Item3).ToHashSet();
        // A role not hosted here has no routes at all (a CPO-only platform serves no eMSP receiver).
        Assert.Equal(roles.Contains("CPO"), served.Any(s => s.Path.StartsWith("/ocpi/cpo/", StringComparison.Ordinal)));
        Assert.Equal(roles.Contains("EMSP"), served.Any(s => s.Path.StartsWith("/ocpi/emsp/", StringComparison.Ordinal)));
        Assert.Contains(served, s => s.Identifier == ModuleIds.Credentials && s.Path == "/ocpi/2.2.1/credentials");
    }

    /// <summary>
    /// A made-up version "9.9" of Locations whose Location calls its name "title": the mapper is the only thing it
    /// adds. Locations stored through it read back in 2.2.1 with "name", and the other way round.
    /// </summary>
    private sealed class TitleWire(IWire<Location> inner) : IWire<Location>
    {
        public Location Read(ReadOnlyMemory<byte> body, string what = "request body") => inner.Read(Rename(JsonNode.Parse(body.Span)!, "title", "name"), what);

        public Location Read(JsonElement element, string what) => inner.Read(Rename(JsonNode.Parse(element.GetRawText())!, "title", "name"), what);

        public Location Bind(JsonElement element) => inner.Bind(Rename(JsonNode.Parse(element.GetRawText())!, "title", "name"));

        public void Write(Utf8JsonWriter writer, Location value)
        {
            var node = inner.ToNode(value);
            Rename(node, "name", "title").WriteTo(writer);
        }

        private static JsonElement Rename(JsonNode node, string from, string to)
        {
            var o = node.AsObject();
            if (o.Remove(from, out var value)) o[to] = value;
            return JsonSerializer.SerializeToElement(o);
        }

        private static JsonObject Rename(JsonObject node, string from, string to)
        {
            if (node.Remove(from, out var value)) node[to] = value;
            return node;
        }
    }

    [Fact]
    public async Task A_version_declared_on_its_own_is_served_beside_2_2_1()
    {
        var v221 = Roaming.Core.Locations.V221.LocationsV221.Version.Wire;
        var v99 = new ModuleVersion<LocationsWire>(ModuleIds.Locations, "9.9", v221 with { Location = new TitleWire(v221.Location) });
        await using var emsp = await TestEndpoint.StartAsync([("DE", "MSP", "EMSP")], b => b.Services.AddSingleton<IModuleVersion>(v99));
        var (cpo, token) = await RegisteredCpoAsync(emsp);
        await using var _ = cpo;

        var (_, versions, _) = await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/versions", token);
        Assert.Equal(["2.2.1", "9.9"], versions["data"]!.AsArray().Select(v => v!["version"]!.GetValue<string>()).Order());
        var (_, details, _) = await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/9.9", token);
        Assert.Equal("9.9", details.Str("data.version"));
        Assert.All(details["data"]!["endpoints"]!.AsArray(), e => Assert.Equal("locations", e!["identifier"]!.GetValue<string>()));

        // Written in 9.9 with "title", read in 2.2.1 with "name".
        var location = Fixtures.Location("L99", country: "BE", party: "SPC");
        location["title"] = location["name"]!.DeepClone();
        location.Remove("name");
        var (put, body, _) = await emsp.OcpiAsync(HttpMethod.Put, "/ocpi/emsp/9.9/locations/BE/SPC/L99", token, location.ToJsonString());
        Assert.True(put == 201, body.ToJsonString());
        var (_, in221, _) = await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/emsp/2.2.1/locations/BE/SPC/L99", token);
        Assert.Equal("Station L99", in221.Str("data.name"));
        var (_, in99, _) = await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/emsp/9.9/locations/BE/SPC/L99", token);
        Assert.Equal("Station L99", in99.Str("data.title"));
        Assert.Null(in99["data"]!["name"]);

        // A version nobody declared is still 3002.
        var (status, unknown, _) = await emsp.OcpiAsync(HttpMethod.Get, "/ocpi/emsp/9.8/locations/BE/SPC/L99", token);
        Assert.Equal((404, 3002), (status, unknown["status_code"]!.GetValue<int>()));
    }

    /// <summary>A partner CPO (BE/SPC) registered with the eMSP endpoint through the handshake.</summary>
    private static async Task<(SpecPartner Cpo, string Token)> RegisteredCpoAsync(TestEndpoint emsp)
    {
        var cpo = await SpecPartner.StartAsync();
        var invitation = await emsp.OperatorAsync(HttpMethod.Post, "/operator/invitations", expect: 201);
        var credentials = JsonNode.Parse(CredentialsHandshakeTests.Credentials(cpo.Issue("B"), cpo))!;
        credentials["roles"]![0]!["role"] = "CPO";
        var (status, posted, _) = await emsp.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.Str("token"), credentials.ToJsonString());
        Assert.True(status == 200, posted.ToJsonString());
        return (cpo, posted.Str("data.token"));
    }
}

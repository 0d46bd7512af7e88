using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Transport;

public class RouteTableTests
{
    private static readonly OcpiHandler Nothing = _ => Task.FromResult(OcpiResult.Ok());

    private static RouteTable Table()
    {
        var t = new RouteTable();
        t.Map("GET", "/ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}", RouteAccess.Registered, Nothing);
        t.Map("PUT", "/ocpi/emsp/2.2.1/locations/{country_code}/{party_id}/{location_id}", RouteAccess.Registered, Nothing);
        t.Map("GET", "/ocpi/versions", RouteAccess.Handshake, Nothing);
        return t;
    }

    [Fact]
    public void Binds_parameters_and_decodes_them_once()
    {
        Assert.Equal(RouteTable.Outcome.Found, Table().Match("GET", "/ocpi/emsp/2.2.1/locations/NL/ABC/LOC%2F1%2525", out var route, out var values));
        Assert.Equal("LOC/1%25", values["location_id"]);
        Assert.False(route!.Functional); // functional only when a module's declaration maps it
    }

    [Fact]
    public void A_trailing_slash_is_the_same_path() =>
        Assert.Equal(RouteTable.Outcome.Found, Table().Match("GET", "/ocpi/versions/", out _, out _));

    [Fact]
    public void Known_path_with_another_method_is_method_not_allowed() =>
        Assert.Equal(RouteTable.Outcome.MethodNotAllowed, Table().Match("DELETE", "/ocpi/emsp/2.2.1/locations/NL/ABC/1", out _, out _));

    [Fact]
    public void Methods_allowed_at_a_path_are_found_as_a_request_is_matched()
    {
        Assert.Equal(["GET", "PUT"], Table().MethodsFor("/ocpi/emsp/2.2.1/locations/NL/ABC/LOC%2F1/"));
        Assert.Empty(Table().MethodsFor("/ocpi/emsp/2.2.1/locations/NL//1"));
    }

    [Theory]
    [InlineData("/ocpi/emsp/2.2.1/locations/NL/ABC")]
    [InlineData("/ocpi/emsp/2.2.1/locations/NL//1")]
    [InlineData("/ocpi/versionsx")]
    public void Others_are_not_found(string path) => Assert.Equal(RouteTable.Outcome.NotFound, Table().Match("GET", path, out _, out _));

    [Fact]
    public void Mapping_a_route_twice_is_a_programming_error() =>
        Assert.Throws<InvalidOperationException>(() => Table().Map("GET", "/ocpi/emsp/2.2.1/locations/{a}/{b}/{c}", RouteAccess.Registered, Nothing));
}

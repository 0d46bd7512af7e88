using System.Text.Json.Serialization.Metadata;
using Roaming.Core.Partners;
using Roaming.Core.Platform;
using Roaming.Core.Types;

namespace Roaming.Core.Transport;

/// <summary>One request as a handler sees it: who called, what they asked, and helpers to read it safely.</summary>
public sealed class OcpiContext
{
    public required TransportRequest Request { get; init; }
    public required RouteTable.Route Route { get; init; }
    public required IReadOnlyDictionary<string, string> RouteValues { get; init; }
    /// <summary>The authenticated partner; null only on operator routes.</summary>
    public Partner? Caller { get; init; }
    /// <summary>The parties the caller may act for among those the request names (functional routes): held, or known behind a hub.</summary>
    public ActingParties Acting { get; init; } = ActingParties.None;
    /// <summary>The credentials token the caller presented, as decoded (never logged).</summary>
    public string? PresentedToken { get; init; }
    public bool PresentedTokenWasBase64 { get; init; }
    public required string RequestId { get; init; }
    public required string CorrelationId { get; init; }
    public RoutingHeaders Routing { get; init; }
    /// <summary>The public base URL, without trailing slash.</summary>
    public required string BaseUrl { get; init; }
    public required RoamingOptions Options { get; init; }
    public CancellationToken Cancellation { get; init; }

    /// <summary>The own party that answers: set when the handler resolved it (<see cref="OwnParty(Role)"/>); the answer's OCPI-from.</summary>
    public PartyKey? AnsweringParty { get; set; }

    public Partner Partner => Caller ?? throw new InvalidOperationException("This route has no partner caller.");

    /// <summary>The module interface the route belongs to; null on the versions endpoints and the operator API.</summary>
    public ServedInterface? Interface => Route.Interface;

    /// <summary>The OCPI version of the route.</summary>
    public string Version => Interface?.Version ?? throw new InvalidOperationException("This route belongs to no version.");

    /// <summary>The own party a request to a module interface is addressed to, in the role that hosts the interface.</summary>
    public OwnParty OwnParty() =>
        OwnParty(Interface?.Interface.HostedBy ?? throw new InvalidOperationException("This route is not hosted by a role."));

    public string Value(string name) => RouteValues[name];

    public T Body<T>(JsonTypeInfo<T> typeInfo) => OcpiJson.Read(Request.Body, typeInfo);

    public PageRequest Page() => PageRequest.Parse(Request.QueryString, Options.MaxPageSize);

    public string Url(string path) => BaseUrl + path;

    /// <summary>
    /// The own party a request is addressed to: the one named by the OCPI-to headers, or the only own party
    /// with that role. Several parties of the role and no header is ambiguous: 2001.
    /// </summary>
    public OwnParty OwnParty(Role role)
    {
        var candidates = Options.Parties.Where(p => p.Role == role).ToList();
        var party = Routing.To is { } to
            ? candidates.FirstOrDefault(p => p.Key == to)
                ?? throw new InvalidParametersException([new FieldError(OcpiHeaders.ToCountryCode, $"{to} is not a {role.ToString().ToUpperInvariant()} party of this platform")])
            : candidates.Count switch
            {
                1 => candidates[0],
                0 => throw new NotFoundException($"This platform hosts no {role.ToString().ToUpperInvariant()} party."),
                _ => throw new InvalidParametersException([new FieldError(OcpiHeaders.ToPartyId, "required: this platform hosts several parties of that role")]),
            };
        AnsweringParty = party.Key;
        return party;
    }
}

/// <summary>The OCPI-to/-from routing headers of a request, both halves present or the pair absent.</summary>
public readonly record struct RoutingHeaders(PartyKey? From, PartyKey? To)
{
    public static RoutingHeaders Parse(TransportRequest request)
    {
        return new RoutingHeaders(
            Pair(request, OcpiHeaders.FromCountryCode, OcpiHeaders.FromPartyId),
            Pair(request, OcpiHeaders.ToCountryCode, OcpiHeaders.ToPartyId));
    }

    private static PartyKey? Pair(TransportRequest request, string countryHeader, string partyHeader)
    {
        var country = request.Header(countryHeader);
        var party = request.Header(partyHeader);
        if (country is null && party is null) return null;
        var v = new OcpiValidator();
        v.CiString(countryHeader, country, 2);
        v.CiString(partyHeader, party, 3);
        v.ThrowIfInvalid();
        return new PartyKey(country!, party!);
    }
}

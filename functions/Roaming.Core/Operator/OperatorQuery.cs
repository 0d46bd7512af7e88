using System.Collections.Specialized;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Operator;

/// <summary>What the operator's object APIs (locations, tariffs) read from a request the same way.</summary>
public static class OperatorQuery
{
    /// <param name="fallback">the scope without a parameter (verdicts exist only on received CDRs)</param>
    public static DataScope Scope(string? value, DataScope fallback = DataScope.Own) => value switch
    {
        null => fallback,
        "own" => DataScope.Own,
        "received" => DataScope.Received,
        _ => throw new InvalidParametersException([new FieldError("scope", "must be 'own' or 'received'")]),
    };

    /// <summary>The country_code + party_id filter of a list, or null when neither is given.</summary>
    public static PartyKey? Party(NameValueCollection q)
    {
        if (q["country_code"] is null && q["party_id"] is null) return null;
        var v = new OcpiValidator();
        v.CiString("country_code", q["country_code"], 2);
        v.CiString("party_id", q["party_id"], 3);
        v.ThrowIfInvalid();
        return new PartyKey(q["country_code"]!, q["party_id"]!);
    }

    /// <summary>The next page's URL with the same filters, or null on the last page.</summary>
    public static string? NextLink(OcpiContext ctx, PageRequest page, string path, int returned, string? continuation, NameValueCollection q)
    {
        if (!PageRequest.HasNext(returned, continuation)) return null;
        var link = page.NextLink(ctx.Url(path), returned, continuation);
        var url = link[1..link.IndexOf('>')];
        foreach (var name in new[] { "scope", "country_code", "party_id", "status", "verdict" })
            if (q[name] is { } value) url += $"&{name}={Uri.EscapeDataString(value)}";
        return url;
    }

    /// <summary>The object's party and id from the URL, checked; for writes, the party must be one of our parties in the role that owns the objects.</summary>
    public static (PartyKey Party, string Id) Target(OcpiContext ctx, string idSegment, Role? mustBeOwn, params string[] more) =>
        Target(ctx, idSegment, 36, mustBeOwn, more);

    /// <param name="maxIdLength">the CiString length of the id (39 for a CDR)</param>
    public static (PartyKey Party, string Id) Target(OcpiContext ctx, string idSegment, int maxIdLength, Role? mustBeOwn, params string[] more)
    {
        var v = new OcpiValidator();
        v.CiString("country_code", ctx.Value("country_code"), 2);
        v.CiString("party_id", ctx.Value("party_id"), 3);
        v.CiString(idSegment, ctx.Value(idSegment), maxIdLength);
        foreach (var segment in more)
            if (ctx.RouteValues.TryGetValue(segment, out var value)) v.CiString(segment, value, 36);
        v.ThrowIfInvalid();
        var party = new PartyKey(ctx.Value("country_code"), ctx.Value("party_id"));
        if (mustBeOwn is { } role && !ctx.Options.Parties.Any(p => p.Role == role && p.Key == party))
            throw new InvalidParametersException([new FieldError("country_code", $"{party} is not a {role.ToString().ToUpperInvariant()} party of this platform")]);
        return (party, ctx.Value(idSegment));
    }

    /// <summary>The body as an object to be completed before validation (the back office may leave last_updated out).</summary>
    public static T Parse<T>(OcpiContext ctx, JsonTypeInfo<T> type) => OcpiJson.Bind(OcpiJson.ReadObject(ctx.Request.Body), type);
}

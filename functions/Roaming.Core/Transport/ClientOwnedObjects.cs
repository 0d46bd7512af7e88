using Roaming.Core.Types;

namespace Roaming.Core.Transport;

/// <summary>
/// The rules of client-owned objects (transport_and_format): a receiver URL carries the owner's country_code
/// and party_id; only that owner may read or write there, and the ids in the body must be the ids in the URL.
/// The owner is a party the caller acts for in the role that owns the module's objects (a CPO's locations are
/// written by the connection holding that party as CPO, never by one that holds it as eMSP, and by a hub only when
/// that CPO is known behind it): see <see cref="Partners.PartnerAccess"/>.
/// </summary>
public static class ClientOwnedObjects
{
    /// <summary>Checks the URL's country_code, party_id and the named id segments (CiString(36)), and that the caller owns the party.</summary>
    public static PartyKey Owner(OcpiContext ctx, params string[] idSegments) => Owner(ctx, 36, idSegments);

    /// <param name="maxIdLength">the CiString length of the ids (39 for a CDR id, 36 for most)</param>
    public static PartyKey Owner(OcpiContext ctx, int maxIdLength, params string[] idSegments)
    {
        var v = new OcpiValidator();
        v.CiString("country_code", ctx.Value("country_code"), 2);
        v.CiString("party_id", ctx.Value("party_id"), 3);
        foreach (var segment in idSegments)
            if (ctx.RouteValues.TryGetValue(segment, out var value)) v.CiString(segment, value, maxIdLength);
        v.ThrowIfInvalid();
        var party = new PartyKey(ctx.Value("country_code"), ctx.Value("party_id"));
        var owner = ctx.Interface?.Module.Owner ?? throw new InvalidOperationException("Client-owned objects need a module with an owner role.");
        // Spec: a server may answer 404 for objects under a party the client did not register.
        if (!ctx.Acting.ActsFor(party, owner))
            throw new NotFoundException($"{party} is not a {owner.ToString().ToUpperInvariant()} party of this connection; its objects cannot be read or written here.",
                OcpiStatus.InvalidOrMissingParameters);
        return party;
    }

    /// <summary>An id in the body must be the id in the URL (compared as CiString); otherwise 2001.</summary>
    public static void SameIdentity(string? inBody, string inUrl, string field)
    {
        if (!string.Equals(inBody, inUrl, StringComparison.OrdinalIgnoreCase))
            throw new InvalidParametersException([new FieldError(field, $"'{inBody}' differs from '{inUrl}' in the URL")]);
    }
}

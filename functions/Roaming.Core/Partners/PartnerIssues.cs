using System.Text.Json.Serialization;
using Roaming.Core.Storage;
using Roaming.Core.Transport;

namespace Roaming.Core.Partners;

/// <summary>Something on a connection an operator should look at, shown in the partner view until it is resolved or acknowledged.</summary>
/// <param name="Kind">what it is about, one entry per kind (e.g. "push-refused:locations")</param>
public sealed record PartnerIssue(string Kind, string Message, DateTimeOffset Since);

/// <summary>The kinds of <see cref="PartnerIssue"/>, and how a connection's record is changed from background work.</summary>
public static class PartnerIssues
{
    /// <summary>The partner committed a registration we could not complete as it should be.</summary>
    public const string Registration = "registration";

    /// <summary>A full pull that would have removed more than the allowed share of a module's objects (kind + ":" + module).</summary>
    public static string SyncRemovalsHeld(string module) => "sync-removals-held:" + module;

    /// <summary>Pushes the partner refused in a way that no retry can change (kind + ":" + module).</summary>
    public static string PushRefused(string module) => "push-refused:" + module;

    /// <summary>Sets the issue of its kind (a later one replaces an earlier); returns whether anything changed.</summary>
    public static bool Flag(this Partner partner, string kind, string message, DateTimeOffset now)
    {
        // Shown in operator views and stored in one column: a few hundred characters say enough.
        if (message.Length > 500) message = message[..500] + "…";
        var existing = partner.Issues.FindIndex(i => i.Kind == kind);
        if (existing >= 0 && partner.Issues[existing].Message == message) return false;
        var issue = new PartnerIssue(kind, message, existing >= 0 ? partner.Issues[existing].Since : now);
        if (existing >= 0) partner.Issues[existing] = issue;
        else partner.Issues.Add(issue);
        return true;
    }

    public static bool Clear(this Partner partner, string kind) => partner.Issues.RemoveAll(i => i.Kind == kind) > 0;

    /// <summary>
    /// Changes a partner from background work (a push, a pull) that does not hold a fresh copy: read, change, write,
    /// again on a concurrent change. <paramref name="change"/> returns false when there is nothing to write.
    /// </summary>
    public static async Task UpdateAsync(this IPartnerStore store, string partnerId, Func<Partner, bool> change, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var partner = await store.GetAsync(partnerId, ct);
            if (partner is null || !change(partner)) return;
            try { await store.UpdateAsync(partner, ct); return; }
            catch (ConcurrencyException) { }
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(List<PartnerIssue>))]
public sealed partial class PartnersJson : JsonSerializerContext;

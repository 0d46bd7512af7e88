using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Commands;

/// <summary>
/// Where an asynchronous request stands (mod_commands, mod_charging_profiles): sent and not yet answered, waiting for
/// its result (the receiver accepted it), or finished (a result, a refusal, a timeout or a failed call).
/// </summary>
[JsonConverter(typeof(OcpiEnumConverter<RequestState>))]
public enum RequestState
{
    [JsonStringEnumMemberName("SENDING")] Sending,
    [JsonStringEnumMemberName("WAITING")] Waiting,
    [JsonStringEnumMemberName("FINISHED")] Finished,
}

/// <summary>
/// A request we sent to a partner's receiver interface (we are the eMSP, or the SCSP): what was sent (without its
/// response_url), the receiver's answer, the results posted to our response_url. The response_url carries a secret
/// bound to this request and its partner; only its keyed hash is kept (<see cref="CallbackHash"/>).
/// </summary>
public sealed record SentRequest
{
    /// <summary>Our party that sent it.</summary>
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    /// <summary>Our reference, random: the operator API's and the response_url's.</summary>
    public string? Id { get; init; }
    /// <summary>The command (START_SESSION, …) or charging profile request (SET_CHARGING_PROFILE, …).</summary>
    public string? Type { get; init; }
    public string? PartnerId { get; init; }
    public string? ToCountryCode { get; init; }
    public string? ToPartyId { get; init; }
    public JsonElement? Request { get; init; }
    /// <summary>HMAC of the response_url's secret; never shown.</summary>
    public string? CallbackHash { get; init; }
    public RequestState? State { get; init; }
    /// <summary>The receiver's answer (result, timeout, message).</summary>
    public JsonElement? Response { get; init; }
    /// <summary>The results posted to the response_url, oldest first (a CPO may cancel an accepted reservation later).</summary>
    public List<JsonElement>? Results { get; init; }
    /// <summary>The last word: the latest result's, the receiver's refusal, TIMEOUT, or none after a failed call.</summary>
    public string? Outcome { get; init; }
    public string? Error { get; init; }
    /// <summary>No result by then: TIMEOUT.</summary>
    public DateTimeOffset? Deadline { get; init; }
    /// <summary>After a result, the response_url takes one more until then (a reservation's expiry).</summary>
    public DateTimeOffset? OpenUntil { get; init; }
    /// <summary>How many outcomes are due on the command-results queue, and how many went.</summary>
    public int Notices { get; init; }
    public int Notified { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    [JsonIgnore]
    public PartyKey Party => new(CountryCode!, PartyId!);

    [JsonIgnore]
    public PartyKey To => new(ToCountryCode!, ToPartyId!);
}

/// <summary>
/// A request a partner sent to our receiver interface (we are the CPO): what it asked (without its response_url), what
/// we answered, the results our back office reported and how many of them reached the response_url.
/// </summary>
public sealed record ReceivedRequest
{
    /// <summary>Our party it was addressed to.</summary>
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }
    /// <summary>Our reference, random: the back office's and the operator API's.</summary>
    public string? Id { get; init; }
    public string? Type { get; init; }
    public string? PartnerId { get; init; }
    public string? FromCountryCode { get; init; }
    public string? FromPartyId { get; init; }
    public JsonElement? Request { get; init; }
    public string? ResponseUrl { get; init; }
    /// <summary>What we answered (result, timeout, message).</summary>
    public JsonElement? Response { get; init; }
    public RequestState? State { get; init; }
    /// <summary>The results for the response_url, oldest first.</summary>
    public List<JsonElement>? Results { get; init; }
    /// <summary>How many of <see cref="Results"/> the sender took.</summary>
    public int Delivered { get; init; }
    public string? Outcome { get; init; }
    /// <summary>No result from the back office by then: TIMEOUT.</summary>
    public DateTimeOffset? Deadline { get; init; }
    public DateTimeOffset? Created { get; init; }
    public DateTimeOffset? LastUpdated { get; init; }

    [JsonIgnore]
    public PartyKey Party => new(CountryCode!, PartyId!);

    [JsonIgnore]
    public PartyKey From => new(FromCountryCode!, FromPartyId!);
}

/// <summary>What the engine needs to know of a module with asynchronous requests.</summary>
public sealed class RequestRules
{
    public required string Module { get; init; }

    /// <summary>What a receiver sends when its back office gave no answer in time (commands: TIMEOUT); null: nothing, the sender times out on its own.</summary>
    public JsonElement? TimeoutResult { get; init; }

    /// <summary>Whether an outcome may follow an earlier result on the same response_url (a CPO cancelling an accepted reservation).</summary>
    public Func<string, bool> FollowUp { get; init; } = _ => false;

    /// <summary>After its first result, until when a sent request's response_url takes a follow-up.</summary>
    public Func<SentRequest, DateTimeOffset?> OpenAfter { get; init; } = _ => null;
}

/// <summary>The requests of one module, sent and received, each in its own table under our party.</summary>
public sealed record RequestBook(RequestRules Rules, IPartyObjectStore<SentRequest> Sent, IPartyObjectStore<ReceivedRequest> Received)
{
    public string Module => Rules.Module;

    public static PartyObjectKind<SentRequest> SentKind(string module) =>
        new(module, module + "sent", RequestsJson.Default.SentRequest, r => r.Party, r => r.Id!, r => r.LastUpdated);

    public static PartyObjectKind<ReceivedRequest> ReceivedKind(string module) =>
        new(module, module + "received", RequestsJson.Default.ReceivedRequest, r => r.Party, r => r.Id!, r => r.LastUpdated);
}

/// <summary>Every module's book, and finding a request by its id among our parties.</summary>
public sealed class RequestBooks(IEnumerable<RequestBook> books, IOptions<RoamingOptions> options)
{
    private readonly Dictionary<string, RequestBook> _books = books.ToDictionary(b => b.Module);

    public RequestBook For(string module) => _books[module];

    /// <summary>A sent request by id: a point read per own party (an id does not say which of ours sent it).</summary>
    public async Task<SentRequest?> FindSentAsync(string module, string id, CancellationToken ct)
    {
        if (!Ids.Valid(id)) return null;
        foreach (var party in OwnParties)
            if (await For(module).Sent.GetAsync(DataScope.Own, party, id, ct) is { } found) return found;
        return null;
    }

    public async Task<ReceivedRequest?> FindReceivedAsync(string module, string id, CancellationToken ct)
    {
        if (!Ids.Valid(id)) return null;
        foreach (var party in OwnParties)
            if (await For(module).Received.GetAsync(DataScope.Own, party, id, ct) is { } found) return found;
        return null;
    }

    private IEnumerable<PartyKey> OwnParties => options.Value.Parties.Select(p => p.Key).Distinct();
}

/// <summary>Request ids and the secrets of response_urls.</summary>
public static class Ids
{
    /// <summary>A new request id: 128 random bits, URL-safe (22 characters).</summary>
    public static string New() => Base64Url(RandomNumberGenerator.GetBytes(16));

    /// <summary>A new response_url secret: 256 random bits, URL-safe (43 characters).</summary>
    public static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Whether a URL segment can be an id we made (anything else is not looked up).</summary>
    public static bool Valid(string id) => id.Length == 22 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The keyed hash a response_url's secret is kept as: whoever reads the table cannot call the URL. Its key is derived
/// from Roaming:TokenKey for this purpose alone.
/// </summary>
public sealed class CallbackSecrets
{
    private readonly byte[] _key;

    public CallbackSecrets(IOptions<RoamingOptions> options) =>
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromBase64String(options.Value.TokenKey!), 32, info: "ocpi-response-url-secret"u8.ToArray());

    /// <summary>The hash of a secret, bound to the request it was made for.</summary>
    public string Hash(string requestId, string secret) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(requestId + "|" + secret)));

    public bool Matches(string requestId, string secret, string? hash) =>
        hash is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(requestId, secret)), Encoding.ASCII.GetBytes(hash));
}

public static class RequestJson
{
    /// <summary>An object as a stored element, leaving a field out (a request's response_url, kept beside it).</summary>
    public static JsonElement Element(System.Text.Json.Nodes.JsonObject value, string? without = null)
    {
        if (without is not null) value.Remove(without);
        using var document = JsonDocument.Parse(value.ToJsonString());
        return document.RootElement.Clone();
    }
}

public static class RequestsRegistration
{
    /// <summary>A module's asynchronous requests: its book (two tables) and the rules the engine follows for it.</summary>
    public static IServiceCollection AddRequests(this IServiceCollection services, RequestRules rules)
    {
        services.AddSingleton(sp =>
        {
            var stores = sp.GetRequiredService<IPartyObjectStores>();
            return new RequestBook(rules, stores.For(RequestBook.SentKind(rules.Module)), stores.For(RequestBook.ReceivedKind(rules.Module)));
        });
        services.AddSingleton<IPartyObjectStore>(sp => sp.GetServices<RequestBook>().Single(b => b.Module == rules.Module).Sent);
        services.AddSingleton<IPartyObjectStore>(sp => sp.GetServices<RequestBook>().Single(b => b.Module == rules.Module).Received);
        return services;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(SentRequest))]
[JsonSerializable(typeof(ReceivedRequest))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonObject))]
public sealed partial class RequestsJson : JsonSerializerContext;

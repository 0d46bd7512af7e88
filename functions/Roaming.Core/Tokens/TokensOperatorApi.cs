using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Roaming.Core.PartyObjects;
using Roaming.Core.Platform;
using Roaming.Core.Storage;
using Roaming.Core.Transport;
using Roaming.Core.Types;

namespace Roaming.Core.Tokens;

/// <summary>
/// The back office's tokens. An eMSP publishes its tokens on /operator/tokens (PUT one, POST many, PATCH some fields,
/// e.g. <c>{"valid": false}</c> to block; the type in <c>?type=</c>, RFID when absent), each stored and then pushed to
/// its CPO partners; a token's <c>restrictions</c> stay here. Tokens cannot be deleted (mod_tokens): they are made
/// invalid. Both roles read theirs or partners' (scope=received), paged. A CPO's charging station back office asks
/// <c>POST /operator/authorize</c> whether a presented token may charge.
/// </summary>
public sealed class TokensOperatorApi(PartyObjectsOperatorApi<Token> api, AuthorizationService authorization, TimeProvider clock) : IRouteGroup
{
    private const string Base = "/operator/tokens";

    /// <summary>The most tokens one import call takes; a larger set is sent in several calls.</summary>
    public const int MaxImport = 1000;

    public void Map(RouteTable routes)
    {
        api.Map(routes, Base, Complete, delete: false,
            patch: (t, now) => t with { LastUpdated = now }, identify: TokensModule.Addressed);
        routes.Map("POST", Base, RouteAccess.Operator, ImportAsync);
        routes.Map("POST", "/operator/authorize", RouteAccess.Operator, AuthorizeAsync);
    }

    private static Token Complete(Token t, PartyKey party, ObjectAddress address, DateTimeOffset now) =>
        t with { CountryCode = party.CountryCode, PartyId = party.PartyId, Uid = address.Id, Type = TokenTypes.Parse(address.Variant), LastUpdated = t.LastUpdated ?? now };

    /// <summary>Many tokens in one call, each validated and stored on its own (with its push); the answer says which failed and why.</summary>
    private async Task<OcpiResult> ImportAsync(OcpiContext ctx)
    {
        var items = ctx.Body(TokensOperatorJson.Default.ListJsonElement);
        if (items.Count > MaxImport)
            throw new InvalidParametersException([new FieldError("(body)", $"{items.Count} tokens; at most {MaxImport} per call")]);
        var own = ctx.Options.Parties.Where(p => p.Role == Role.Emsp).Select(p => p.Key).ToHashSet();
        var now = OcpiDateTime.Normalize(clock.GetUtcNow());
        var failed = new List<ImportFailure>();
        int created = 0, replaced = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ctx.Cancellation }, async (i, ct) =>
        {
            try
            {
                var token = OcpiJson.Bind(items[i], TokensJson.Default.Token, $"token [{i}]");
                token = token with { LastUpdated = token.LastUpdated ?? now };
                OcpiValidator.ThrowIfInvalid(token);
                if (!own.Contains(token.Party)) throw new InvalidParametersException([new FieldError("country_code", $"{token.Party} is not an EMSP party of this platform")]);
                if (await api.PutOwnAsync(token, ct) == PutOutcome.Created) Interlocked.Increment(ref created);
                else Interlocked.Increment(ref replaced);
            }
            catch (OcpiException e)
            {
                lock (failed) failed.Add(new ImportFailure(i, e.Message));
            }
        });
        return OcpiResult.Json(new ImportResult(created, replaced, failed.OrderBy(f => f.Index).ToList()), TokensOperatorJson.Default.ImportResult);
    }

    private async Task<OcpiResult> AuthorizeAsync(OcpiContext ctx)
    {
        var request = ctx.Body(TokensOperatorJson.Default.AuthorizationRequest);
        var answer = await authorization.AuthorizeAsync(request, ctx.Cancellation);
        return OcpiResult.Json(answer, TokensOperatorJson.Default.AuthorizationAnswer);
    }
}

/// <summary>A charging station back office asks: may this token charge here?</summary>
/// <param name="CountryCode">the token's eMSP, when the back office knows it (e.g. from the contract id); otherwise found from the token</param>
public sealed record AuthorizationRequest : IOcpiValidatable
{
    public string? TokenUid { get; init; }
    public TokenType? Type { get; init; }
    public string? LocationId { get; init; }
    public List<string>? EvseUids { get; init; }
    public string? CountryCode { get; init; }
    public string? PartyId { get; init; }

    [JsonIgnore]
    public PartyKey? Party => CountryCode is not null && PartyId is not null ? new PartyKey(CountryCode, PartyId) : null;

    public void Validate(OcpiValidator v)
    {
        v.CiString("token_uid", TokenUid, 36);
        v.CiString("location_id", LocationId, 36);
        v.StringList("evse_uids", EvseUids, 36, ci: true, required: false);
        var named = CountryCode is not null || PartyId is not null;
        v.CiString("country_code", CountryCode, 2, required: named);
        v.CiString("party_id", PartyId, 3, required: named);
    }
}

public sealed record ImportFailure(int Index, string Error);
public sealed record ImportResult(int Created, int Replaced, List<ImportFailure> Failed);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(OcpiDateTimeConverter)])]
[JsonSerializable(typeof(AuthorizationRequest))]
[JsonSerializable(typeof(AuthorizationAnswer))]
[JsonSerializable(typeof(ImportResult))]
[JsonSerializable(typeof(List<JsonElement>))]
public sealed partial class TokensOperatorJson : JsonSerializerContext;

using System.Text.Json;
using Roaming.Core.Platform;

namespace Roaming.Core.ChargingProfiles;

/// <summary>The mappers of the ChargingProfiles module's objects for one OCPI version.</summary>
public sealed record ChargingProfilesWire(IWire<ChargingProfileResponse> Response, IWire<SetChargingProfile> Set, IWire<ActiveChargingProfile> Active,
    IWire<ActiveChargingProfileResult> ActiveResult, IWire<ChargingProfileResult> SetResult, IWire<ClearProfileResult> ClearResult)
{
    /// <summary>The result of a request of this type (<see cref="ProfileRequests"/>), read and validated.</summary>
    public IProfileResult ReadResult(string type, ReadOnlyMemory<byte> body) => type switch
    {
        ProfileRequests.GetActive => ActiveResult.Read(body, "ActiveChargingProfileResult"),
        ProfileRequests.Set => SetResult.Read(body, "ChargingProfileResult"),
        ProfileRequests.Clear => ClearResult.Read(body, "ClearProfileResult"),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public void WriteResult(Utf8JsonWriter writer, IProfileResult result)
    {
        switch (result)
        {
            case ActiveChargingProfileResult r: ActiveResult.Write(writer, r); break;
            case ChargingProfileResult r: SetResult.Write(writer, r); break;
            case ClearProfileResult r: ClearResult.Write(writer, r); break;
            default: throw new ArgumentOutOfRangeException(nameof(result));
        }
    }

    /// <summary>A stored result (the canonical shape) of a request of this type.</summary>
    public static IProfileResult Stored(string type, JsonElement result) => type switch
    {
        ProfileRequests.GetActive => result.Deserialize(ChargingProfilesJson.Default.ActiveChargingProfileResult)!,
        ProfileRequests.Set => result.Deserialize(ChargingProfilesJson.Default.ChargingProfileResult)!,
        ProfileRequests.Clear => result.Deserialize(ChargingProfilesJson.Default.ClearProfileResult)!,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>A result in the canonical shape, to store.</summary>
    public static JsonElement Canonical(IProfileResult result) => JsonSerializer.SerializeToElement(result, result.GetType(), ChargingProfilesJson.Default);
}

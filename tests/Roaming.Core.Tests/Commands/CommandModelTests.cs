using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Roaming.Core.ChargingProfiles;
using Roaming.Core.ChargingProfiles.V221;
using Roaming.Core.Commands;
using Roaming.Core.Commands.V221;
using Roaming.Core.Platform;
using Roaming.Core.Transport;

namespace Roaming.Core.Tests.Commands;

/// <summary>The command and charging profile objects checked as the spec's field tables say, read through the 2.2.1 wire.</summary>
public class CommandModelTests
{
    private static readonly CommandsWire Wire = CommandsV221.Version.Wire;
    private static readonly ChargingProfilesWire Profiles = ChargingProfilesV221.Version.Wire;

    private const string Token = """{"country_code":"DE","party_id":"MSP","uid":"T1","type":"RFID","contract_id":"C1","issuer":"I","valid":true,"whitelist":"ALWAYS","last_updated":"2026-01-01T00:00:00Z"}""";

    private static IReadOnlyList<string> Problems(Action read)
    {
        var e = Assert.Throws<InvalidParametersException>(read);
        return e.Errors.Select(f => f.Field).ToList();
    }

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public void Commands_are_named_as_the_spec_names_them_and_nothing_else_is_one()
    {
        foreach (var type in Enum.GetValues<CommandType>()) Assert.Equal(type, CommandTypes.Parse(CommandTypes.Name(type)));
        Assert.Equal("START_SESSION", CommandTypes.Name(CommandType.StartSession));
        Assert.Contains("command", Problems(() => CommandTypes.Parse("FLY")));
    }

    [Fact]
    public void A_start_session_needs_its_response_url_token_and_location_and_an_evse_for_a_connector()
    {
        var ok = (StartSession)Wire.Read(CommandType.StartSession, Utf8($$"""{"response_url":"https://e.example.com/r/1","token":{{Token}},"location_id":"L1","evse_uid":"E1","connector_id":"1"}"""));
        Assert.Equal(("L1", "E1", "1", "T1"), (ok.LocationId, ok.EvseUid, ok.ConnectorId, ok.Token!.Uid));

        Assert.Equal(["response_url", "token", "location_id"], Problems(() => Wire.Read(CommandType.StartSession, Utf8("{}"))));
        Assert.Contains("evse_uid", Problems(() => Wire.Read(CommandType.StartSession,
            Utf8($$"""{"response_url":"https://e.example.com/r/1","token":{{Token}},"location_id":"L1","connector_id":"1"}"""))));
        Assert.Contains("location_id", Problems(() => Wire.Read(CommandType.StartSession,
            Utf8($$"""{"response_url":"https://e.example.com/r/1","token":{{Token}},"location_id":"{{new string('L', 37)}}"}"""))));
        Assert.Contains("token.contract_id", Problems(() => Wire.Read(CommandType.StartSession,
            Utf8($$"""{"response_url":"https://e.example.com/r/1","token":{{Token.Replace("\"contract_id\":\"C1\",", "")}},"location_id":"L1"}"""))));
    }

    [Fact]
    public void A_tokens_restrictions_never_travel_in_a_command()
    {
        var withRestrictions = Token.Replace("\"valid\":true", "\"valid\":true,\"restrictions\":{\"no_credit\":true}");
        var read = (ReserveNow)Wire.Read(CommandType.ReserveNow, Utf8($$"""{"response_url":"https://e.example.com/r/1","token":{{withRestrictions}},"expiry_date":"2026-01-01T10:00:00Z","reservation_id":"R1","location_id":"L1"}"""));
        Assert.Null(read.Token!.Restrictions);
    }

    [Fact]
    public void The_other_commands_need_the_fields_the_spec_marks_required()
    {
        Assert.Equal(["response_url", "session_id"], Problems(() => Wire.Read(CommandType.StopSession, Utf8("{}"))));
        Assert.Equal(["response_url", "reservation_id"], Problems(() => Wire.Read(CommandType.CancelReservation, Utf8("{}"))));
        Assert.Equal(["response_url", "location_id", "evse_uid", "connector_id"], Problems(() => Wire.Read(CommandType.UnlockConnector, Utf8("{}"))));
        Assert.Equal(["response_url", "token", "expiry_date", "reservation_id", "location_id"], Problems(() => Wire.Read(CommandType.ReserveNow, Utf8("{}"))));
        Assert.Equal(["result", "timeout"], Problems(() => Wire.Response.Read(Utf8("{}"))));
        Assert.Contains("timeout", Problems(() => Wire.Response.Read(Utf8("""{"result":"ACCEPTED","timeout":-1}"""))));
        Assert.Contains("result", Problems(() => Wire.Result.Read(Utf8("""{"result":"DONE"}"""))));
        Assert.Equal(CommandResultType.CanceledReservation, Wire.Result.Read(Utf8("""{"result":"CANCELED_RESERVATION"}""")).Result);
    }

    [Fact]
    public void Charging_profiles_take_one_digit_of_fraction_and_periods_in_order()
    {
        var profile = Profiles.Set.Read(Utf8("""{"response_url":"https://e.example.com/r","charging_profile":{"charging_rate_unit":"W","min_charging_rate":8.1,"charging_profile_period":[{"start_period":0,"limit":11000},{"start_period":600,"limit":7400.5}]}}"""));
        Assert.Equal(7400.5m, profile.ChargingProfile!.ChargingProfilePeriod![1].Limit);

        Assert.Contains("charging_profile.charging_profile_period[0].limit",
            Problems(() => Profiles.Set.Read(Utf8("""{"response_url":"https://e.example.com/r","charging_profile":{"charging_rate_unit":"A","charging_profile_period":[{"start_period":0,"limit":8.15}]}}"""))));
        Assert.Contains("charging_profile.min_charging_rate",
            Problems(() => Profiles.Set.Read(Utf8("""{"response_url":"https://e.example.com/r","charging_profile":{"charging_rate_unit":"A","min_charging_rate":6.25}}"""))));
        Assert.Contains("charging_profile.charging_profile_period",
            Problems(() => Profiles.Set.Read(Utf8("""{"response_url":"https://e.example.com/r","charging_profile":{"charging_rate_unit":"A","charging_profile_period":[{"start_period":60,"limit":8},{"start_period":60,"limit":6}]}}"""))));
        Assert.Contains("charging_profile.charging_rate_unit", Problems(() => Profiles.Set.Read(Utf8("""{"response_url":"https://e.example.com/r","charging_profile":{}}"""))));
        Assert.Equal(["start_date_time", "charging_profile"], Problems(() => Profiles.Active.Read(Utf8("{}"))));
        Assert.IsType<ActiveChargingProfileResult>(Profiles.ReadResult(ProfileRequests.GetActive, Utf8("""{"result":"UNKNOWN"}""")));
        Assert.Contains("result", Problems(() => Profiles.ReadResult(ProfileRequests.Clear, Utf8("""{"result":"TIMEOUT"}"""))));
    }

    [Fact]
    public void A_response_url_secret_opens_only_the_request_it_was_made_for()
    {
        var secrets = new CallbackSecrets(Options.Create(new RoamingOptions { TokenKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));
        var (a, b, secret) = (Ids.New(), Ids.New(), Ids.NewSecret());
        Assert.True(Ids.Valid(a));
        Assert.Equal(43, secret.Length);
        var hash = secrets.Hash(a, secret);
        Assert.DoesNotContain(secret, hash);
        Assert.True(secrets.Matches(a, secret, hash));
        Assert.False(secrets.Matches(b, secret, hash));
        Assert.False(secrets.Matches(a, Ids.NewSecret(), hash));
        Assert.False(secrets.Matches(a, secret, null));
        Assert.False(Ids.Valid("../../etc"));
    }
}

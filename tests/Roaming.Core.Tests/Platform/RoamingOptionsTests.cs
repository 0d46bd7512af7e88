using System.Security.Cryptography;
using Roaming.Core.Platform;
using Roaming.Core.Types;

namespace Roaming.Core.Tests.Platform;

public class RoamingOptionsTests
{
    private static RoamingOptions Valid() => new()
    {
        TokenKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        OperatorKey = "operator-key-0123456789",
        Parties = [new OwnParty { CountryCode = "NL", PartyId = "CPO", Role = Role.Cpo, Name = "CSO", Website = "" }],
    };

    [Fact]
    public void A_complete_configuration_starts_and_an_empty_website_means_none()
    {
        var options = Valid();
        options.Validate();
        Assert.Null(options.Parties[0].ToCredentialsRole().BusinessDetails!.Website);
    }

    public static TheoryData<string, string> Broken => new()
    {
        { "token", "TokenKey" },
        { "operator", "OperatorKey" },
        { "party", "Parties:0" },
        { "website", "website" },
        { "prefix", "StoragePrefix" },
        { "duplicate", "repeats" },
        { "command-timeout", "CommandTimeout" },
        { "command-margin", "CommandTimeoutMargin" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_configuration_that_cannot_work_is_refused_at_start_saying_why(string broken, string named)
    {
        var options = Valid();
        Action<RoamingOptions> breakIt = broken switch
        {
            "token" => o => o.TokenKey = "c2hvcnQ=",
            "operator" => o => o.OperatorKey = "short",
            "party" => o => o.Parties[0].PartyId = "TOOLONG",
            "website" => o => o.Parties[0].Website = "not a url",
            "prefix" => o => o.StoragePrefix = "Bad-Prefix",
            "command-timeout" => o => o.CommandTimeout = TimeSpan.Zero,
            "command-margin" => o => o.CommandTimeoutMargin = TimeSpan.FromSeconds(-1),
            _ => o => o.Parties.Add(new OwnParty { CountryCode = "nl", PartyId = "cpo", Role = Role.Cpo, Name = "Again" }),
        };
        breakIt(options);
        Assert.Contains(named, Assert.Throws<InvalidOperationException>(options.Validate).Message);
    }
}

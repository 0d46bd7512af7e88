using static Roaming.Integration.Tests.Claims;

namespace Roaming.Integration.Tests;

/// <summary>
/// A party belongs to one connection: registrations of one party at the same moment leave exactly one winner, and
/// the party is free again when a registration fails or its connection is unregistered.
/// </summary>
public class PartyReservationTests
{
    [Fact]
    public async Task Concurrent_registrations_of_one_party_leave_exactly_one_winner()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var partner = await SpecPartner.StartAsync();
        const int registrations = 12;
        var invitations = new List<(string Id, string TokenA)>();
        for (var i = 0; i < registrations; i++) invitations.Add(await InviteAsync(emsp));

        // Every POST in flight at once, each claiming CPO BE/SPC (some in another role, which holds the party too).
        using var start = new SemaphoreSlim(0);
        var posts = invitations.Select((invitation, i) => Task.Run(async () =>
        {
            var body = Credentials(partner.Issue("B" + i), partner, Role(i % 3 == 0 ? "EMSP" : "CPO", "BE", "SPC"));
            await start.WaitAsync();
            return (await emsp.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", invitation.TokenA, body)).Body;
        })).ToList();
        start.Release(registrations);
        var answers = await Task.WhenAll(posts);

        Assert.Equal(1, answers.Count(a => a.Status() == 1000));
        Assert.All(answers.Where(a => a.Status() != 1000), a => Assert.Equal(2001, a.Status()));
        var partners = (await emsp.OperatorAsync(HttpMethod.Get, "/operator/partners")).AsArray();
        Assert.Single(partners, p => p!["state"]!.GetValue<string>() == "Registered");
        Assert.Equal(registrations - 1, partners.Count(p => p!["state"]!.GetValue<string>() == "Invited"));
    }

    [Fact]
    public async Task A_failed_registration_and_an_unregistration_free_the_party()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var partner = await SpecPartner.StartAsync();

        // Token B unknown to the partner: we cannot read its versions, the registration fails (3001).
        var (_, tokenA) = await InviteAsync(emsp);
        var (_, failed, _) = await emsp.OcpiAsync(HttpMethod.Post, "/ocpi/2.2.1/credentials", tokenA,
            Credentials("unknown-to-the-partner", partner, Role("CPO", "BE", "SPC")));
        Assert.Equal(3001, failed.Status());

        var (first, _) = await RegisterAsync(emsp, partner, [Role("CPO", "BE", "SPC")]);
        var (_, secondTokenA) = await InviteAsync(emsp);
        Assert.Equal(2001, (await PostAsync(emsp, partner, secondTokenA, Role("CPO", "BE", "SPC"))).Body.Status());

        // The operator ends the first connection: the party is free.
        await emsp.OperatorAsync(HttpMethod.Delete, "/operator/partners/" + first);
        Assert.Equal(1000, (await PostAsync(emsp, partner, secondTokenA, Role("CPO", "BE", "SPC"))).Body.Status());
    }

    [Fact]
    public async Task A_partner_that_unregisters_itself_frees_its_parties()
    {
        await using var emsp = await TestEndpoint.StartEmspAsync();
        await using var partner = await SpecPartner.StartAsync();
        var (_, token) = await RegisterAsync(emsp, partner, [Role("CPO", "BE", "SPC"), Role("EMSP", "BE", "SPC")]);
        Assert.Equal(200, (await emsp.OcpiAsync(HttpMethod.Delete, "/ocpi/2.2.1/credentials", token)).Http);
        await RegisterAsync(emsp, partner, [Role("CPO", "BE", "SPC")]);
    }
}

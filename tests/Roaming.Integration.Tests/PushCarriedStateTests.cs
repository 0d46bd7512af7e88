using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;
using Roaming.Azure;
using Roaming.Azure.Queues;
using Roaming.Azure.Tables;
using Roaming.Core.Push;
using Roaming.Core.Queues;

namespace Roaming.Integration.Tests;

/// <summary>
/// A push message carries an EVSE as its commit wrote it, so the first send reads nothing; it never takes an older
/// state to a partner after a newer one, and objects that identify people never ride in a message. The sending host
/// processes no queue here: each test takes the push messages off the queue and has them processed when, and as
/// often, as it says (a message seen again, or late, or of an earlier version).
/// </summary>
public class PushCarriedStateTests
{
    private static readonly Dictionary<string, string?> ServeOnly = new(Fixtures.FastRetries) { ["Roaming:ProcessQueues"] = "false" };

    [Fact]
    public async Task An_evse_change_is_sent_as_written_without_a_read_and_changes_joined_meanwhile_follow_in_order()
    {
        var (cpo, partner) = await WithLocationAtPartnerAsync("CAR1");
        await using var _cpo = cpo;
        await using var _partner = partner;

        // One change: its message carries the EVSE; sending it touches the locations table once (the slot's removal).
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/CAR1/CAR1-E1", new { status = "CHARGING" });
        var first = Assert.Single(await TakeAsync(cpo));
        var state = Assert.Single(Parse(first).States!);
        Assert.True(state.Carries);
        Assert.Equal("CHARGING", state.Content!.Value.GetProperty("status").GetString());
        var operations = cpo.Services.GetRequiredService<StorageOperations>();
        var before = operations["locations"];
        await ProcessAsync(cpo, first);
        Assert.Equal(1, operations["locations"] - before);
        Assert.Equal(["CHARGING"], Statuses(partner, "CAR1"));

        // Two changes before the message is processed: the second joins the slot, so the carried state goes first and
        // the slot, read after its removal failed on the version, follows.
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/CAR1/CAR1-E1", new { status = "BLOCKED" });
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/CAR1/CAR1-E1", new { status = "OUTOFORDER" });
        var second = Assert.Single(await TakeAsync(cpo));
        Assert.Equal("BLOCKED", Assert.Single(Parse(second).States!).Content!.Value.GetProperty("status").GetString());
        await ProcessAsync(cpo, second);
        Assert.Equal(["CHARGING", "BLOCKED", "OUTOFORDER"], Statuses(partner, "CAR1"));
        Assert.False(await SlotExists(cpo, "CAR1"));
    }

    [Fact]
    public async Task A_message_seen_again_late_or_of_an_earlier_version_sends_no_state_older_than_the_slot_holds()
    {
        var (cpo, partner) = await WithLocationAtPartnerAsync("CAR2");
        await using var _cpo = cpo;
        await using var _partner = partner;

        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/CAR2/CAR2-E1", new { status = "CHARGING" });
        var charging = Assert.Single(await TakeAsync(cpo));
        await ProcessAsync(cpo, charging);
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/CAR2/CAR2-E1", new { status = "BLOCKED" });
        await ProcessAsync(cpo, Assert.Single(await TakeAsync(cpo)));
        Assert.Equal(["CHARGING", "BLOCKED"], Statuses(partner, "CAR2"));

        // The CHARGING message again (a host died before deleting it), and late: its slot is gone, nothing is sent.
        await ProcessAsync(cpo, charging, dequeueCount: 2);
        await ProcessAsync(cpo, charging, insertedOn: DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(["CHARGING", "BLOCKED"], Statuses(partner, "CAR2"));

        // A slot opened again at the same place is another one: the old message leaves it to its own.
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/CAR2/CAR2-E1", new { status = "AVAILABLE" });
        var available = Assert.Single(await TakeAsync(cpo));
        await ProcessAsync(cpo, charging, dequeueCount: 2);
        Assert.Equal(["CHARGING", "BLOCKED"], Statuses(partner, "CAR2"));
        Assert.True(await SlotExists(cpo, "CAR2"));
        await ProcessAsync(cpo, available);
        Assert.Equal(["CHARGING", "BLOCKED", "AVAILABLE"], Statuses(partner, "CAR2"));

        // A message of an earlier version names the slot by its place alone: it reads the slot and sends what it holds.
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/CAR2/CAR2-E1", new { status = "OUTOFORDER" });
        Assert.Single(await TakeAsync(cpo));
        var legacy = JsonSerializer.SerializeToUtf8Bytes(new PushMessage(Slots: [new PushSlotRef("locations", "O|NL|CPO|CAR2", "E|CAR2-E1|~push")]), PushJson.Default.PushMessage);
        await Processor(cpo).ProcessAsync(new QueueWork("legacy", legacy, 1, DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(["CHARGING", "BLOCKED", "AVAILABLE", "OUTOFORDER"], Statuses(partner, "CAR2"));
        Assert.False(await SlotExists(cpo, "CAR2"));
    }

    [Fact]
    public async Task A_token_push_message_names_its_slot_only_and_the_token_is_read_when_sent()
    {
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync(emspSettings: ServeOnly);
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await TakeAsync(emsp);

        await emsp.OperatorAsync(HttpMethod.Put, "/operator/tokens/DE/MSP/SECRET-UID-7?type=RFID", TokensTests.Token("SECRET-UID-7"), expect: 201);
        var message = Assert.Single(await TakeAsync(emsp));
        // Neither the token nor its changes: no contract id, no issuer (the slot's key is the token row's, as stored).
        Assert.DoesNotContain("DE-MSP-C", message.Body.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Test eMSP", message.Body.ToString(), StringComparison.OrdinalIgnoreCase);
        var state = Assert.Single(Parse(message).States!);
        Assert.Equal((false, null, null, null), (state.Carries, state.Version, state.Changes, state.Content));

        await ProcessAsync(emsp, message);
        using var received = await cpo.Http.SendAsync(cpo.Operator(HttpMethod.Get, "/operator/tokens/DE/MSP/SECRET-UID-7?scope=received&type=RFID"));
        Assert.True(received.IsSuccessStatusCode, $"the token at the CPO: {received.StatusCode}");
    }

    [Fact]
    public async Task A_session_push_message_carries_neither_the_session_nor_its_drivers_token()
    {
        var (cpo, emsp, _, _) = await Fixtures.ConnectAsync(ServeOnly);
        await using var _cpo = cpo;
        await using var _emsp = emsp;
        await TakeAsync(cpo);

        // The CPO processes no queue here: the back office's message is handed to the sessions-in processor by hand.
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/sessions/NL/CPO/S1", CdrFixtures.Session(), expect: 202);
        var sessionsIn = cpo.Services.GetRequiredService<StorageQueues>().Get(Roaming.Core.Sessions.SessionsInProcessor.Name);
        var reported = (await sessionsIn.ReceiveMessageAsync()).Value;
        await cpo.Services.GetRequiredService<Roaming.Core.Sessions.SessionsInProcessor>()
            .ProcessAsync(new QueueWork(reported.MessageId, reported.Body.ToMemory(), 1, reported.InsertedOn), CancellationToken.None);

        var message = Assert.Single(await TakeAsync(cpo));
        var token = CdrFixtures.Token();
        Assert.DoesNotContain(token["uid"]!.GetValue<string>(), message.Body.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(token["contract_id"]!.GetValue<string>(), message.Body.ToString(), StringComparison.OrdinalIgnoreCase);
        var state = Assert.Single(Parse(message).States!);
        Assert.Equal((false, null), (state.Carries, state.Content));

        await ProcessAsync(cpo, message);
        await Fixtures.Eventually(async () => await CdrFixtures.FindAsync(emsp, "/operator/sessions/NL/CPO/S1?scope=received") is not null, "the session at the eMSP");
    }

    /// <summary>A CPO that processes no queue, a partner registered with it, and a location of one EVSE pushed to the partner.</summary>
    [Fact]
    public async Task A_failure_beside_a_rate_limit_in_one_retry_uses_up_a_try_whichever_answer_comes_last()
    {
        var (cpo, partner) = await WithLocationAtPartnerAsync("MIX1");
        await using var _cpo = cpo;
        await using var _partner = partner;
        await cpo.OperatorAsync(HttpMethod.Put, "/operator/locations/NL/CPO/MIX2", Fixtures.Location("MIX2", evses: 1), expect: 201);
        foreach (var message in await TakeAsync(cpo)) await ProcessAsync(cpo, message);
        var partnerId = (await cpo.OperatorAsync(HttpMethod.Get, "/operator/partners")).AsArray().Single()!.Str("id");

        // A retry for the partner carrying changes of two EVSEs: one fails at once, the other meets a rate limit later.
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/MIX1/MIX1-E1", new { status = "CHARGING" });
        await cpo.OperatorAsync(HttpMethod.Patch, "/operator/locations/NL/CPO/MIX2/MIX2-E1", new { status = "CHARGING" });
        var changes = (await TakeAsync(cpo)).SelectMany(m => Parse(m).States!).SelectMany(s => s.Changes!).ToList();
        Assert.Equal(2, changes.Count);
        partner.ReceiverFault = path =>
            path.EndsWith("/MIX1-E1", StringComparison.Ordinal) ? (500, null, TimeSpan.Zero)
            : path.EndsWith("/MIX2-E1", StringComparison.Ordinal) ? (429, 1, TimeSpan.FromMilliseconds(500))
            : null;
        var retry = JsonSerializer.SerializeToUtf8Bytes(new PushMessage(changes, partnerId, Attempt: 1), PushJson.Default.PushMessage);
        await Processor(cpo).ProcessAsync(new QueueWork("mixed", retry, 1, DateTimeOffset.UtcNow), CancellationToken.None);

        // The 500 is a failure: both changes go again as the second try, not put off as the 429 alone would be.
        PushMessage? next = null;
        await Fixtures.Eventually(async () => (next = (await TakeAsync(cpo)).Select(Parse).SingleOrDefault()) is not null, "the retry queued", seconds: 10);
        Assert.Equal(2, next!.Attempt);
        Assert.Null(next.PutOffSince);
        Assert.Equal(2, next.Changes!.Count);
    }

    /// <summary>
    /// Azurite finds an entity by its row key and then walks every entity sharing it, so a row key that every location
    /// used (the header's, its slot's) made each point operation cost the whole table: 100,000 locations were out of
    /// reach of the benchmarks. Each location's rows, pushes pending included, have row keys of their own.
    /// </summary>
    [Fact]
    public async Task No_two_locations_share_a_row_key_pushes_pending_included()
    {
        var (cpo, partner) = await WithLocationAtPartnerAsync("KEY1");
        await using var _cpo = cpo;
        await using var _partner = partner;
        foreach (var id in new[] { "KEY2", "KEY3" })
            await cpo.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Fixtures.Location(id, evses: 2), expect: 201);
        await TakeAsync(cpo);
        // Pending (no queue is processed here): each location's own fields and an EVSE, so both kinds of slot are open.
        foreach (var id in new[] { "KEY1", "KEY2", "KEY3" })
        {
            await cpo.OperatorAsync(HttpMethod.Patch, $"/operator/locations/NL/CPO/{id}", new { name = "Renamed " + id });
            await cpo.OperatorAsync(HttpMethod.Patch, $"/operator/locations/NL/CPO/{id}/{id}-E1", new { status = "CHARGING" });
        }

        var rows = new List<TableEntity>();
        await foreach (var row in new TableClient(Azurite.ConnectionString, cpo.Prefix + "locations").QueryAsync<TableEntity>()) rows.Add(row);
        Assert.Equal(6, rows.Count(r => r.GetBoolean(TableOutbox.SlotColumn) == true));
        Assert.All(rows.GroupBy(r => r.RowKey), key => Assert.Single(key.Select(r => r.PartitionKey).Distinct()));
        // And everything reads as before: whole, listed, counted.
        var read = await cpo.OperatorAsync(HttpMethod.Get, "/operator/locations/NL/CPO/KEY2");
        Assert.Equal("Renamed KEY2", read.Str("name"));
        Assert.Equal("CHARGING", read["evses"]![0]!.Str("status"));
        Assert.Equal(3, await Fixtures.TotalAsync(cpo, "/operator/locations?scope=own&limit=1"));
    }

    private static async Task<(TestEndpoint Cpo, SpecPartner Partner)> WithLocationAtPartnerAsync(string id)
    {
        var cpo = await TestEndpoint.StartAsync([("NL", "CPO", "CPO")], settings: ServeOnly);
        var partner = await SpecPartner.StartAsync();
        await partner.RegisteredByAsync(cpo);
        await cpo.OperatorAsync(HttpMethod.Put, $"/operator/locations/NL/CPO/{id}", Fixtures.Location(id, evses: 1), expect: 201);
        foreach (var message in await TakeAsync(cpo)) await ProcessAsync(cpo, message);
        return (cpo, partner);
    }

    private static QueueClient Queue(TestEndpoint endpoint) => endpoint.Services.GetRequiredService<StorageQueues>().Get(PushQueue.QueueName);

    private static IQueueProcessor Processor(TestEndpoint endpoint) => endpoint.Services.GetRequiredService<PushProcessor>();

    /// <summary>The push messages waiting, taken off the queue.</summary>
    private static async Task<List<QueueMessage>> TakeAsync(TestEndpoint endpoint)
    {
        var taken = new List<QueueMessage>();
        while ((await Queue(endpoint).ReceiveMessagesAsync(32)).Value is { Length: > 0 } messages)
            foreach (var message in messages)
            {
                await Queue(endpoint).DeleteMessageAsync(message.MessageId, message.PopReceipt);
                taken.Add(message);
            }
        return taken;
    }

    private static PushMessage Parse(QueueMessage message) => JsonSerializer.Deserialize(message.Body.ToMemory().Span, PushJson.Default.PushMessage)!;

    private static Task ProcessAsync(TestEndpoint endpoint, QueueMessage message, long dequeueCount = 1, DateTimeOffset? insertedOn = null) =>
        Processor(endpoint).ProcessAsync(new QueueWork(message.MessageId, message.Body.ToMemory(), dequeueCount, insertedOn ?? message.InsertedOn), CancellationToken.None);

    /// <summary>The statuses the partner was sent for the location's one EVSE, in order (its PUT included).</summary>
    private static List<string> Statuses(SpecPartner partner, string location) => partner.LocationPushes
        .Where(p => p.Path.EndsWith($"/{location}/{location}-E1", StringComparison.Ordinal))
        .Select(p => p.Body["status"]!.GetValue<string>()).ToList();

    private static Task<bool> SlotExists(TestEndpoint cpo, string location) => Fixtures.RowExistsAsync(cpo, "locations", $"O|NL|CPO|{location}", $"E|{location}-E1|~push");
}

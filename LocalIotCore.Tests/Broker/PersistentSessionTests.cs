using LocalIotCore.Hosting;
using LocalIotCore.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace LocalIotCore.Tests.Broker;

/// <summary>Persistent sessions (clean session = 0) as AWS keeps them: subscriptions and QoS 1 messages while away, bounded, expiring.</summary>
[TestClass]
public sealed class PersistentSessionTests
{
    private const int QueueLimit = 3;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private string _folder = "";
    private LocalIotCoreServer _server = null!;
    private TestClient _publisher = null!;

    [TestInitialize]
    public async Task Init()
    {
        _folder = Path.Combine(Path.GetTempPath(), "localiotcore-sessions-" + Guid.NewGuid().ToString("N"));
        _server = await LocalIotCoreServer.StartAsync(new LocalIotCoreOptions { DataDirectory = _folder, MqttPort = 0, HttpPort = 0, PlainApplicationPort = 0, PersistentSessionQueueLimit = QueueLimit }, time: _time);
        _publisher = await TestClient.ApplicationAsync(Port);
    }

    [TestCleanup]
    public async Task Cleanup()
    {
        await _publisher.DisposeAsync();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private int Port => _server.PlainApplicationPort!.Value;

    /// <summary>Connects a persistent session subscribed to data/#, then leaves with a DISCONNECT.</summary>
    private async Task SubscribeAndLeaveAsync(string clientId)
    {
        await using var first = await TestClient.SessionAsync(Port, clientId, cleanSession: false);
        Assert.IsFalse(first.SessionPresent, "a new session");
        await first.SubscribeAsync("data/#");
    }

    [TestMethod]
    public async Task A_QoS1_message_sent_while_away_arrives_after_reconnect_with_session_present()
    {
        await SubscribeAndLeaveAsync("listener-1");
        await _publisher.PublishAsync("data/temperature", "21.5");

        await using var again = await TestClient.SessionAsync(Port, "listener-1", cleanSession: false);
        Assert.IsTrue(again.SessionPresent, "CONNACK says the session was kept");
        Assert.AreEqual("21.5", (await again.NextAsync("data/temperature")).Payload, "delivered without subscribing again");
        await _publisher.PublishAsync("data/humidity", "40");
        Assert.AreEqual("40", (await again.NextAsync("data/humidity")).Payload, "the subscription was kept");
    }

    [TestMethod]
    public async Task A_clean_session_gets_no_session_and_nothing_that_was_queued()
    {
        await SubscribeAndLeaveAsync("listener-2");
        await _publisher.PublishAsync("data/temperature", "21.5");

        await using var clean = await TestClient.SessionAsync(Port, "listener-2", cleanSession: true);
        Assert.IsFalse(clean.SessionPresent);
        await AssertNothingQueuedAsync(clean);
    }

    /// <summary>Subscribes again and publishes a marker: the first message is the marker, nothing of an older session.</summary>
    private async Task AssertNothingQueuedAsync(TestClient client)
    {
        await client.SubscribeAsync("data/#");
        await _publisher.PublishAsync("data/marker", "m");
        Assert.AreEqual("data/marker", (await client.NextAsync(_ => true)).Topic, "the old session's messages are gone");
    }

    [TestMethod]
    public async Task A_session_expires_when_its_client_stays_away_past_the_expiry()
    {
        await SubscribeAndLeaveAsync("listener-3");
        await _publisher.PublishAsync("data/temperature", "21.5");
        _time.Advance(_server.Options.PersistentSessionExpiry - TimeSpan.FromSeconds(1));
        await using (var inTime = await TestClient.SessionAsync(Port, "listener-3", cleanSession: false))
        {
            Assert.IsTrue(inTime.SessionPresent, "still there a second before the expiry");
            Assert.AreEqual("21.5", (await inTime.NextAsync("data/temperature")).Payload);
        }

        await _publisher.PublishAsync("data/temperature", "22.0");
        _time.Advance(_server.Options.PersistentSessionExpiry); // the expiry counts from the last disconnect
        await using var late = await TestClient.SessionAsync(Port, "listener-3", cleanSession: false);
        Assert.IsFalse(late.SessionPresent, "the session expired with its subscriptions and messages");
        await AssertNothingQueuedAsync(late);
    }

    [TestMethod]
    public async Task Messages_beyond_the_session_quota_are_dropped_and_QoS0_is_not_stored()
    {
        await SubscribeAndLeaveAsync("listener-4");
        await _publisher.Client.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic("data/qos0").WithPayload("x").Build());
        for (var i = 0; i < QueueLimit + 2; i++)
        {
            await _publisher.PublishAsync("data/n", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        await using var again = await TestClient.SessionAsync(Port, "listener-4", cleanSession: false);
        Assert.IsTrue(again.SessionPresent);
        await _publisher.PublishAsync("data/marker", "m");
        var received = new List<string>();
        while (received.Count == 0 || received[^1] != "data/marker")
        {
            var message = await again.NextAsync(_ => true);
            received.Add(message.Topic == "data/n" ? "n" + message.Payload : message.Topic);
        }

        CollectionAssert.AreEqual(new[] { "n0", "n1", "n2", "data/marker" }, received, "the oldest " + QueueLimit + " QoS 1 messages, no QoS 0 one");
    }
}

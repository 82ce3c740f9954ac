using System.Text.Json.Nodes;
using LocalIotCore.Hosting;
using LocalIotCore.Tests.Support;
using MQTTnet;

namespace LocalIotCore.Tests.Broker;

[TestClass]
public sealed class BrokerTests
{
    private string _folder = "";
    private LocalIotCoreServer _server = null!;
    private TestClient _app = null!;

    [TestInitialize]
    public async Task Init()
    {
        _folder = Path.Combine(Path.GetTempPath(), "localiotcore-" + Guid.NewGuid().ToString("N"));
        _server = await LocalIotCoreServer.StartAsync(new LocalIotCoreOptions { DataDirectory = _folder, MqttPort = 0, HttpPort = 0, PlainApplicationPort = 0 });
        _app = await TestClient.ApplicationAsync(_server.PlainApplicationPort!.Value, "$aws/things/+/shadow/update/accepted", "$aws/things/+/shadow/update/delta", "$aws/things/+/shadow/update/documents", "$aws/events/presence/+/+");
    }

    [TestCleanup]
    public async Task Cleanup()
    {
        await _app.DisposeAsync();
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<TestClient> Device(string thing, string? clientId = null, bool will = true) =>
        TestClient.DeviceAsync(_server.Authority, _server.MqttPort, thing, clientId, will ? "things/" + thing + "/lwt" : null);

    private static JsonNode Json(string payload) => JsonNode.Parse(payload)!;

    [TestMethod]
    public async Task A_device_updates_and_gets_its_shadow_over_mutual_TLS()
    {
        await using var device = await Device("pump-1");
        Assert.AreEqual(MqttClientSubscribeResultCode.GrantedQoS1, await device.SubscribeAsync("$aws/things/pump-1/shadow/update/accepted"));
        await device.SubscribeAsync("$aws/things/pump-1/shadow/get/accepted");
        await device.PublishAsync("$aws/things/pump-1/shadow/update", "{\"state\":{\"reported\":{\"connected\":true}},\"clientToken\":\"a\"}");
        var accepted = Json((await device.NextAsync("$aws/things/pump-1/shadow/update/accepted")).Payload);
        Assert.AreEqual("a", (string)accepted["clientToken"]!);
        Assert.AreEqual(1, (int)accepted["version"]!);

        await device.PublishAsync("$aws/things/pump-1/shadow/get", "{\"clientToken\":\"g\"}");
        var document = Json((await device.NextAsync("$aws/things/pump-1/shadow/get/accepted")).Payload);
        Assert.IsTrue((bool)document["state"]!["reported"]!["connected"]!);

        var connected = Json((await _app.NextAsync("$aws/events/presence/connected/pump-1")).Payload);
        Assert.AreEqual("connected", (string)connected["eventType"]!);
        Assert.AreEqual("pump-1", (string)connected["clientId"]!);
        Assert.AreEqual(64, ((string)connected["principalIdentifier"]!).Length, "the certificate's SHA-256");
        Assert.IsNotNull(connected["sessionIdentifier"]);
        Assert.IsNotNull(connected["versionNumber"]);
        Assert.IsNotNull(connected["ipAddress"]);
    }

    [TestMethod]
    public async Task A_client_id_other_than_the_certificate_thing_is_refused()
    {
        var refused = await Assert.ThrowsAsync<Exception>(() => Device("pump-1", clientId: "pump-2"));
        StringAssert.Contains(refused.Message, "NotAuthorized");
    }

    [TestMethod]
    public async Task A_device_may_not_subscribe_to_or_publish_on_another_things_topics()
    {
        await using var device = await Device("pump-1");
        // MQTT 3.1.1 has one failure code in SUBACK (0x80), which MQTTnet reports as UnspecifiedError.
        Assert.AreEqual(MqttClientSubscribeResultCode.UnspecifiedError, await device.SubscribeAsync("$aws/things/pump-2/shadow/update/delta"));
        Assert.AreEqual(MqttClientSubscribeResultCode.UnspecifiedError, await device.SubscribeAsync("$aws/things/+/shadow/update/delta"));
        // The default device policy grants its own shadow replies, each by name: not even its own wildcard.
        Assert.AreEqual(MqttClientSubscribeResultCode.UnspecifiedError, await device.SubscribeAsync("things/pump-1/#"));
        Assert.AreEqual(MqttClientSubscribeResultCode.GrantedQoS1, await device.SubscribeAsync("$aws/things/pump-1/shadow/update/delta"));
        try
        {
            await device.PublishAsync("$aws/things/pump-2/shadow/update", "{\"state\":{\"reported\":{\"x\":1}}}");
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker may close the connection before the PUBACK.
        }

        await device.Disconnected.Task.WaitAsync(TestClient.Patience);
        Assert.AreEqual(404, _server.Shadows.Get(new LocalIotCore.Shadows.ShadowId("pump-2", null), []).StatusCode, "the forbidden update did not happen");
    }

    [TestMethod]
    public async Task An_abrupt_drop_sends_the_will_and_the_rule_writes_connected_false()
    {
        var device = await Device("pump-1");
        await device.PublishAsync("$aws/things/pump-1/shadow/update", "{\"state\":{\"reported\":{\"connected\":true}}}");
        await _app.NextAsync("$aws/things/pump-1/shadow/update/accepted");
        device.Abort();

        var accepted = Json((await _app.NextAsync("$aws/things/pump-1/shadow/update/accepted")).Payload);
        Assert.IsFalse((bool)accepted["state"]!["reported"]!["connected"]!);
        var disconnected = Json((await _app.NextAsync("$aws/events/presence/disconnected/pump-1")).Payload);
        Assert.AreEqual("CONNECTION_LOST", (string)disconnected["disconnectReason"]!);
        Assert.IsFalse((bool)disconnected["clientInitiatedDisconnect"]!);
        Assert.IsFalse(_server.Connections.Find("pump-1")!.Connected);
    }

    [TestMethod]
    public async Task A_clean_disconnect_sends_no_will()
    {
        var device = await Device("pump-1");
        await device.PublishAsync("$aws/things/pump-1/shadow/update", "{\"state\":{\"reported\":{\"connected\":false}}}");
        await _app.NextAsync("$aws/things/pump-1/shadow/update/accepted");
        await device.DisposeAsync();
        var disconnected = Json((await _app.NextAsync("$aws/events/presence/disconnected/pump-1")).Payload);
        Assert.AreEqual("CLIENT_INITIATED_DISCONNECT", (string)disconnected["disconnectReason"]!);
        Assert.IsTrue((bool)disconnected["clientInitiatedDisconnect"]!);
        // Anything the will would have caused is published before this marker update.
        await _app.PublishAsync("$aws/things/marker/shadow/update", "{\"state\":{\"reported\":{\"m\":1}}}");
        var next = await _app.NextAsync(t => t.EndsWith("/update/accepted", StringComparison.Ordinal));
        Assert.AreEqual("$aws/things/marker/shadow/update/accepted", next.Topic, "no will-driven update before the marker");
    }

    [TestMethod]
    public async Task A_duplicate_client_id_takes_over_and_the_old_sessions_will_is_sent()
    {
        var first = await Device("pump-1");
        await _app.NextAsync("$aws/events/presence/connected/pump-1");
        await using var second = await Device("pump-1");
        await first.Disconnected.Task.WaitAsync(TestClient.Patience);
        // The will and the lifecycle events may come in any order (AWS says so too).
        JsonNode? disconnected = null;
        JsonNode? will = null;
        JsonNode? reconnected = null;
        while (disconnected is null || will is null || reconnected is null)
        {
            var message = await _app.NextAsync(t => t is "$aws/events/presence/disconnected/pump-1" or "$aws/events/presence/connected/pump-1" or "$aws/things/pump-1/shadow/update/accepted");
            if (message.Topic.Contains("/disconnected/", StringComparison.Ordinal))
            {
                disconnected = Json(message.Payload);
            }
            else if (message.Topic.Contains("/connected/", StringComparison.Ordinal))
            {
                reconnected = Json(message.Payload);
            }
            else
            {
                will = Json(message.Payload);
            }
        }

        Assert.AreEqual((long)disconnected["versionNumber"]! + 1, (long)reconnected["versionNumber"]!, "the new session has the next version number");
        Assert.AreEqual("DUPLICATE_CLIENTID", (string)disconnected["disconnectReason"]!);
        Assert.IsFalse((bool)will["state"]!["reported"]!["connected"]!, "the taken-over session's will arrives, as AWS does");
        Assert.IsTrue(_server.Connections.Find("pump-1")!.Connected, "the table keeps the newer session connected");
        first.Client.Dispose();
    }

    [TestMethod]
    public async Task Bad_input_over_MQTT_gets_the_right_rejection_and_disturbs_nothing()
    {
        await using var device = await Device("pump-1");
        await device.SubscribeAsync("$aws/things/pump-1/shadow/update/rejected");
        await device.PublishAsync("$aws/things/pump-1/shadow/update", "{\"state\":{\"reported\":{\"ok\":true}}}");
        foreach (var (payload, code) in new[] { ("{nope", 400), ("{\"state\":{\"desired\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":1}}}}}}}}}", 400), ("{\"state\":{\"desired\":{\"x\":\"" + new string('x', 9000) + "\"}}}", 413) })
        {
            await device.PublishAsync("$aws/things/pump-1/shadow/update", payload);
            var rejected = Json((await device.NextAsync("$aws/things/pump-1/shadow/update/rejected")).Payload);
            Assert.AreEqual(code, (int)rejected["code"]!);
        }

        await device.PublishAsync("$aws/things/pump-1/shadow/update", new byte[] { 0xFF, 0xFE, 0x7B });
        Assert.AreEqual(415, (int)Json((await device.NextAsync("$aws/things/pump-1/shadow/update/rejected")).Payload)["code"]!);
        var shadow = Json(System.Text.Encoding.UTF8.GetString(_server.Shadows.Get(new LocalIotCore.Shadows.ShadowId("pump-1", null), []).Body));
        Assert.AreEqual(1, (int)shadow["version"]!, "only the valid update changed the shadow");
        Assert.IsTrue(device.Client.IsConnected);
    }
}

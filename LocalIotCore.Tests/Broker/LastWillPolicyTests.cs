using System.Text.Json.Nodes;
using LocalIotCore.Hosting;
using LocalIotCore.Shadows;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Broker;

/// <summary>
/// Issue 17, hole 1: a device's Last Will on another thing's topics, released by a session takeover
/// (or a drop), must not reach that thing's shadow or its delta topic. AWS sends a will only where
/// the client may publish (iot:Publish on the will topic).
/// </summary>
[TestClass]
public sealed class LastWillPolicyTests
{
    private const string MotorOnDelta = "{\"state\":{\"MOTOR\":\"ON\"},\"version\":7}";
    private const string MotorOnUpdate = "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}";

    private readonly CapturedLog _log = new();
    private CloudInFolder _cloud = null!;
    private TestClient _app = null!;

    private LocalIotCoreServer Server => _cloud.Server;

    [TestInitialize]
    public async Task Init()
    {
        _cloud = await CloudInFolder.StartAsync("will", _log);
        _app = await TestClient.ApplicationAsync(Server.PlainApplicationPort!.Value, "$aws/things/+/shadow/update/delta", "$aws/things/+/shadow/update/accepted", "$aws/events/presence/+/+");
    }

    [TestCleanup]
    public async Task Cleanup()
    {
        await _app.DisposeAsync();
        await _cloud.DisposeAsync();
    }

    [TestMethod]
    [DataRow("$aws/things/pump-t/shadow/update/delta", MotorOnDelta, "$aws/things/pump-t/shadow/update/delta")]
    [DataRow("$aws/things/pump-b/shadow/update", MotorOnUpdate, "$aws/things/pump-b/shadow/update/accepted")]
    [DataRow("$aws/things/pump-b/shadow/name/config/update", MotorOnUpdate, "$aws/things/pump-b/shadow/update/accepted")]
    public async Task A_will_on_another_things_shadow_is_not_sent_when_the_session_is_taken_over(string willTopic, string willPayload, string wouldArriveOn)
    {
        var first = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-a", willTopic: willTopic, willPayload: willPayload);
        await _app.NextAsync("$aws/events/presence/connected/pump-a");
        await using var second = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-a");
        await first.Disconnected.Task.WaitAsync(TestClient.Patience);
        await _app.NextAsync("$aws/events/presence/disconnected/pump-a");

        await AssertNothingBeforeMarkerAsync(wouldArriveOn);
        Assert.AreEqual(404, Server.Shadows.Get(new ShadowId("pump-b", null), []).StatusCode, "pump-b's shadow was not created by pump-a's will");
        Assert.AreEqual(404, Server.Shadows.Get(new ShadowId("pump-b", "config"), []).StatusCode);
        var warning = await _log.WaitForAsync(line => line.Contains("WillRefused", StringComparison.Ordinal));
        StringAssert.Contains(warning, "'pump-a'", "names the client");
        StringAssert.Contains(warning, willTopic, "names the will topic");
        StringAssert.Contains(warning, "will not be sent");
        first.Client.Dispose();
    }

    [TestMethod]
    public async Task A_will_on_another_things_lwt_topic_does_not_reach_the_rule_that_writes_its_shadow()
    {
        await using var pumpB = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-b");
        await pumpB.PublishAsync("$aws/things/pump-b/shadow/update", "{\"state\":{\"reported\":{\"connected\":true}}}");
        await _app.NextAsync("$aws/things/pump-b/shadow/update/accepted");

        var first = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-a", willTopic: "things/pump-b/lwt");
        await using var second = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-a");
        await first.Disconnected.Task.WaitAsync(TestClient.Patience);
        await _app.NextAsync("$aws/events/presence/disconnected/pump-a");

        await AssertNothingBeforeMarkerAsync("$aws/things/pump-b/shadow/update/accepted");
        var shadow = JsonNode.Parse(Server.Shadows.Get(new ShadowId("pump-b", null), []).Body)!;
        Assert.IsTrue((bool)shadow["state"]!["reported"]!["connected"]!, "pump-b is still connected in its shadow");
        Assert.AreEqual(1, (int)shadow["version"]!);
        first.Client.Dispose();
    }

    [TestMethod]
    public async Task A_forbidden_will_is_not_sent_when_the_device_drops_either()
    {
        var device = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-a", willTopic: "$aws/things/pump-b/shadow/update", willPayload: MotorOnUpdate);
        await _log.WaitForAsync(line => line.Contains("WillRefused", StringComparison.Ordinal) && line.Contains("pump-a", StringComparison.Ordinal));
        device.Abort();
        await _app.NextAsync("$aws/events/presence/disconnected/pump-a");
        await AssertNothingBeforeMarkerAsync("$aws/things/pump-b/shadow/update/accepted");
        Assert.AreEqual(404, Server.Shadows.Get(new ShadowId("pump-b", null), []).StatusCode);
    }

    [TestMethod]
    public async Task An_applications_will_on_a_delta_topic_is_not_sent()
    {
        var application = await TestClient.ApplicationWithWillAsync(Server.PlainApplicationPort!.Value, "$aws/things/pump-t/shadow/update/delta", MotorOnDelta);
        await _log.WaitForAsync(line => line.Contains("WillRefused", StringComparison.Ordinal) && line.Contains("pump-t/shadow/update/delta", StringComparison.Ordinal));
        application.Abort();
        await AssertNothingBeforeMarkerAsync("$aws/things/pump-t/shadow/update/delta");
    }

    [TestMethod]
    public async Task A_devices_own_lwt_will_still_works_after_a_takeover()
    {
        var first = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-a", willTopic: "things/pump-a/lwt");
        await using var second = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-a");
        var accepted = JsonNode.Parse((await _app.NextAsync("$aws/things/pump-a/shadow/update/accepted")).Payload)!;
        Assert.IsFalse((bool)accepted["state"]!["reported"]!["connected"]!);
        Assert.AreEqual(0, _log.Count(line => line.Contains("WillRefused", StringComparison.Ordinal)));
        first.Client.Dispose();
    }

    /// <summary>
    /// LocalIotCore itself publishes a marker on the topic where the will (or what it caused) would
    /// arrive, after the disconnect event the caller waited for: a will is released by the same
    /// handler that publishes that event, right after it, so a will that got through arrives before
    /// the marker. With the will dropped at CONNECT there is nothing to race.
    /// </summary>
    private async Task AssertNothingBeforeMarkerAsync(string topic)
    {
        await Server.PublishAsync([new ShadowMessage(topic, "{\"marker\":true}"u8.ToArray())]);
        var first = await _app.NextAsync(topic);
        Assert.AreEqual("{\"marker\":true}", first.Payload, "nothing arrived on " + topic + " before the marker");
    }
}

using System.Net.Sockets;
using System.Text.Json.Nodes;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Broker;

/// <summary>AWS's lifecycle events for every client, with AWS's disconnect reasons.</summary>
[TestClass]
public sealed class LifecycleEventTests
{
    private CloudInFolder _cloud = null!;
    private TestClient _observer = null!;

    [TestInitialize]
    public async Task Init()
    {
        _cloud = await CloudInFolder.StartAsync("lifecycle");
        _observer = await TestClient.ApplicationAsync(_cloud.Server.PlainApplicationPort!.Value, "$aws/events/presence/+/+");
    }

    [TestCleanup]
    public async Task Cleanup()
    {
        await _observer.DisposeAsync();
        await _cloud.DisposeAsync();
    }

    private async Task<JsonNode> NextEventAsync(string kind, string clientId) =>
        JsonNode.Parse((await _observer.NextAsync("$aws/events/presence/" + kind + "/" + clientId)).Payload)!;

    private async Task<JsonArray> ThingsAsync() => JsonNode.Parse(await _cloud.Http.GetStringAsync("/api/things"))!["things"]!.AsArray();

    [TestMethod]
    public async Task An_application_on_the_plain_port_gets_connect_and_disconnect_events_but_is_no_thing()
    {
        using (var tcp = await RawMqtt.ConnectedAsync(_cloud.Server.PlainApplicationPort!.Value, "dashboard-1"))
        {
            var connected = await NextEventAsync("connected", "dashboard-1");
            Assert.AreEqual(("connected", "dashboard-1"), ((string?)connected["eventType"], (string?)connected["clientId"]));
            Assert.IsNotNull(connected["versionNumber"]);
            Assert.IsNotNull(connected["sessionIdentifier"]);
            await tcp.GetStream().WriteAsync(new byte[] { 0xE0, 0x00 }); // DISCONNECT
            var disconnected = await NextEventAsync("disconnected", "dashboard-1");
            Assert.AreEqual("CLIENT_INITIATED_DISCONNECT", (string?)disconnected["disconnectReason"]);
            Assert.IsTrue((bool)disconnected["clientInitiatedDisconnect"]!);
            Assert.AreEqual((long)connected["versionNumber"]!, (long)disconnected["versionNumber"]!, "one connection, one version");
            Assert.AreEqual((string?)connected["sessionIdentifier"], (string?)disconnected["sessionIdentifier"]);
        }

        Assert.IsFalse((await ThingsAsync()).Any(t => (string?)t!["thing"] == "dashboard-1"), "an application is not a thing");
    }

    [TestMethod]
    public async Task An_application_certificate_with_its_own_client_id_gets_lifecycle_events()
    {
        var app = await TestClient.DeviceAsync(_cloud.Server.Authority, _cloud.Server.MqttPort, "app", clientId: "backend-7", register: c => _cloud.Server.Registry.RegisterApplication(c));
        var connected = await NextEventAsync("connected", "backend-7");
        Assert.AreEqual(64, ((string)connected["principalIdentifier"]!).Length, "the certificate's SHA-256");
        app.Abort();
        var disconnected = await NextEventAsync("disconnected", "backend-7");
        Assert.AreEqual("CONNECTION_LOST", (string?)disconnected["disconnectReason"]);
        Assert.IsFalse((bool)disconnected["clientInitiatedDisconnect"]!);
    }

    [TestMethod]
    public async Task A_client_silent_past_its_keep_alive_is_reported_as_a_keep_alive_timeout()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _cloud.Server.PlainApplicationPort!.Value);
        var stream = tcp.GetStream();
        await stream.WriteAsync(RawMqtt.Connect("quiet-1", keepAliveSeconds: 1));
        await NextEventAsync("connected", "quiet-1");
        Assert.IsTrue(await RawMqtt.ClosedByBrokerAsync(stream), "the broker dropped the silent client");
        var disconnected = await NextEventAsync("disconnected", "quiet-1");
        Assert.AreEqual("MQTT_KEEP_ALIVE_TIMEOUT", (string?)disconnected["disconnectReason"]);
        Assert.IsFalse((bool)disconnected["clientInitiatedDisconnect"]!);
    }

    [TestMethod]
    public async Task A_device_dropped_for_a_forbidden_publish_is_reported_as_an_authorization_error()
    {
        var device = await TestClient.DeviceAsync(_cloud.Server.Authority, _cloud.Server.MqttPort, "pump-1");
        await NextEventAsync("connected", "pump-1");
        try
        {
            await device.PublishAsync("$aws/things/pump-2/shadow/update", "{\"state\":{\"reported\":{\"x\":1}}}");
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker may close the connection before the PUBACK.
        }

        var disconnected = await NextEventAsync("disconnected", "pump-1");
        Assert.AreEqual("AUTH_ERROR", (string?)disconnected["disconnectReason"]);
        Assert.AreEqual("AUTH_ERROR", _cloud.Server.Connections.Find("pump-1")!.LastDisconnectReason);
        device.Client.Dispose();
    }

    [TestMethod]
    public async Task Stopping_LocalIotCore_reports_its_clients_as_disconnected_by_the_server()
    {
        var device = await TestClient.DeviceAsync(_cloud.Server.Authority, _cloud.Server.MqttPort, "pump-1");
        await NextEventAsync("connected", "pump-1");
        await _cloud.StopAsync();

        var disconnected = await NextEventAsync("disconnected", "pump-1");
        Assert.AreEqual("SERVER_INITIATED_DISCONNECT", (string?)disconnected["disconnectReason"], "listeners hear it before LocalIotCore is gone");
        Assert.IsFalse((bool)disconnected["clientInitiatedDisconnect"]!);
        device.Client.Dispose();

        await _cloud.RestartAsync();
        var pump = (await ThingsAsync()).Single(t => (string?)t!["thing"] == "pump-1")!;
        Assert.AreEqual((false, "SERVER_INITIATED_DISCONNECT"), ((bool)pump["connection"]!["connected"]!, (string?)pump["connection"]!["lastDisconnectReason"]), "the table kept it");
    }
}

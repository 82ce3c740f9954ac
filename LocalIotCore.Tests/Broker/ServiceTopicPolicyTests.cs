using LocalIotCore.Broker;
using LocalIotCore.Hosting;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Broker;

/// <summary>
/// Issue 17, hole 2 (the broker's part): on AWS only the shadow service publishes a shadow's replies
/// and only AWS publishes lifecycle events. No client of LocalIotCore may, whoever it is.
/// </summary>
[TestClass]
public sealed class ServiceTopicPolicyTests
{
    private CloudInFolder _cloud = null!;

    private LocalIotCoreServer Server => _cloud.Server;

    [TestInitialize]
    public async Task Init() => _cloud = await CloudInFolder.StartAsync("service-topics");

    [TestCleanup]
    public async Task Cleanup() => await _cloud.DisposeAsync();

    [TestMethod]
    [DataRow("device", "$aws/things/pump-1/shadow/update/delta")]
    [DataRow("device", "$aws/things/pump-1/shadow/update/accepted")]
    [DataRow("device", "$aws/things/pump-1/shadow/get/accepted")]
    [DataRow("device", "$aws/things/pump-1/shadow/name/config/update/documents")]
    [DataRow("device", "$aws/events/presence/connected/pump-9")]
    [DataRow("app certificate", "$aws/things/pump-1/shadow/update/delta")]
    [DataRow("app certificate", "$aws/things/pump-1/shadow/delete/rejected")]
    [DataRow("app certificate", "$aws/events/presence/disconnected/pump-1")]
    [DataRow("plain port", "$aws/things/pump-1/shadow/update/delta")]
    [DataRow("plain port", "$aws/things/pump-1/shadow/update/rejected")]
    [DataRow("plain port", "$aws/things/pump-1/shadow/get/rejected")]
    [DataRow("plain port", "$aws/things/pump-1/shadow/name/config/update/delta")]
    [DataRow("plain port", "$aws/things/pump-1/shadow/name/config/get/accepted")]
    [DataRow("plain port", "$aws/events/presence/connected/pump-1")]
    public async Task Nobody_but_LocalIotCore_publishes_on_a_service_topic(string who, string topic)
    {
        await using var observer = await TestClient.ApplicationAsync(Server.PlainApplicationPort!.Value, topic);
        await using var publisher = who switch
        {
            "device" => await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-1"),
            "app certificate" => await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "app", clientId: "dashboard-1", register: c => Server.Registry.RegisterApplication(c)),
            _ => await TestClient.ApplicationAsync(Server.PlainApplicationPort!.Value),
        };
        try
        {
            await publisher.PublishAsync(topic, "{\"state\":{\"MOTOR\":\"ON\"},\"version\":9223372036854775807}");
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker may close the connection before the PUBACK.
        }

        await publisher.Disconnected.Task.WaitAsync(TestClient.Patience);
        // LocalIotCore itself still may: its message is the first the observer sees there.
        await Server.PublishAsync([new LocalIotCore.Shadows.ShadowMessage(topic, "{\"marker\":true}"u8.ToArray())]);
        Assert.AreEqual("{\"marker\":true}", (await observer.NextAsync(topic)).Payload);
    }

    [TestMethod]
    [DataRow("$aws/things/pump-1/shadow/update/delta", true)]
    [DataRow("$aws/things/pump-1/shadow/update/documents", true)]
    [DataRow("$aws/things/pump-1/shadow/update/accepted", true)]
    [DataRow("$aws/things/pump-1/shadow/update/rejected", true)]
    [DataRow("$aws/things/pump-1/shadow/get/accepted", true)]
    [DataRow("$aws/things/pump-1/shadow/delete/accepted", true)]
    [DataRow("$aws/things/pump-1/shadow/name/config/update/delta", true)]
    [DataRow("$aws/things/pump-1/shadow/name/config/get/rejected", true)]
    [DataRow("$aws/events/presence/connected/pump-1", true)]
    [DataRow("$aws/events/subscriptions/subscribed/pump-1", true)]
    [DataRow("$aws/things/pump-1/shadow/update", false)]
    [DataRow("$aws/things/pump-1/shadow/get", false)]
    [DataRow("$aws/things/pump-1/shadow/name/config/delete", false)]
    [DataRow("things/pump-1/shadow/update/delta", false)]
    [DataRow("things/pump-1/telemetry", false)]
    public void Service_topics_are_recognised(string topic, bool serviceOnly)
    {
        Assert.AreEqual(serviceOnly, TopicPolicy.IsServiceOnly(topic));
        Assert.AreEqual(serviceOnly, TopicPolicy.DenyPublish(Identity.Application("app"), topic) is not null);
    }
}

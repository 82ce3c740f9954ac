using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Hosting;
using LocalIotCore.Registry;
using LocalIotCore.Tests.Support;
using MQTTnet;

namespace LocalIotCore.Tests.Broker;

/// <summary>
/// The broker allows each connection what the AWS IoT policies attached to its certificate allow
/// (iot:Connect, iot:Publish, iot:Subscribe, iot:Receive; explicit Deny wins), refuses unregistered
/// and inactive certificates, and provisions local-CA certificates just in time unless told not to.
/// </summary>
[TestClass]
public sealed class PolicyEnforcementTests
{
    private CloudInFolder _cloud = null!;
    private CapturedLog _log = null!;

    private LocalIotCoreServer Server => _cloud.Server;

    private IotRegistry Registry => _cloud.Server.Registry;

    [TestInitialize]
    public async Task StartAsync()
    {
        _log = new CapturedLog();
        _cloud = await CloudInFolder.StartAsync("policies", _log);
    }

    [TestCleanup]
    public async Task StopAsync() => await _cloud.DisposeAsync();

    [TestMethod]
    public async Task A_local_ca_certificate_is_provisioned_at_its_first_connect_with_the_default_device_policy()
    {
        X509Certificate2? minted = null;
        await using (var device = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-7", register: c => minted = X509CertificateLoader.LoadCertificate(c.RawData)))
        {
            Assert.IsTrue(device.Client.IsConnected);
        }

        Assert.IsNotNull(Registry.FindThing("pump-7"));
        var info = Registry.Describe(minted!)!;
        Assert.IsTrue(info.IsActive);
        CollectionAssert.AreEqual(new[] { "pump-7" }, info.AttachedThings.ToArray());
        CollectionAssert.AreEqual(new[] { LocalIotCore.Policies.DefaultPolicies.DevicePolicyName }, info.Policies.Select(p => p.Name).ToArray());
    }

    [TestMethod]
    public async Task Without_provisioning_an_unregistered_certificate_is_refused_at_connect()
    {
        await using var strict = await CloudInFolder.StartAsync("strict", _log, o => o.ProvisionUnregisteredCertificates = false);

        var refused = await Assert.ThrowsAsync<Exception>(() => TestClient.DeviceAsync(strict.Server.Authority, strict.Server.MqttPort, "pump-1"));

        StringAssert.Contains(refused.Message, "NotAuthorized");
        await _log.WaitForAsync(line => line.Contains("is not registered", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task A_tutorial_device_with_a_permissive_policy_publishes_to_any_topic_and_the_default_policy_does_not()
    {
        await using var observer = await TestClient.ApplicationAsync(Server.PlainApplicationPort!.Value, "data/temperature");
        await using var tutorial = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "sensor-1", register: c => Register(c, "sensor-1", TestPrincipals.PermissivePolicy));
        await tutorial.PublishAsync("data/temperature", "{\"t\":21.5}");
        Assert.AreEqual("{\"t\":21.5}", (await observer.NextAsync("data/temperature")).Payload);

        await using var device = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-1");
        await PublishExpectingDisconnectAsync(device, "data/temperature");
        await _log.WaitForAsync(line => line.Contains("iot:Publish on arn:aws:iot:" + Registry.Region + ":" + Registry.AccountId + ":topic/data/temperature denied: no attached policy allows it (certificate ", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task An_explicit_deny_in_a_second_policy_wins_over_the_default_allow()
    {
        var deny = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iot:Publish","Resource":"arn:aws:iot:*:*:topic/things/${iot:Connection.Thing.ThingName}/telemetry"}]}""";
        await using var device = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-1", register: c =>
        {
            var registered = Registry.RegisterDevice("pump-1", c);
            Registry.CreatePolicy("NoTelemetry", deny);
            Registry.AttachPolicy("NoTelemetry", registered.Arn);
        });

        await device.PublishAsync("$aws/things/pump-1/shadow/update", "{\"state\":{\"reported\":{\"connected\":true}}}");
        await PublishExpectingDisconnectAsync(device, "things/pump-1/telemetry");
        await _log.WaitForAsync(line => line.Contains("denied explicitly by policy 'NoTelemetry'", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task An_inactive_certificate_is_refused_at_connect()
    {
        var refused = await Assert.ThrowsAsync<Exception>(() => TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "pump-1", register: c => Registry.UpdateCertificate(Registry.RegisterDevice("pump-1", c).Id, CertificateStatus.Inactive)));

        StringAssert.Contains(refused.Message, "NotAuthorized");
        await _log.WaitForAsync(line => line.Contains("is not ACTIVE", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task A_subscription_allowed_without_receive_delivers_nothing()
    {
        // Subscribe on every topic filter, Receive only on its own topics: others' messages are not delivered.
        var policy = """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["iot:Connect","iot:Subscribe"],"Resource":"*"},
              {"Effect":"Allow","Action":"iot:Receive","Resource":"arn:aws:iot:*:*:topic/things/${iot:Connection.Thing.ThingName}/*"}]}
            """;
        await using var listener = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "listener-1", register: c => Register(c, "listener-1", policy));
        Assert.AreEqual(MqttClientSubscribeResultCode.GrantedQoS1, await listener.SubscribeAsync("things/#"));
        await using var app = await TestClient.ApplicationAsync(Server.PlainApplicationPort!.Value);

        await app.PublishAsync("things/other/telemetry", "{\"n\":1}");
        await app.PublishAsync("things/listener-1/telemetry", "{\"n\":2}");

        // Delivery is in order: the first message it gets is its own topic's.
        var first = await listener.NextAsync("things/listener-1/telemetry");
        Assert.AreEqual("{\"n\":2}", first.Payload);
        await _log.WaitForAsync(line => line.Contains("message on 'things/other/telemetry' not delivered to 'listener-1': iot:Receive on", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task An_application_certificate_connects_with_any_client_id_and_uses_any_topic()
    {
        await using var observer = await TestClient.ApplicationAsync(Server.PlainApplicationPort!.Value, "things/pump-9/telemetry");
        await using var app = await TestClient.DeviceAsync(Server.Authority, Server.MqttPort, "backend", clientId: "backend-worker-3", register: c => Registry.RegisterApplication(c));
        Assert.AreEqual(MqttClientSubscribeResultCode.GrantedQoS1, await app.SubscribeAsync("$aws/things/+/shadow/update/delta"));
        await app.PublishAsync("things/pump-9/telemetry", "{}");
        Assert.AreEqual("{}", (await observer.NextAsync("things/pump-9/telemetry")).Payload);
    }

    private void Register(X509Certificate2 certificate, string thing, string policyDocument) => TestPrincipals.RegisterThing(Registry, certificate, thing, policyDocument);

    private static async Task PublishExpectingDisconnectAsync(TestClient client, string topic)
    {
        try
        {
            await client.PublishAsync(topic, "{}");
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // The broker may close the connection before the PUBACK.
        }

        await client.Disconnected.Task.WaitAsync(TestClient.Patience);
    }
}

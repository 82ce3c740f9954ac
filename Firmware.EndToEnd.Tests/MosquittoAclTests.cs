using System.Text;
using Firmware.EndToEnd.Harness;
using LocalIotCore.Broker;
using LocalIotCore.Certificates;
using MQTTnet;
using MQTTnet.Protocol;

namespace Firmware.EndToEnd.Tests;

/// <summary>The rig's mosquitto lets only LocalIotCore's bridge publish what only the shadow service publishes.</summary>
[TestClass]
public sealed class MosquittoAclTests
{
    private const string Delta = "$aws/things/pump-1/shadow/update/delta";

    [TestMethod]
    public async Task An_application_cannot_publish_a_delta_and_the_bridge_can()
    {
        var folder = Path.Combine(Path.GetTempPath(), "mosquitto-acl-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var authority = LocalCertificateAuthority.LoadOrCreate(Path.Combine(folder, "ca"));
            await using var mosquitto = new Mosquitto(folder, authority, FreeTcpPort.Next(), FreeTcpPort.Next());
            await mosquitto.StartAsync();

            using var observer = await ConnectAsync(mosquitto.PlainPort, null);
            var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            observer.ApplicationMessageReceivedAsync += e =>
            {
                received.TrySetResult(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
                return Task.CompletedTask;
            };
            await observer.SubscribeAsync(Delta, MqttQualityOfServiceLevel.AtLeastOnce);

            using var application = await ConnectAsync(mosquitto.PlainPort, null);
            await application.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Delta).WithPayload("{\"state\":{\"MOTOR\":\"ON\"}}").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            using var bridge = await ConnectAsync(mosquitto.PlainPort, ExternalBrokerBridge.UserName);
            await bridge.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(Delta).WithPayload("marker").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

            // mosquitto handles one client's publish before the next one's: the application's came first.
            Assert.AreEqual("marker", await received.Task.WaitAsync(TimeSpan.FromSeconds(20)), "the application's delta was dropped, the bridge's delivered");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<IMqttClient> ConnectAsync(int port, string? userName)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("acl-" + Guid.NewGuid().ToString("N")[..8]).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311);
        if (userName is not null)
        {
            options.WithCredentials(userName);
        }

        await client.ConnectAsync(options.Build());
        return client;
    }
}

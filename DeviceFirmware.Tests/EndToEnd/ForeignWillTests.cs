using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using DeviceFirmware.Tests.Support;
using LocalIotCore.Hosting;
using MQTTnet;
using MQTTnet.Protocol;

namespace DeviceFirmware.Tests.EndToEnd;

/// <summary>
/// Issue 17, hole 1, end to end: another device (pump-a, with only its own valid certificate)
/// connects with a Last Will aimed at the firmware's thing and has its session taken over. The will
/// must not reach the firmware: its relay does not move, and the real commands that follow are obeyed.
/// </summary>
[TestClass]
public sealed class ForeignWillTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [TestMethod]
    [DataRow("$aws/things/" + PumpShadow.Thing + "/shadow/update/delta", "{\"state\":{\"MOTOR\":\"ON\"},\"version\":9223372036854775807}")]
    [DataRow("$aws/things/" + PumpShadow.Thing + "/shadow/update", "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}")]
    public async Task A_will_aimed_at_the_firmwares_thing_does_not_switch_its_relay(string willTopic, string willPayload)
    {
        await using var firmware = await FirmwareInProcess.StartCloudAsync("foreign-will", PumpShadow.Thing);
        var (cloud, http, relay, service) = (firmware.Cloud, firmware.Http, firmware.Relay, firmware.Service);
        await service.StartAsync(CancellationToken.None);
        await Until(() => PumpShadow.Reported(cloud)?["connected"]?.GetValue<bool>() == true, "the firmware reported connected=true");

        // pump-a connects with the will, then again with its own client id: the first session is taken over.
        using var first = await ConnectAttackerAsync(cloud, willTopic, willPayload);
        using var second = await ConnectAttackerAsync(cloud, null, null);
        await Until(() => cloud.Connections.Find("pump-a") is { Connected: true } && cloud.Connections.RecentEvents(10).Any(e => e.Thing == "pump-a" && e.DisconnectReason == "DUPLICATE_CLIENTID"), "pump-a's first session taken over");

        // A real change after the takeover: once the firmware has applied it, it has seen anything the will caused.
        await PumpShadow.Desire(http, "{\"telemetryIntervalSeconds\":7}");
        await Until(() => (int?)PumpShadow.Reported(cloud)?["telemetryIntervalSeconds"] == 7, "the real change after the takeover applied");
        Assert.IsFalse(relay.IsOn, "the foreign will did not switch the relay");
        Assert.AreEqual(0, relay.Actuations);
        Assert.IsNull(PumpShadow.Document(cloud)?["state"]?["desired"]?["MOTOR"], "the will did not write MOTOR into the shadow");

        // Real commands are obeyed, both ways.
        await PumpShadow.Desire(http, "{\"MOTOR\":\"ON\"}");
        await Until(() => relay.IsOn, "a real ON obeyed");
        await PumpShadow.Desire(http, "{\"MOTOR\":\"OFF\"}");
        await Until(() => !relay.IsOn, "a real OFF obeyed");
        Assert.AreEqual(2, relay.Actuations);
        await service.StopAsync(CancellationToken.None).WaitAsync(Patience);
    }

    private static async Task<IMqttClient> ConnectAttackerAsync(LocalIotCoreServer cloud, string? willTopic, string? willPayload)
    {
        using var issued = cloud.Authority.IssueDeviceCertificate("pump-a");
        var certificate = X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("localhost", cloud.MqttPort)
            .WithClientId("pump-a")
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithTlsOptions(new MqttClientTlsOptionsBuilder()
                .UseTls(true)
                .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithClientCertificates(new X509Certificate2Collection(certificate))
                .WithCertificateValidationHandler(_ => true)
                .Build());
        if (willTopic is not null)
        {
            builder.WithWillTopic(willTopic).WithWillPayload(willPayload).WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(builder.Build());
        return client;
    }

    private static Task Until(Func<bool> condition, string what) => Eventually.Until(condition, what, Patience);
}

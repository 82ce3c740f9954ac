using DeviceFirmware.Tests.Support;

namespace DeviceFirmware.Tests.EndToEnd;

/// <summary>The firmware's agent, host loop and MQTT shell against LocalIotCore's broker and shadow service, in one process.</summary>
[TestClass]
public sealed class FirmwareAgainstLocalIotCoreTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [TestMethod]
    public async Task Desired_motor_switches_the_relay_reported_follows_bad_input_is_refused_and_stop_reports_offline()
    {
        await using var firmware = await FirmwareInProcess.StartCloudAsync("e2e", "pump-1");
        var (cloud, http, relay, service) = (firmware.Cloud, firmware.Http, firmware.Relay, firmware.Service);
        await service.StartAsync(CancellationToken.None);
        await Until(() => PumpShadow.Reported(cloud)?["connected"]?.GetValue<bool>() == true, "connected=true reported");
        Assert.AreEqual("9.9.9", (string)PumpShadow.Reported(cloud)!["firmwareVersion"]!);
        Assert.AreEqual("missing: none fitted", (string)PumpShadow.Reported(cloud)!["sensor"]!["status"]!);

        await PumpShadow.Desire(http, "{\"MOTOR\":\"ON\"}");
        await Until(() => relay.IsOn && (string?)PumpShadow.Reported(cloud)?["MOTOR"] == "ON" && PumpShadow.Document(cloud)?["state"]?["delta"] is null, "relay on, reported ON, no delta left");

        await PumpShadow.Desire(http, "{\"MOTOR\":\"on\"}");
        await Until(() => ((string?)PumpShadow.Reported(cloud)?["errors"]?["MOTOR"])?.Contains("expected \"ON\" or \"OFF\"", StringComparison.Ordinal) == true, "the refusal is reported");
        Assert.IsTrue(relay.IsOn, "invalid input never moves the relay");
        Assert.AreEqual(1, relay.Actuations);

        await PumpShadow.Desire(http, "{\"MOTOR\":\"OFF\"}");
        await Until(() => !relay.IsOn && (string?)PumpShadow.Reported(cloud)?["MOTOR"] == "OFF" && PumpShadow.Reported(cloud)?["errors"]?["MOTOR"] is null, "relay off and the error cleared");

        await service.StopAsync(CancellationToken.None).WaitAsync(Patience);
        Assert.IsFalse(PumpShadow.Reported(cloud)!["connected"]!.GetValue<bool>(), "a clean stop reports connected=false");
        await Until(() => cloud.Connections.Find("pump-1") is { Connected: false, LastDisconnectReason: "CLIENT_INITIATED_DISCONNECT" }, "a clean DISCONNECT");
    }

    private static Task Until(Func<bool> condition, string what) => Eventually.Until(condition, what, Patience);
}

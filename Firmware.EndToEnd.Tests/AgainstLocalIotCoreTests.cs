using Firmware.EndToEnd.Harness;

namespace Firmware.EndToEnd.Tests;

/// <summary>LocalIotCore and the firmware as separate processes, over mutual TLS on loopback, through the fault proxy.</summary>
[TestClass]
public sealed class AgainstLocalIotCoreTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Desired_motor_switches_the_relay_and_a_change_made_while_stopped_applies_at_start()
    {
        await using var rig = await Rig.StartAsync();
        await Scenarios.MotorFollowsDesired(rig);
        var connection = await rig.Shadow.ConnectionAsync();
        Assert.AreEqual(true, (bool?)connection?["connected"], "the lifecycle table sees the second run connected");
    }

    [TestMethod]
    public async Task A_file_uploaded_to_S3_is_installed_replaced_kept_on_a_hash_mismatch_and_not_fetched_again_after_a_restart()
    {
        await using var rig = await Rig.StartAsync(new RigOptions { FetchS3Files = true });
        await Scenarios.UploadedFileIsInstalledReplacedAndKeptOnMismatch(rig);
    }

    [TestMethod]
    public async Task Kill_9_turns_the_flag_false_through_the_will_and_notifies_once_after_grace()
    {
        await using var rig = await Rig.StartAsync();
        var flagDelay = await Scenarios.CrashTurnsFlagFalseAndNotifiesOnce(rig);
        TestContext.WriteLine("connected=false " + flagDelay.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + " ms after kill -9");
    }

    [TestMethod]
    public async Task Blackhole_reset_and_slow_link_recover_with_contiguous_telemetry()
    {
        await using var rig = await Rig.StartAsync();
        var tally = await Scenarios.NetworkFaultsLoseNoTelemetry(rig);
        TestContext.WriteLine("telemetry " + tally);
    }

    [TestMethod]
    public async Task LocalIotCore_restart_keeps_shadows_and_pending_checks_and_the_firmware_catches_up()
    {
        await using var rig = await Rig.StartAsync(new RigOptions { GraceSeconds = Scenarios.RestartGraceSeconds });
        await Scenarios.CloudRestartKeepsStateAndFirmwareCatchesUp(rig);
    }

    [TestMethod]
    public async Task A_late_will_after_a_takeover_is_healed_and_no_notification_is_sent()
    {
        await using var rig = await Rig.StartAsync();
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Scenarios.Patience);
        var firmware = rig.Firmware!;

        // The firmware's link goes silent but a new path works: the firmware reconnects while the
        // broker still holds its old session, so the broker takes the session over and sends its will.
        var mark = firmware.LineCount;
        rig.Proxy.Inject(NetworkFault.BlackholeExisting);
        await firmware.WaitForLineAsync(Rig.IsLinkLostLine, TimeSpan.FromSeconds(rig.Options.KeepAliveSeconds * 1.5 + 10), "that it lost the silent link", mark);
        await rig.WaitForFirmwareOnlineAsync(Scenarios.Patience, mark);
        await rig.Until(async () => (string?)(await rig.Shadow.ConnectionAsync())?["lastDisconnectReason"] == "DUPLICATE_CLIENTID", Scenarios.Patience, "the old session taken over");

        // The takeover's will may land before or after the new session's connected=true; either way the flag ends true.
        await rig.Until(async () => await rig.Shadow.ConnectedAsync() == true, TimeSpan.FromSeconds(30), "connected=true after the takeover");

        // AWS may deliver that will late, after the new connected=true: deliver it late once more, as AWS could.
        // The firmware sees connected=false in the shadow while its session is alive and re-asserts true;
        // the self-heal is rate-limited to one report per 10 s, so 30 s bounds it with room to spare.
        var heal = firmware.LineCount;
        await rig.Telemetry.PublishAsync("things/" + rig.Options.Thing + "/lwt", "{\"state\":{\"reported\":{\"connected\":false}}}"u8.ToArray());
        await firmware.WaitForLineAsync(line => line.Contains("Self-heal: reporting connected=true again", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "its self-heal after the late will", heal);
        await rig.Until(async () => await rig.Shadow.ConnectedAsync() == true, TimeSpan.FromSeconds(30), "connected=true restored");

        await Task.Delay(TimeSpan.FromSeconds(rig.Options.GraceSeconds + 1));
        Assert.AreEqual(0, await rig.Shadow.NotificationCountAsync(), "the device never went away: no notification");
        Assert.IsTrue(await rig.Shadow.ConnectedAsync() == true);
    }

    [TestMethod]
    public async Task Bad_input_never_moves_the_relay_never_stops_the_firmware_and_is_reported()
    {
        await using var rig = await Rig.StartAsync();
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Scenarios.Patience);
        await Scenarios.Desire(rig, "{\"MOTOR\":\"OFF\"}");
        await rig.Until(() => Scenarios.MotorApplied(rig, on: false), Scenarios.Patience, "reported.MOTOR OFF");

        foreach (var input in BadInput.All)
        {
            // Only the shadow service publishes on a shadow's replies (as on AWS): LocalIotCore refuses
            // the inputs aimed straight at them, closing the sender's connection, and they never reach the firmware.
            Assert.AreEqual(input.ServiceOnly, await input.SendAsync(rig.PlainPort, rig.Options.Thing), "refused by the broker: " + input.Name);
        }

        // Unknown settings are explained each under their own name.
        await rig.Until(async () => (string?)Scenarios.Errors(await rig.Shadow.ReportedAsync())?["FAN"] == "unknown setting; ignored", Scenarios.Patience, "reported.errors.FAN for the unknown setting");

        // A valid change after them: once it is applied, every message before it was handled.
        await Scenarios.Desire(rig, "{\"telemetryIntervalSeconds\":2}");
        await rig.Until(async () => (int?)(await rig.Shadow.ReportedAsync())?["telemetryIntervalSeconds"] == 2, Scenarios.Patience, "the valid change after the bad input");
        Assert.IsTrue(rig.FirmwareRunning, "the firmware is still running");
        Assert.AreEqual(0, rig.FirmwareCrashes);
        Assert.AreEqual(0, rig.RelayActuations, "no bad input moved the relay");
        var reported = await rig.Shadow.ReportedAsync();
        StringAssert.Contains((string?)Scenarios.Errors(reported)?["MOTOR"] ?? "(none)", "expected \"ON\" or \"OFF\"", "the refusal of a wrong MOTOR value is in reported.errors");
        Assert.IsTrue(await rig.Shadow.ConnectedAsync() == true);

        await Scenarios.Desire(rig, "{\"MOTOR\":\"ON\"}");
        await rig.Until(() => Scenarios.MotorApplied(rig, on: true), Scenarios.Patience, "a valid command still works");
        await rig.Until(async () => Scenarios.Errors(await rig.Shadow.ReportedAsync())?["MOTOR"] is null, Scenarios.Patience, "the MOTOR error cleared by a valid value");
        Assert.AreEqual(1, rig.RelayActuations);
    }
}

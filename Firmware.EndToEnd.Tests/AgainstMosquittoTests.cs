using Firmware.EndToEnd.Harness;

namespace Firmware.EndToEnd.Tests;

/// <summary>
/// The same scenarios with Debian's mosquitto as the broker (mutual TLS, CN as user name, an ACL
/// like AWS's thing policy) and LocalIotCore's shadow service, rules and notifier as its client.
/// </summary>
[TestClass]
public sealed class AgainstMosquittoTests
{
    private static readonly RigOptions Mosquitto = new() { Broker = BrokerKind.Mosquitto };

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Desired_motor_switches_the_relay_and_a_change_made_while_stopped_applies_at_start()
    {
        await using var rig = await Rig.StartAsync(Mosquitto);
        await Scenarios.MotorFollowsDesired(rig);
    }

    [TestMethod]
    public async Task Kill_9_turns_the_flag_false_through_the_will_and_notifies_once_after_grace()
    {
        await using var rig = await Rig.StartAsync(Mosquitto);
        var flagDelay = await Scenarios.CrashTurnsFlagFalseAndNotifiesOnce(rig);
        TestContext.WriteLine("connected=false " + flagDelay.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture) + " ms after kill -9");
    }

    [TestMethod]
    public async Task Blackhole_reset_and_slow_link_recover_with_contiguous_telemetry()
    {
        await using var rig = await Rig.StartAsync(Mosquitto);
        var tally = await Scenarios.NetworkFaultsLoseNoTelemetry(rig);
        TestContext.WriteLine("telemetry " + tally);
    }

    [TestMethod]
    public async Task Broker_and_LocalIotCore_restart_keep_shadows_and_pending_checks_and_the_firmware_catches_up()
    {
        await using var rig = await Rig.StartAsync(new RigOptions { Broker = BrokerKind.Mosquitto, GraceSeconds = Scenarios.RestartGraceSeconds });
        await Scenarios.CloudRestartKeepsStateAndFirmwareCatchesUp(rig);
    }

    [TestMethod]
    public async Task Forged_delta_versions_neither_move_the_relay_nor_lock_out_real_commands()
    {
        // Only the shadow service publishes on a thing's delta topic (on AWS, LocalIotCore and the rig's
        // mosquitto), but a service or broker can be wrong: the firmware itself must not trust what it
        // cannot check. The scenario publishes as the service's mosquitto user.
        await using var rig = await Rig.StartAsync(Mosquitto);
        await Scenarios.ForgedDeltaVersionsLockNothingOut(rig);
    }

    [TestMethod]
    public async Task An_idle_device_in_a_blackhole_is_caught_by_keep_alive_on_both_sides()
    {
        await using var rig = await Rig.StartAsync(Mosquitto);
        // No telemetry for an hour: nothing is published, so no missing PUBACK can tell; only keep-alive can.
        var firmware = rig.StartFirmware("--Telemetry:IntervalSeconds=3600");
        await rig.WaitForFirmwareOnlineAsync(Scenarios.Patience);
        // Online is reported before the shadow's /get is answered; a blackhole before that answer would
        // be caught by the /get's retry (10 s) and its missing PUBACK, not by keep-alive.
        await firmware.WaitForLineAsync(Rig.IsShadowFetchedLine, Scenarios.Patience, "the start-up /get answered");
        var keepAlive = TimeSpan.FromSeconds(rig.Options.KeepAliveSeconds);
        var mark = firmware.LineCount;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        rig.Proxy.Inject(NetworkFault.Blackhole);

        // The firmware pings after a keep-alive period of silence and gives up when no PINGRESP comes.
        await firmware.WaitForLineAsync(Rig.IsLinkLostLine, keepAlive * 1.5 + TimeSpan.FromSeconds(10), "that keep-alive caught the silent link", mark);
        var deviceSide = watch.Elapsed;
        // mosquitto drops the silent session after 1.5 x keep-alive and publishes its will.
        await rig.Until(async () => await rig.Shadow.ConnectedAsync() == false, keepAlive * 1.5 + TimeSpan.FromSeconds(10), "connected=false through the broker's keep-alive and the will");
        var brokerSide = watch.Elapsed;
        TestContext.WriteLine("device noticed after " + deviceSide.TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " s, flag false after " + brokerSide.TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " s");
        Assert.IsTrue(deviceSide >= keepAlive, "noticed through keep-alive, which waits a keep-alive period (" + deviceSide + ")");

        mark = firmware.LineCount;
        rig.Proxy.Heal();
        await rig.WaitForFirmwareOnlineAsync(Scenarios.Patience, mark);
    }
}

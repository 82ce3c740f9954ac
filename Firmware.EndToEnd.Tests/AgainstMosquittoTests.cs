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
        await using var rig = await Rig.StartAsync(Mosquitto);
        await Scenarios.CloudRestartKeepsStateAndFirmwareCatchesUp(rig);
    }
}

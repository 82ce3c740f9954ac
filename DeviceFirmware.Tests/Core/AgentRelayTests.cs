using System.Text.Json;
using DeviceFirmware.Core;

namespace DeviceFirmware.Tests.Core;

[TestClass]
public sealed class AgentRelayTests
{
    private static AgentSettings Settings(PowerOnState powerOn = PowerOnState.Off, TimeSpan? offline = null, TimeSpan? maxOn = null) => new()
    {
        ThingName = "pump-1",
        PowerOnState = powerOn,
        OfflineFailSafe = offline,
        MaximumOnTime = maxOn,
    };

    [TestMethod]
    public void A_faster_request_is_deferred_to_the_minimum_interval_not_dropped()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Advance(TimeSpan.FromSeconds(0.5));
        var early = h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(early).Count);
        Assert.IsTrue(h.RelayPin, "still on during the minimum interval");
        Assert.AreEqual(0, h.Reports(early).Count, "reported stays at the applied state");

        var later = h.Advance(TimeSpan.FromSeconds(1.5));
        Assert.IsFalse(h.RelayPin);
        Assert.AreEqual(2, h.Actuations);
        Assert.AreEqual("OFF", AgentHarness.Reported(h.Reports(later)[0]).GetProperty("MOTOR").GetString());
    }

    [TestMethod]
    public void The_latest_request_wins_within_the_interval()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Advance(TimeSpan.FromSeconds(0.2));
        h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        h.Advance(TimeSpan.FromSeconds(0.2));
        h.Delta("{\"MOTOR\":\"ON\"}", 4);
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.IsTrue(h.RelayPin);
        Assert.AreEqual(1, h.Actuations, "the motor was never cycled");
    }

    [TestMethod]
    public void Desired_going_back_during_the_deferral_cancels_the_deferred_switch()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Advance(TimeSpan.FromSeconds(0.5));
        h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        // desired back to ON while reported is ON: the shadow sends no delta, only /update/accepted.
        var accepted = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}},\"version\":4}");
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(accepted).Count, "an accepted update never switches the relay");
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.IsTrue(h.RelayPin, "the relay stays as desired now");
        Assert.AreEqual(1, h.Actuations, "the motor was never cycled");
    }

    [TestMethod]
    public void An_accepted_update_that_agrees_with_the_deferred_switch_or_is_older_leaves_it_alone()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Advance(TimeSpan.FromSeconds(0.5));
        h.Delta("{\"MOTOR\":\"OFF\"}", 5);
        h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"}},\"version\":5}");
        h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}},\"version\":4}");
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.IsFalse(h.RelayPin, "the deferred OFF still happened");
        Assert.AreEqual(2, h.Actuations);
    }

    [TestMethod]
    public void A_desired_change_that_crossed_the_devices_report_is_fetched_when_no_delta_follows()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var switched = h.Delta("{\"MOTOR\":\"ON\"}", 2);
        var ourReport = h.Reports(switched)[^1];
        // An application sets desired OFF while the shadow still has reported OFF (the ON report is on
        // its way): desired equals reported at that moment, so the shadow sends no delta.
        var foreign = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"}},\"version\":3,\"clientToken\":\"app-1\"}");
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(foreign).Count, "an accepted update never switches the relay");
        var accepted = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"reported\":{\"MOTOR\":\"ON\"}},\"version\":4,\"clientToken\":\"" + AgentHarness.Token(ourReport) + "\"}");
        Assert.AreEqual(1, AgentHarness.Publishes(accepted, h.Topics.Get).Count, "the device asks for the shadow it can no longer trust");

        h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"},\"reported\":{\"MOTOR\":\"ON\",\"connected\":true},\"delta\":{\"MOTOR\":\"OFF\"}},\"version\":4}");
        h.Advance(TimeSpan.FromSeconds(3)); // the minimum switch interval
        Assert.IsFalse(h.RelayPin, "the relay follows the desired state after all");
    }

    [TestMethod]
    public void A_delta_after_the_crossing_update_needs_no_extra_fetch()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var ourReport = h.Reports(h.Delta("{\"MOTOR\":\"ON\"}", 2))[^1];
        h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"}},\"version\":3,\"clientToken\":\"app-1\"}");
        h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        var accepted = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"reported\":{\"MOTOR\":\"ON\"}},\"version\":4,\"clientToken\":\"" + AgentHarness.Token(ourReport) + "\"}");
        Assert.AreEqual(0, AgentHarness.Publishes(accepted, h.Topics.Get).Count, "the delta answered it");
        h.Advance(TimeSpan.FromSeconds(3));
        Assert.IsFalse(h.RelayPin);
    }

    [TestMethod]
    public void A_fetched_shadow_older_than_an_accepted_update_is_fetched_again_once()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ConnectSucceeded());
        // Another client's update (version 5) arrives before the answer to /get, which is older (4).
        h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"}},\"version\":5,\"clientToken\":\"app-1\"}");
        var stale = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"},\"reported\":{\"MOTOR\":\"OFF\",\"connected\":true},\"delta\":{\"MOTOR\":\"ON\"}},\"version\":4}");
        Assert.AreEqual(1, AgentHarness.Publishes(stale, h.Topics.Get).Count, "fetched again");
        var fresh = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"},\"reported\":{\"MOTOR\":\"ON\",\"connected\":true},\"delta\":{\"MOTOR\":\"OFF\"}},\"version\":6}");
        Assert.AreEqual(0, AgentHarness.Publishes(fresh, h.Topics.Get).Count, "once only");
        h.Advance(TimeSpan.FromSeconds(3));
        Assert.IsFalse(h.RelayPin, "the newer desired state wins");
    }

    [TestMethod]
    public void Power_on_state_Last_restores_the_saved_state_before_connecting()
    {
        var h = new AgentHarness(Settings(PowerOnState.Last));
        var actions = h.Start(savedRelay: true);
        Assert.IsTrue(h.RelayPin);
        Assert.IsTrue(actions.IndexOf(AgentHarness.OfType<SetRelay>(actions)[0]) < actions.IndexOf(AgentHarness.OfType<Connect>(actions)[0]));
        Assert.AreEqual(1, AgentHarness.OfType<SaveRelayState>(actions).Count);

        var switched = h.Send(new ConnectSucceeded());
        Assert.AreEqual("ON", AgentHarness.Reported(h.Reports(switched)[0]).GetProperty("MOTOR").GetString());
    }

    [TestMethod]
    public void Power_on_state_Last_saves_every_applied_state()
    {
        var h = new AgentHarness(Settings(PowerOnState.Last));
        h.StartOnline();
        var on = h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(AgentHarness.OfType<SaveRelayState>(on)[0].On);
        h.Advance(TimeSpan.FromSeconds(3));
        var off = h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        Assert.IsFalse(AgentHarness.OfType<SaveRelayState>(off)[0].On);
    }

    [TestMethod]
    public void Power_on_state_Off_ignores_a_saved_state_and_writes_no_state_file()
    {
        var h = new AgentHarness(Settings(PowerOnState.Off));
        h.Start(savedRelay: true);
        Assert.IsFalse(h.RelayPin);
        h.Send(new ConnectSucceeded());
        h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"delta\":{\"MOTOR\":\"ON\"}},\"version\":3}");
        Assert.IsTrue(h.RelayPin, "the shadow's desired state applies once fetched");
        Assert.AreEqual(0, AgentHarness.OfType<SaveRelayState>(h.All).Count);
    }

    [TestMethod]
    public void Power_on_state_Desired_stays_off_until_the_fetch_and_then_follows_desired()
    {
        var h = new AgentHarness(Settings(PowerOnState.Desired));
        h.Start(savedRelay: true);
        Assert.IsFalse(h.RelayPin);
        var connect = h.Send(new ConnectSucceeded());
        Assert.IsFalse(AgentHarness.Reported(h.Reports(connect)[0]).TryGetProperty("MOTOR", out _), "MOTOR is not claimed before the fetch");

        // reported.MOTOR is ON from before the restart, so there is no delta: Desired reads desired itself.
        var fetched = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"},\"reported\":{\"MOTOR\":\"ON\",\"connected\":true}},\"version\":9}");
        Assert.IsTrue(h.RelayPin);
        Assert.AreEqual("ON", AgentHarness.Reported(h.Reports(fetched)[0]).GetProperty("MOTOR").GetString());
    }

    [TestMethod]
    public void Power_on_state_Desired_reports_off_when_nothing_is_desired()
    {
        var h = new AgentHarness(Settings(PowerOnState.Desired));
        h.Start();
        h.Send(new ConnectSucceeded());
        var fetched = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"reported\":{\"connected\":true}},\"version\":2}");
        Assert.IsFalse(h.RelayPin);
        Assert.AreEqual("OFF", AgentHarness.Reported(h.Reports(fetched)[0]).GetProperty("MOTOR").GetString());
    }

    [TestMethod]
    public void Offline_fail_safe_switches_off_and_the_reason_is_reported_when_back_online()
    {
        var h = new AgentHarness(Settings(offline: TimeSpan.FromMinutes(10)));
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Send(new ConnectionLost("network down"));
        h.Advance(TimeSpan.FromMinutes(9));
        Assert.IsTrue(h.RelayPin, "not before the fail-safe time");
        // Keep the link down: fail every attempt.
        foreach (var action in h.Advance(TimeSpan.FromSeconds(1)))
        {
            _ = action;
        }

        for (var i = 0; i < 120 && h.RelayPin; i++)
        {
            if (h.Agent.State == LinkState.Connecting)
            {
                h.Send(new ConnectFailed("network down"));
            }

            h.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.IsFalse(h.RelayPin, "switched off after 10 minutes offline");
        if (h.Agent.State != LinkState.Connecting)
        {
            h.Advance(h.Timers[AgentTimer.Reconnect] - h.Time.GetUtcNow());
        }

        var online = h.Send(new ConnectSucceeded());
        var reported = AgentHarness.Reported(h.Reports(online)[0]);
        Assert.AreEqual("OFF", reported.GetProperty("MOTOR").GetString());
        StringAssert.Contains(reported.GetProperty("lastMotorChange").GetProperty("reason").GetString(), "offline fail-safe");
    }

    [TestMethod]
    public void Offline_fail_safe_does_not_fire_if_the_link_came_back()
    {
        var h = new AgentHarness(Settings(offline: TimeSpan.FromMinutes(10)));
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Send(new ConnectionLost("blip"));
        h.Advance(h.Timers[AgentTimer.Reconnect] - h.Time.GetUtcNow());
        h.Send(new ConnectSucceeded());
        h.Advance(TimeSpan.FromMinutes(30));
        Assert.IsTrue(h.RelayPin);
    }

    [TestMethod]
    public void Maximum_on_time_switches_off_and_resets_desired()
    {
        var h = new AgentHarness(Settings(maxOn: TimeSpan.FromMinutes(15)));
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(h.RelayPin);
        var actions = h.Advance(TimeSpan.FromMinutes(15));
        Assert.IsFalse(h.RelayPin);
        var report = AgentHarness.Parse(h.Reports(actions)[0].Payload).GetProperty("state");
        Assert.AreEqual("OFF", report.GetProperty("reported").GetProperty("MOTOR").GetString());
        Assert.AreEqual("OFF", report.GetProperty("desired").GetProperty("MOTOR").GetString(), "the stale desired ON must not restart the motor");
        StringAssert.Contains(report.GetProperty("reported").GetProperty("lastMotorChange").GetProperty("reason").GetString(), "maximum on-time");
    }

    [TestMethod]
    public void A_relay_fault_is_reported_and_the_state_stays_true_to_the_pin()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.RelayFailure = "GPIO 17 busy";
        var actions = h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsFalse(h.Agent.RelayOn);
        var reported = AgentHarness.Reported(h.Reports(actions)[0]);
        Assert.AreEqual("OFF", reported.GetProperty("MOTOR").GetString());
        StringAssert.Contains(reported.GetProperty("errors").GetProperty("MOTOR").GetString(), "GPIO 17 busy");

        h.RelayFailure = null;
        h.Advance(TimeSpan.FromSeconds(3));
        var retry = h.Delta("{\"MOTOR\":\"ON\"}", 3);
        Assert.IsTrue(h.RelayPin);
        var clearedSomewhere = false;
        foreach (var report in h.Reports(retry))
        {
            var r = AgentHarness.Reported(report);
            if (r.TryGetProperty("errors", out var errors) && errors.GetProperty("MOTOR").ValueKind == JsonValueKind.Null)
            {
                clearedSomewhere = true;
            }
        }

        Assert.IsTrue(clearedSomewhere);
    }
}

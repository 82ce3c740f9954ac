using System;
using System.Collections;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Link;

namespace DeviceFirmware.Tests.Core.Agent;

[TestClass]
public sealed class AgentRelayTests
{
    [TestMethod]
    public void A_faster_request_is_deferred_to_the_minimum_interval_not_dropped()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Advance(Milliseconds(500));
        var early = h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        Assert.AreEqual(0, AgentHarness.Count(early, typeof(SetRelay)));
        Assert.IsTrue(h.RelayPin, "still on during the minimum interval");
        Assert.AreEqual(0, h.Reports(early).Count, "reported stays at the applied state");

        var later = h.Advance(Milliseconds(1500));
        Assert.IsFalse(h.RelayPin);
        Assert.AreEqual(2, h.Actuations);
        Assert.AreEqual("OFF", AgentHarness.Text(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(later), 0)), "MOTOR"));
    }

    [TestMethod]
    public void The_latest_request_wins_within_the_interval()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Advance(Milliseconds(200));
        h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        h.Advance(Milliseconds(200));
        h.Delta("{\"MOTOR\":\"ON\"}", 4);
        h.Advance(Seconds(5));
        Assert.IsTrue(h.RelayPin);
        Assert.AreEqual(1, h.Actuations, "the motor was never cycled");
    }

    [TestMethod]
    public void Desired_going_back_during_the_deferral_cancels_the_deferred_switch()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Advance(Milliseconds(500));
        h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        // desired back to ON while reported is ON: the shadow sends no delta, only /update/accepted.
        var accepted = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}},\"version\":4}");
        Assert.AreEqual(0, AgentHarness.Count(accepted, typeof(SetRelay)), "an accepted update never switches the relay");
        h.Advance(Seconds(5));
        Assert.IsTrue(h.RelayPin, "the relay stays as desired now");
        Assert.AreEqual(1, h.Actuations, "the motor was never cycled");
    }

    [TestMethod]
    public void An_accepted_update_that_agrees_with_the_deferred_switch_or_is_older_leaves_it_alone()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Advance(Milliseconds(500));
        h.Delta("{\"MOTOR\":\"OFF\"}", 5);
        h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"}},\"version\":5}");
        h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}},\"version\":4}");
        h.Advance(Seconds(5));
        Assert.IsFalse(h.RelayPin, "the deferred OFF still happened");
        Assert.AreEqual(2, h.Actuations);
    }

    [TestMethod]
    public void A_desired_change_that_crossed_the_devices_report_is_fetched_when_no_delta_follows()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var ourReport = AgentHarness.ReportAt(h.Reports(h.Delta("{\"MOTOR\":\"ON\"}", 2)), -1);
        // An application sets desired OFF while the shadow still has reported OFF (the ON report is on
        // its way): desired equals reported at that moment, so the shadow sends no delta.
        var foreign = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"}},\"version\":3,\"clientToken\":\"app-1\"}");
        Assert.AreEqual(0, AgentHarness.Count(foreign, typeof(SetRelay)), "an accepted update never switches the relay");
        var accepted = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"reported\":{\"MOTOR\":\"ON\"}},\"version\":4,\"clientToken\":\"" + AgentHarness.Token(ourReport) + "\"}");
        Assert.AreEqual(1, AgentHarness.Publishes(accepted, h.Topics.Get).Count, "the device asks for the shadow it can no longer trust");

        h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"},\"reported\":{\"MOTOR\":\"ON\",\"connected\":true},\"delta\":{\"MOTOR\":\"OFF\"}},\"version\":4}");
        h.Advance(Seconds(3)); // the minimum switch interval
        Assert.IsFalse(h.RelayPin, "the relay follows the desired state after all");
    }

    [TestMethod]
    public void A_delta_after_the_crossing_update_needs_no_extra_fetch()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var ourReport = AgentHarness.ReportAt(h.Reports(h.Delta("{\"MOTOR\":\"ON\"}", 2)), -1);
        h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"}},\"version\":3,\"clientToken\":\"app-1\"}");
        h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        var accepted = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"reported\":{\"MOTOR\":\"ON\"}},\"version\":4,\"clientToken\":\"" + AgentHarness.Token(ourReport) + "\"}");
        Assert.AreEqual(0, AgentHarness.Publishes(accepted, h.Topics.Get).Count, "the delta answered it");
        h.Advance(Seconds(3));
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
        h.Advance(Seconds(3));
        Assert.IsFalse(h.RelayPin, "the newer desired state wins");
    }

    [TestMethod]
    public void Power_on_state_Last_restores_the_saved_state_before_connecting()
    {
        var h = new AgentHarness(Settings(PowerOnState.Last));
        var actions = h.Start(SavedRelayState.On, 0);
        Assert.IsTrue(h.RelayPin);
        Assert.IsTrue(AgentHarness.IndexOf(actions, typeof(SetRelay)) < AgentHarness.IndexOf(actions, typeof(Connect)));
        Assert.AreEqual(1, AgentHarness.Count(actions, typeof(SaveRelayState)));

        var switched = h.Send(new ConnectSucceeded());
        Assert.AreEqual("ON", AgentHarness.Text(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(switched), 0)), "MOTOR"));
    }

    [TestMethod]
    public void Power_on_state_Last_saves_every_applied_state()
    {
        var h = new AgentHarness(Settings(PowerOnState.Last));
        h.StartOnline();
        var on = h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(((SaveRelayState)AgentHarness.First(on, typeof(SaveRelayState))).On);
        h.Advance(Seconds(3));
        var off = h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        Assert.IsFalse(((SaveRelayState)AgentHarness.First(off, typeof(SaveRelayState))).On);
    }

    [TestMethod]
    public void Power_on_state_Off_ignores_a_saved_state_and_writes_no_state_file()
    {
        var h = new AgentHarness(Settings(PowerOnState.Off));
        h.Start(SavedRelayState.On, 0);
        Assert.IsFalse(h.RelayPin);
        h.Send(new ConnectSucceeded());
        h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"delta\":{\"MOTOR\":\"ON\"}},\"version\":3}");
        Assert.IsTrue(h.RelayPin, "the shadow's desired state applies once fetched");
        Assert.AreEqual(0, AgentHarness.Count(h.All, typeof(SaveRelayState)));
    }

    [TestMethod]
    public void Power_on_state_Desired_stays_off_until_the_fetch_and_then_follows_desired()
    {
        var h = new AgentHarness(Settings(PowerOnState.Desired));
        h.Start(SavedRelayState.On, 0);
        Assert.IsFalse(h.RelayPin);
        var connect = h.Send(new ConnectSucceeded());
        Assert.IsNull(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(connect), 0)).Find("MOTOR"), "MOTOR is not claimed before the fetch");

        // reported.MOTOR is ON from before the restart, so there is no delta: Desired reads desired itself.
        var fetched = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"},\"reported\":{\"MOTOR\":\"ON\",\"connected\":true}},\"version\":9}");
        Assert.IsTrue(h.RelayPin);
        Assert.AreEqual("ON", AgentHarness.Text(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(fetched), 0)), "MOTOR"));
    }

    [TestMethod]
    public void Power_on_state_Desired_reports_off_when_nothing_is_desired()
    {
        var h = new AgentHarness(Settings(PowerOnState.Desired));
        h.Start();
        h.Send(new ConnectSucceeded());
        var fetched = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"reported\":{\"connected\":true}},\"version\":2}");
        Assert.IsFalse(h.RelayPin);
        Assert.AreEqual("OFF", AgentHarness.Text(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(fetched), 0)), "MOTOR"));
    }

    [TestMethod]
    public void Offline_fail_safe_switches_off_and_the_reason_is_reported_when_back_online()
    {
        var h = new AgentHarness(Settings(PowerOnState.Off, Minutes(10), TimeSpan.Zero));
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Send(new ConnectionLost("network down"));
        h.Advance(Minutes(9));
        Assert.IsTrue(h.RelayPin, "not before the fail-safe time");
        // Keep the link down: fail every attempt.
        h.Advance(Seconds(1));
        for (var i = 0; i < 120 && h.RelayPin; i++)
        {
            if (h.Agent.State == LinkState.Connecting)
            {
                h.Send(new ConnectFailed("network down"));
            }

            h.Advance(Seconds(1));
        }

        Assert.IsFalse(h.RelayPin, "switched off after 10 minutes offline");
        if (h.Agent.State != LinkState.Connecting)
        {
            h.AdvanceToReconnect();
        }

        var online = h.Send(new ConnectSucceeded());
        var reported = AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(online), 0));
        Assert.AreEqual("OFF", AgentHarness.Text(reported, "MOTOR"));
        Assert.IsTrue(AgentHarness.Contains(AgentHarness.Text(AgentHarness.Member(reported, "lastMotorChange"), "reason"), "offline fail-safe"));
    }

    [TestMethod]
    public void Offline_fail_safe_does_not_fire_if_the_link_came_back()
    {
        var h = new AgentHarness(Settings(PowerOnState.Off, Minutes(10), TimeSpan.Zero));
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Send(new ConnectionLost("blip"));
        h.AdvanceToReconnect();
        h.Send(new ConnectSucceeded());
        h.Advance(Minutes(30));
        Assert.IsTrue(h.RelayPin);
    }

    [TestMethod]
    public void Maximum_on_time_switches_off_and_resets_desired()
    {
        var h = new AgentHarness(Settings(PowerOnState.Off, TimeSpan.Zero, Minutes(15)));
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(h.RelayPin);
        var actions = h.Advance(Minutes(15));
        Assert.IsFalse(h.RelayPin);
        var state = AgentHarness.State(AgentHarness.ReportAt(h.Reports(actions), 0));
        var reported = AgentHarness.Member(state, "reported");
        Assert.AreEqual("OFF", AgentHarness.Text(reported, "MOTOR"));
        Assert.AreEqual("OFF", AgentHarness.Text(AgentHarness.Member(state, "desired"), "MOTOR"), "the stale desired ON must not restart the motor");
        Assert.IsTrue(AgentHarness.Contains(AgentHarness.Text(AgentHarness.Member(reported, "lastMotorChange"), "reason"), "maximum on-time"));
    }

    [TestMethod]
    public void A_relay_fault_is_reported_and_the_state_stays_true_to_the_pin()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.RelayFailure = "GPIO 17 busy";
        var actions = h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsFalse(h.Agent.RelayOn);
        var reported = AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(actions), 0));
        Assert.AreEqual("OFF", AgentHarness.Text(reported, "MOTOR"));
        Assert.IsTrue(AgentHarness.Contains(AgentHarness.Text(AgentHarness.Member(reported, "errors"), "MOTOR"), "GPIO 17 busy"));

        h.RelayFailure = null;
        h.Advance(Seconds(3));
        var retry = h.Delta("{\"MOTOR\":\"ON\"}", 3);
        Assert.IsTrue(h.RelayPin);
        Assert.IsTrue(AgentHarness.ReportedErrorCleared(h.Reports(retry), "MOTOR"), "errors.MOTOR is deleted once the relay moved");
    }

    private static AgentSettings Settings(PowerOnState powerOn) => Settings(powerOn, TimeSpan.Zero, TimeSpan.Zero);

    private static AgentSettings Settings(PowerOnState powerOn, TimeSpan offline, TimeSpan maximumOn) => new AgentSettings("pump-1")
    {
        PowerOnState = powerOn,
        OfflineFailSafe = offline,
        MaximumOnTime = maximumOn,
    };

    private static TimeSpan Milliseconds(int milliseconds) => TimeSpan.FromTicks(milliseconds * TimeSpan.TicksPerMillisecond);

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond);

    private static TimeSpan Minutes(int minutes) => TimeSpan.FromTicks(minutes * TimeSpan.TicksPerMinute);
}

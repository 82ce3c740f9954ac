using System;
using System.Collections;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Link;

namespace DeviceFirmware.Tests.Core.Agent;

[TestClass]
public sealed class AgentShutdownTests
{
    [TestMethod]
    public void Clean_shutdown_reports_false_waits_for_acceptance_then_disconnects()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Send(new ShutdownRequested());
        Assert.AreEqual((int)LinkState.ShuttingDown, (int)h.Agent.State);
        Assert.IsFalse(h.Agent.WantsToRun);
        var report = AgentHarness.ReportAt(h.Reports(actions), 0);
        Assert.AreEqual((int)JsonKind.False, (int)AgentHarness.Member(AgentHarness.Reported(report), "connected").Kind);
        Assert.AreEqual(0, AgentHarness.Count(actions, typeof(Disconnect)), "waits for /update/accepted first");

        // Someone else's accepted update does not end the wait.
        var other = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"reported\":{\"x\":1}},\"clientToken\":\"other\",\"version\":3}");
        Assert.AreEqual(0, AgentHarness.Count(other, typeof(Disconnect)));

        var accepted = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"reported\":{\"connected\":false}},\"clientToken\":\"" + AgentHarness.Token(report) + "\",\"version\":4}");
        Assert.AreEqual(1, AgentHarness.Count(accepted, typeof(Disconnect)));
        Assert.IsTrue(h.Stopped);
        Assert.AreEqual((int)LinkState.Stopped, (int)h.Agent.State);
        Assert.AreEqual(0, h.PendingTimers, "no timer is left running");
    }

    [TestMethod]
    public void Clean_shutdown_disconnects_after_the_timeout_if_no_acceptance_comes()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Send(new ShutdownRequested());
        Assert.AreEqual(0, AgentHarness.Count(h.Advance(TimeSpan.FromTicks(4900 * TimeSpan.TicksPerMillisecond)), typeof(Disconnect)));
        var late = h.Advance(TimeSpan.FromTicks(200 * TimeSpan.TicksPerMillisecond));
        Assert.AreEqual(1, AgentHarness.Count(late, typeof(Disconnect)));
        Assert.IsTrue(h.Stopped);
    }

    [TestMethod]
    public void Shutdown_while_offline_stops_at_once_and_switches_the_relay_off()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        h.Send(new ConnectionLost("gone"));
        var actions = h.Send(new ShutdownRequested());
        Assert.IsTrue(h.Stopped);
        Assert.IsFalse(h.RelayPin, "an unsupervised motor is switched off");
        Assert.AreEqual(0, AgentHarness.Count(h.Advance(TimeSpan.FromTicks(5 * TimeSpan.TicksPerMinute)), typeof(Connect)), "no reconnect after shutdown");
        Assert.AreEqual(0, AgentHarness.Count(actions, typeof(Publish)));
    }

    [TestMethod]
    public void Shutdown_during_a_connect_attempt_finishes_with_its_result()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ShutdownRequested());
        Assert.IsFalse(h.Stopped);
        var actions = h.Send(new ConnectSucceeded());
        Assert.AreEqual(1, AgentHarness.Count(actions, typeof(Disconnect)));
        Assert.AreEqual(0, AgentHarness.Count(actions, typeof(Publish)), "nothing reported: the session never said it was online");
        Assert.IsTrue(h.Stopped);
    }
}

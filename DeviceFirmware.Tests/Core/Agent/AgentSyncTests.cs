using System;
using System.Collections;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;

namespace DeviceFirmware.Tests.Core.Agent;

/// <summary>Version ordering, what /get and /update/accepted may and may not do, and the connected flag's self-heal.</summary>
[TestClass]
public sealed class AgentSyncTests
{
    [TestMethod]
    public void Stale_delta_is_discarded_but_an_equal_version_is_applied()
    {
        var h = new AgentHarness();
        h.StartOnline("{\"state\":{\"reported\":{\"connected\":true}},\"version\":10}");
        var stale = h.Delta("{\"MOTOR\":\"ON\"}", 9);
        Assert.AreEqual(0, AgentHarness.Count(stale, typeof(SetRelay)));
        Assert.IsTrue(AgentHarness.Logged(stale, "stale"));

        // The delta of an update and its /update/accepted carry the same version: not stale.
        var equal = h.Delta("{\"MOTOR\":\"ON\"}", 10);
        Assert.AreEqual(1, AgentHarness.Count(equal, typeof(SetRelay)));
        Assert.IsTrue(h.RelayPin);
    }

    [TestMethod]
    public void Duplicate_delta_is_harmless()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 5);
        h.Advance(TimeSpan.FromTicks(5 * TimeSpan.TicksPerSecond));
        var duplicate = h.Delta("{\"MOTOR\":\"ON\"}", 5);
        Assert.AreEqual(1, h.Actuations);
        Assert.AreEqual(0, AgentHarness.Count(duplicate, typeof(SetRelay)));
        Assert.AreEqual("ON", AgentHarness.Text(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(duplicate), 0)), "MOTOR"), "re-reports the state so a lingering delta clears");
    }

    [TestMethod]
    public void Update_accepted_never_switches_the_relay()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}},\"version\":2}");
        Assert.AreEqual(0, AgentHarness.Count(actions, typeof(SetRelay)));
        Assert.IsFalse(h.RelayPin);
    }

    [TestMethod]
    public void Get_accepted_applies_the_delta()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ConnectSucceeded());
        var actions = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"},\"reported\":{\"MOTOR\":\"OFF\",\"connected\":true},\"delta\":{\"MOTOR\":\"ON\"}},\"version\":7}");
        Assert.IsTrue(h.RelayPin);
        Assert.AreEqual("ON", AgentHarness.Text(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(actions), 0)), "MOTOR"));
    }

    [TestMethod]
    public void Self_heal_reasserts_connected_when_a_late_will_lands_and_is_rate_limited()
    {
        var h = new AgentHarness();
        h.StartOnline();
        const string will = "{\"state\":{\"reported\":{\"connected\":false}},\"metadata\":{},\"version\":5}";
        var first = h.Deliver(h.Topics.UpdateAccepted, will);
        var reports = h.Reports(first);
        Assert.AreEqual(1, reports.Count);
        Assert.AreEqual((int)JsonKind.True, (int)AgentHarness.Member(AgentHarness.Reported(AgentHarness.ReportAt(reports, 0)), "connected").Kind);

        h.Advance(TimeSpan.FromTicks(3 * TimeSpan.TicksPerSecond));
        var second = h.Deliver(h.Topics.UpdateAccepted, will);
        Assert.AreEqual(0, h.Reports(second).Count, "rate-limited");
        var later = h.Advance(TimeSpan.FromTicks(7 * TimeSpan.TicksPerSecond));
        Assert.AreEqual(1, h.Reports(later).Count, "healed once the interval passed");
    }

    [TestMethod]
    public void Self_heal_when_the_fetched_shadow_says_offline()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ConnectSucceeded());
        var actions = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"reported\":{\"connected\":false}},\"version\":4}");
        var reports = h.Reports(actions);
        Assert.AreEqual(1, reports.Count);
        Assert.AreEqual((int)JsonKind.True, (int)AgentHarness.Member(AgentHarness.Reported(AgentHarness.ReportAt(reports, 0)), "connected").Kind);
    }
}

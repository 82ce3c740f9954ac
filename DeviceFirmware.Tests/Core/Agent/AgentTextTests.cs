using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Telemetry;

namespace DeviceFirmware.Tests.Core.Agent;

/// <summary>The invariant formatting the log lines and reports rely on, and the reusable action list.</summary>
[TestClass]
public sealed class AgentTextTests
{
    [TestMethod]
    [DataRow(5000000L, "0.5 s")]
    [DataRow(1200000000L, "120 s")]
    [DataRow(1250000L, "0.125 s")]
    [DataRow(123450000L, "12.345 s")]
    [DataRow(5000L, "0.001 s")]
    [DataRow(4999L, "0 s")]
    [DataRow(0L, "0 s")]
    public void Seconds_have_up_to_three_decimals_without_trailing_zeros(long ticks, string expected)
    {
        Assert.AreEqual(expected, AgentText.Seconds(TimeSpan.FromTicks(ticks)));
    }

    [TestMethod]
    public void Minutes_have_up_to_two_decimals()
    {
        Assert.AreEqual("10 min", AgentText.Minutes(TimeSpan.FromTicks(10 * TimeSpan.TicksPerMinute)));
        Assert.AreEqual("0.5 min", AgentText.Minutes(TimeSpan.FromTicks(30 * TimeSpan.TicksPerSecond)));
        Assert.AreEqual("0.33 min", AgentText.Minutes(TimeSpan.FromTicks(20 * TimeSpan.TicksPerSecond)));
        Assert.AreEqual("1.5 min", AgentText.Minutes(TimeSpan.FromTicks(90 * TimeSpan.TicksPerSecond)));
    }

    [TestMethod]
    public void Log_text_is_bounded_and_has_no_control_characters()
    {
        Assert.AreEqual("a?b", AgentText.Safe("a\nb", 10));
        Assert.AreEqual("abc...", AgentText.Safe("abcdef", 3));
        Assert.AreEqual("fw000042", "fw" + AgentText.ZeroPadded(42, 6));
        Assert.IsTrue(AgentText.StartsWith("fw1-2", "fw1-"));
        Assert.IsFalse(AgentText.StartsWith("fw", "fw1-"));
    }

    [TestMethod]
    [DataRow(21.5, 21.5)]
    [DataRow(45.254, 45.25)]
    [DataRow(45.255, 45.26)]
    [DataRow(-0.125, -0.13)]
    [DataRow(1013.2, 1013.2)]
    [DataRow(1.005, 1.0)]
    public void Telemetry_rounds_to_hundredths_midpoints_away_from_zero(double value, double expected)
    {
        Assert.AreEqual(expected, TelemetryMessage.RoundToHundredths(value));
    }

    [TestMethod]
    public void The_action_list_grows_is_cleared_and_refuses_what_is_not_there()
    {
        var list = new ActionList(1);
        for (var i = 0; i < 40; i++)
        {
            list.Add(new ReadSensor());
        }

        Assert.AreEqual(40, list.Count);
        Assert.IsNotNull(list[39]);
        list.Clear();
        Assert.AreEqual(0, list.Count);
        Expect.Throws(typeof(ArgumentOutOfRangeException), () => { var unused = list[0]; }, "an index past the end");
        Expect.Throws(typeof(ArgumentNullException), () => list.Add(null!), "a null action");
    }

    [TestMethod]
    public void Handle_clears_the_callers_list_and_fills_it_with_this_events_actions()
    {
        var agent = new DeviceAgent(new AgentSettings("pump-1"), AgentHarness.Half);
        var actions = new ActionList();
        actions.Add(new FlushTelemetry());
        agent.Handle(new AgentStarted(SavedRelayState.None, 0, "BME280"), AgentHarness.StartTime, actions);
        Assert.IsTrue(actions.Count > 0);
        Assert.IsTrue(actions[actions.Count - 1] is Connect, "start ends with the first connect attempt");
        for (var i = 0; i < actions.Count; i++)
        {
            Assert.IsFalse(actions[i] is FlushTelemetry, "what the list held before is gone");
        }
    }
}

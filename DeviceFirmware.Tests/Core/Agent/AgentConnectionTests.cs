using System;
using System.Collections;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Link;
using DeviceFirmware.Core.Shadow;

namespace DeviceFirmware.Tests.Core.Agent;

[TestClass]
public sealed class AgentConnectionTests
{
    [TestMethod]
    public void Start_reads_the_sensor_starts_telemetry_and_connects()
    {
        var h = new AgentHarness();
        var actions = h.Start();
        Assert.AreEqual((int)LinkState.Connecting, (int)h.Agent.State);
        Assert.IsTrue(h.Agent.WantsToRun);
        Assert.AreEqual(1, AgentHarness.Count(actions, typeof(Connect)));
        Assert.AreEqual(1, AgentHarness.Count(actions, typeof(ReadSensor)));
        Assert.IsTrue(h.HasTimer(AgentTimer.Telemetry));
        Assert.AreEqual(0, h.Actuations, "power-on state Off leaves the relay off");
    }

    [TestMethod]
    public void Connect_subscribes_then_reports_connected_with_device_info_then_gets()
    {
        var h = new AgentHarness();
        h.Start();
        var actions = h.Send(new ConnectSucceeded());
        Assert.AreEqual((int)LinkState.Connected, (int)h.Agent.State);

        var order = "";
        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i] is Subscribe s)
            {
                order += "subscribe ";
                var expected = new[] { h.Topics.UpdateAccepted, h.Topics.UpdateRejected, h.Topics.UpdateDelta, h.Topics.GetAccepted, h.Topics.GetRejected };
                Assert.AreEqual(expected.Length, s.Topics.Length);
                for (var t = 0; t < expected.Length; t++)
                {
                    Assert.IsTrue(Array.IndexOf(s.Topics, expected[t]) >= 0, "subscribes to " + expected[t]);
                }
            }
            else if (actions[i] is Publish p)
            {
                order += (p.Topic == h.Topics.Update ? "report" : p.Topic == h.Topics.Get ? "get" : p.Topic) + " ";
            }
        }

        Assert.AreEqual("subscribe report get ", order);
        var reported = AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(actions), 0));
        Assert.AreEqual((int)DeviceFirmware.Core.Json.JsonKind.True, (int)AgentHarness.Member(reported, "connected").Kind, "connected is a JSON boolean true");
        Assert.AreEqual("OFF", AgentHarness.Text(reported, "MOTOR"));
        Assert.AreEqual("1.2.3", AgentHarness.Text(reported, "firmwareVersion"));
        Assert.AreEqual("unknown", AgentHarness.Text(reported, "hardware"));
        var sensor = AgentHarness.Member(reported, "sensor");
        Assert.AreEqual("BME280", AgentHarness.Text(sensor, "model"));
        Assert.AreEqual("ok", AgentHarness.Text(sensor, "status"));
        Assert.AreEqual(60L, AgentHarness.Member(reported, "telemetryIntervalSeconds").IntegerValue);
        Assert.AreEqual(1, AgentHarness.Count(actions, typeof(FlushTelemetry)), "the outbox is flushed on connect");
    }

    [TestMethod]
    public void Failed_connects_back_off_with_growing_caps_and_retry()
    {
        var h = new AgentHarness();
        h.Start();
        var expectedMilliseconds = new[] { 500, 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 };
        for (var i = 0; i < expectedMilliseconds.Length; i++)
        {
            var expected = TimeSpan.FromTicks(expectedMilliseconds[i] * TimeSpan.TicksPerMillisecond);
            h.Send(new ConnectFailed("refused"));
            Assert.AreEqual((int)LinkState.WaitingToRetry, (int)h.Agent.State);
            Assert.AreEqual((h.Now + expected).Ticks, h.Due(AgentTimer.Reconnect).Ticks);
            var retry = h.Advance(expected);
            Assert.AreEqual(1, AgentHarness.Count(retry, typeof(Connect)));
            Assert.AreEqual((int)LinkState.Connecting, (int)h.Agent.State);
        }
    }

    [TestMethod]
    public void Backoff_resets_only_after_thirty_seconds_of_stable_connection()
    {
        var h = new AgentHarness();
        h.Start();
        for (var i = 0; i < 4; i++)
        {
            h.Send(new ConnectFailed("refused"));
            h.AdvanceToReconnect();
        }

        Assert.AreEqual(4, h.Agent.ReconnectAttempt);
        h.Send(new ConnectSucceeded());
        h.Advance(Seconds(29));
        h.Send(new ConnectionLost("reset by peer"));
        // 29 s was not stable: the next cap is 16 s (attempt 4), so the jittered delay is 8 s.
        Assert.AreEqual((h.Now + Seconds(8)).Ticks, h.Due(AgentTimer.Reconnect).Ticks);

        h.Advance(Seconds(8));
        h.Send(new ConnectSucceeded());
        h.Advance(Seconds(30));
        Assert.AreEqual(0, h.Agent.ReconnectAttempt);
        h.Send(new ConnectionLost("keep-alive timeout"));
        Assert.AreEqual((h.Now + TimeSpan.FromTicks(500 * TimeSpan.TicksPerMillisecond)).Ticks, h.Due(AgentTimer.Reconnect).Ticks);
    }

    [TestMethod]
    public void Lost_connection_is_retried_and_the_agent_never_gives_up()
    {
        var h = new AgentHarness(new AgentSettings("pump-1") { FirmwareVersion = "1.2.3" }, AlmostOne);
        h.StartOnline();
        h.Send(new ConnectionLost("network unreachable"));
        for (var i = 0; i < 50; i++)
        {
            var step = h.Advance(TimeSpan.FromTicks(3 * TimeSpan.TicksPerMinute));
            Assert.IsTrue(AgentHarness.Count(step, typeof(Connect)) >= 1, "a connect attempt within every backoff maximum");
            Assert.IsFalse(h.Stopped);
            h.Send(new ConnectFailed("network unreachable"));
        }

        Assert.IsTrue(h.Agent.WantsToRun);
    }

    [TestMethod]
    public void Impossible_transitions_fail_loudly()
    {
        var h = new AgentHarness();
        Expect.Throws(typeof(InvalidOperationException), () => h.Send(new ConnectSucceeded()), "events before start");
        h.Start();
        h.Send(new ConnectSucceeded());
        Expect.Throws(typeof(InvalidOperationException), () => h.Send(new ConnectSucceeded()), "connected twice without a connect");
        Expect.Throws(typeof(InvalidOperationException), () => h.Send(new ConnectFailed("x")), "failed without a connect");
        Expect.Throws(typeof(InvalidOperationException), () => h.Start(), "started twice");
    }

    [TestMethod]
    public void A_stray_connection_lost_while_waiting_is_ignored()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ConnectFailed("refused"));
        var due = h.Due(AgentTimer.Reconnect);
        h.Send(new ConnectionLost("late event"));
        Assert.AreEqual((int)LinkState.WaitingToRetry, (int)h.Agent.State);
        Assert.AreEqual(due.Ticks, h.Due(AgentTimer.Reconnect).Ticks, "the pending retry is not rescheduled");
    }

    [TestMethod]
    public void Get_without_an_answer_is_asked_again()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ConnectSucceeded());
        var retry = h.Advance(Seconds(10));
        Assert.AreEqual(1, AgentHarness.Publishes(retry, h.Topics.Get).Count);
        h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"reported\":{\"connected\":true}},\"version\":3}");
        Assert.IsFalse(h.HasTimer(AgentTimer.ShadowGetRetry));
    }

    [TestMethod]
    public void Get_rejected_404_creates_the_shadow_with_a_full_report()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ConnectSucceeded());
        var actions = h.Deliver(h.Topics.GetRejected, "{\"code\":404,\"message\":\"No shadow exists with name: 'pump-1'\"}");
        var reports = h.Reports(actions);
        Assert.AreEqual(1, reports.Count);
        var reported = AgentHarness.Reported(AgentHarness.ReportAt(reports, 0));
        Assert.AreEqual((int)DeviceFirmware.Core.Json.JsonKind.True, (int)AgentHarness.Member(reported, "connected").Kind);
        Assert.AreEqual("OFF", AgentHarness.Text(reported, "MOTOR"));
    }

    [TestMethod]
    public void Update_rejected_409_fetches_again_and_400_is_logged_once_without_a_loop()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var conflict = h.Deliver(h.Topics.UpdateRejected, "{\"code\":409,\"message\":\"Version conflict\"}");
        Assert.AreEqual(1, AgentHarness.Publishes(conflict, h.Topics.Get).Count);

        var first = h.Deliver(h.Topics.UpdateRejected, "{\"code\":400,\"message\":\"Missing required node: state\"}");
        var second = h.Deliver(h.Topics.UpdateRejected, "{\"code\":400,\"message\":\"Missing required node: state\"}");
        Assert.IsTrue(AgentHarness.Logged(first, "Missing required node: state"));
        Assert.IsFalse(AgentHarness.Logged(second, "Missing required node"), "the same 400 is logged once");
        Assert.AreEqual(0, AgentHarness.Count(first, typeof(Publish)) + AgentHarness.Count(second, typeof(Publish)), "a 400 is not retried");
    }

    [TestMethod]
    public void Another_clients_rejected_update_is_not_this_devices_error()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var foreign = h.Deliver(h.Topics.UpdateRejected, "{\"code\":409,\"message\":\"Version conflict\",\"clientToken\":\"dashboard-7\"}");
        Assert.AreEqual(0, AgentHarness.Publishes(foreign, h.Topics.Get).Count, "someone else's conflict is not a reason to fetch again");
        var bad = h.Deliver(h.Topics.UpdateRejected, "{\"code\":400,\"message\":\"JSON contains too many levels of nesting\",\"clientToken\":\"app-1\"}");
        for (var i = 0; i < bad.Count; i++)
        {
            if (bad[i] is Log log)
            {
                Assert.AreEqual((int)AgentLogLevel.Debug, (int)log.Level, "not logged as this device's error: " + log.Message);
            }
        }
    }

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond);

    private static double AlmostOne() => 0.99;
}

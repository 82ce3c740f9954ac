using DeviceFirmware.Core;

namespace DeviceFirmware.Tests.Core;

[TestClass]
public sealed class AgentConnectionTests
{
    [TestMethod]
    public void Start_reads_the_sensor_starts_telemetry_and_connects()
    {
        var h = new AgentHarness();
        var actions = h.Start();
        Assert.AreEqual(LinkState.Connecting, h.Agent.State);
        Assert.IsTrue(h.Agent.WantsToRun);
        Assert.AreEqual(1, AgentHarness.OfType<Connect>(actions).Count);
        Assert.AreEqual(1, AgentHarness.OfType<ReadSensor>(actions).Count);
        Assert.IsTrue(h.Timers.ContainsKey(AgentTimer.Telemetry));
        Assert.AreEqual(0, h.Actuations, "power-on state Off leaves the relay off");
    }

    [TestMethod]
    public void Connect_subscribes_then_reports_connected_with_device_info_then_gets()
    {
        var h = new AgentHarness();
        h.Start();
        var actions = h.Send(new ConnectSucceeded());
        Assert.AreEqual(LinkState.Connected, h.Agent.State);

        var order = new List<string>();
        foreach (var action in actions)
        {
            if (action is Subscribe s)
            {
                order.Add("subscribe");
                CollectionAssert.AreEquivalent(new[] { h.Topics.UpdateAccepted, h.Topics.UpdateRejected, h.Topics.UpdateDelta, h.Topics.GetAccepted, h.Topics.GetRejected }, s.Topics.ToArray());
            }
            else if (action is Publish p)
            {
                order.Add(p.Topic == h.Topics.Update ? "report" : p.Topic == h.Topics.Get ? "get" : p.Topic);
            }
        }

        CollectionAssert.AreEqual(new[] { "subscribe", "report", "get" }, order);
        var reported = AgentHarness.Reported(h.Reports(actions)[0]);
        Assert.IsTrue(reported.GetProperty("connected").GetBoolean(), "connected is a JSON boolean true");
        Assert.AreEqual("OFF", reported.GetProperty("MOTOR").GetString());
        Assert.AreEqual("1.2.3", reported.GetProperty("firmwareVersion").GetString());
        Assert.AreEqual("unknown", reported.GetProperty("hardware").GetString());
        Assert.AreEqual("BME280", reported.GetProperty("sensor").GetProperty("model").GetString());
        Assert.AreEqual("ok", reported.GetProperty("sensor").GetProperty("status").GetString());
        Assert.AreEqual(60, reported.GetProperty("telemetryIntervalSeconds").GetInt32());
        Assert.AreEqual(1, AgentHarness.OfType<FlushTelemetry>(actions).Count, "the outbox is flushed on connect");
    }

    [TestMethod]
    public void Failed_connects_back_off_with_growing_caps_and_retry()
    {
        var h = new AgentHarness(random: () => 0.5);
        h.Start();
        var expectedDelays = new[] { 0.5, 1, 2, 4, 8, 16, 32, 60, 60 };
        foreach (var expected in expectedDelays)
        {
            h.Send(new ConnectFailed("refused"));
            Assert.AreEqual(LinkState.WaitingToRetry, h.Agent.State);
            Assert.AreEqual(h.Time.GetUtcNow() + TimeSpan.FromSeconds(expected), h.Timers[AgentTimer.Reconnect]);
            var retry = h.Advance(TimeSpan.FromSeconds(expected));
            Assert.AreEqual(1, AgentHarness.OfType<Connect>(retry).Count);
            Assert.AreEqual(LinkState.Connecting, h.Agent.State);
        }
    }

    [TestMethod]
    public void Backoff_resets_only_after_thirty_seconds_of_stable_connection()
    {
        var h = new AgentHarness(random: () => 0.5);
        h.Start();
        for (var i = 0; i < 4; i++)
        {
            h.Send(new ConnectFailed("refused"));
            h.Advance(h.Timers[AgentTimer.Reconnect] - h.Time.GetUtcNow());
        }

        Assert.AreEqual(4, h.Agent.ReconnectAttempt);
        h.Send(new ConnectSucceeded());
        h.Advance(TimeSpan.FromSeconds(29));
        h.Send(new ConnectionLost("reset by peer"));
        // 29 s was not stable: the next cap is 16 s (attempt 4), so the jittered delay is 8 s.
        Assert.AreEqual(h.Time.GetUtcNow() + TimeSpan.FromSeconds(8), h.Timers[AgentTimer.Reconnect]);

        h.Advance(TimeSpan.FromSeconds(8));
        h.Send(new ConnectSucceeded());
        h.Advance(TimeSpan.FromSeconds(30));
        Assert.AreEqual(0, h.Agent.ReconnectAttempt);
        h.Send(new ConnectionLost("keep-alive timeout"));
        Assert.AreEqual(h.Time.GetUtcNow() + TimeSpan.FromSeconds(0.5), h.Timers[AgentTimer.Reconnect]);
    }

    [TestMethod]
    public void Lost_connection_is_retried_and_the_agent_never_gives_up()
    {
        var h = new AgentHarness(random: () => 0.99);
        h.StartOnline();
        h.Send(new ConnectionLost("network unreachable"));
        for (var i = 0; i < 50; i++)
        {
            var step = h.Advance(TimeSpan.FromMinutes(3));
            Assert.IsTrue(AgentHarness.OfType<Connect>(step).Count >= 1, "a connect attempt within every backoff maximum");
            Assert.IsFalse(h.Stopped);
            h.Send(new ConnectFailed("network unreachable"));
        }

        Assert.IsTrue(h.Agent.WantsToRun);
    }

    [TestMethod]
    public void Impossible_transitions_fail_loudly()
    {
        var h = new AgentHarness();
        Assert.ThrowsExactly<InvalidOperationException>(() => h.Send(new ConnectSucceeded()), "events before start");
        h.Start();
        h.Send(new ConnectSucceeded());
        Assert.ThrowsExactly<InvalidOperationException>(() => h.Send(new ConnectSucceeded()), "connected twice without a connect");
        Assert.ThrowsExactly<InvalidOperationException>(() => h.Send(new ConnectFailed("x")), "failed without a connect");
        Assert.ThrowsExactly<InvalidOperationException>(() => h.Start(), "started twice");
    }

    [TestMethod]
    public void A_stray_connection_lost_while_waiting_is_ignored()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ConnectFailed("refused"));
        var due = h.Timers[AgentTimer.Reconnect];
        h.Send(new ConnectionLost("late event"));
        Assert.AreEqual(LinkState.WaitingToRetry, h.Agent.State);
        Assert.AreEqual(due, h.Timers[AgentTimer.Reconnect], "the pending retry is not rescheduled");
    }

    [TestMethod]
    public void Get_without_an_answer_is_asked_again()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ConnectSucceeded());
        var retry = h.Advance(TimeSpan.FromSeconds(10));
        Assert.AreEqual(1, AgentHarness.Publishes(retry, h.Topics.Get).Count);
        h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"reported\":{\"connected\":true}},\"version\":3}");
        Assert.IsFalse(h.Timers.ContainsKey(AgentTimer.ShadowGetRetry));
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
        var reported = AgentHarness.Reported(reports[0]);
        Assert.IsTrue(reported.GetProperty("connected").GetBoolean());
        Assert.AreEqual("OFF", reported.GetProperty("MOTOR").GetString());
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
        Assert.AreEqual(0, AgentHarness.OfType<Publish>(first).Count + AgentHarness.OfType<Publish>(second).Count, "a 400 is not retried");
    }

    [TestMethod]
    public void Another_clients_rejected_update_is_not_this_devices_error()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var foreign = h.Deliver(h.Topics.UpdateRejected, "{\"code\":409,\"message\":\"Version conflict\",\"clientToken\":\"dashboard-7\"}");
        Assert.AreEqual(0, AgentHarness.Publishes(foreign, h.Topics.Get).Count, "someone else's conflict is not a reason to fetch again");
        var bad = h.Deliver(h.Topics.UpdateRejected, "{\"code\":400,\"message\":\"JSON contains too many levels of nesting\",\"clientToken\":\"app-1\"}");
        foreach (var log in AgentHarness.OfType<Log>(bad))
        {
            Assert.AreEqual(AgentLogLevel.Debug, log.Level, "not logged as this device's error: " + log.Message);
        }
    }
}

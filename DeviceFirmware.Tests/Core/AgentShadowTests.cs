using System.Text.Json;
using DeviceFirmware.Core;

namespace DeviceFirmware.Tests.Core;

[TestClass]
public sealed class AgentShadowTests
{
    [TestMethod]
    public void Valid_delta_switches_the_relay_and_reports_what_was_applied()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(h.RelayPin);
        var reports = h.Reports(actions);
        Assert.AreEqual(1, reports.Count);
        var reported = AgentHarness.Reported(reports[0]);
        Assert.AreEqual("ON", reported.GetProperty("MOTOR").GetString());
        Assert.AreEqual("shadow desired ON", reported.GetProperty("lastMotorChange").GetProperty("reason").GetString());
    }

    [TestMethod]
    [DataRow("1", "1 (number)")]
    [DataRow("null", "null")]
    [DataRow("\"on\"", "\"on\" (string)")]
    [DataRow("{\"state\":\"ON\"}", "an object")]
    [DataRow("true", "true (boolean)")]
    [DataRow("[\"ON\"]", "an array")]
    public void Invalid_MOTOR_is_not_applied_and_the_reason_is_reported(string value, string described)
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Delta("{\"MOTOR\":" + value + "}", 2);
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(actions).Count, "never actuate on invalid input");
        Assert.IsFalse(h.RelayPin);
        var reported = AgentHarness.Reported(h.Reports(actions)[0]);
        var error = reported.GetProperty("errors").GetProperty("MOTOR").GetString()!;
        StringAssert.Contains(error, described);
        StringAssert.Contains(error, "expected \"ON\" or \"OFF\"");
        Assert.IsTrue(AgentHarness.Logged(actions, "invalid MOTOR value"));
    }

    [TestMethod]
    public void A_valid_MOTOR_clears_the_reported_error()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"on\"}", 2);
        var again = h.Delta("{\"MOTOR\":\"on\"}", 3);
        Assert.AreEqual(0, h.Reports(again).Count, "the same error is not reported twice");

        var actions = h.Delta("{\"MOTOR\":\"ON\"}", 4);
        var reports = h.Reports(actions);
        Assert.IsTrue(h.RelayPin);
        var cleared = false;
        foreach (var report in reports)
        {
            var reported = AgentHarness.Reported(report);
            if (reported.TryGetProperty("errors", out var errors) && errors.GetProperty("MOTOR").ValueKind == JsonValueKind.Null)
            {
                cleared = true;
            }
        }

        Assert.IsTrue(cleared, "errors.MOTOR is set to null (deleted) once a valid value is applied");
    }

    [TestMethod]
    public void Unknown_desired_keys_are_logged_once_and_ignored()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var first = h.Delta("{\"COLOR\":\"red\",\"MOTOR\":\"ON\"}", 2);
        var second = h.Delta("{\"COLOR\":\"blue\"}", 3);
        Assert.IsTrue(AgentHarness.Logged(first, "'COLOR'"));
        Assert.IsFalse(AgentHarness.Logged(second, "'COLOR'"));
        Assert.AreEqual(0, h.Reports(second).Count);
        Assert.IsTrue(h.RelayPin, "known keys next to an unknown one still apply");
    }

    [TestMethod]
    public void Stale_delta_is_discarded_but_an_equal_version_is_applied()
    {
        var h = new AgentHarness();
        h.StartOnline("{\"state\":{\"reported\":{\"connected\":true}},\"version\":10}");
        var stale = h.Delta("{\"MOTOR\":\"ON\"}", 9);
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(stale).Count);
        Assert.IsTrue(AgentHarness.Logged(stale, "stale"));

        // The delta of an update and its /update/accepted carry the same version: not stale.
        var equal = h.Delta("{\"MOTOR\":\"ON\"}", 10);
        Assert.AreEqual(1, AgentHarness.OfType<SetRelay>(equal).Count);
        Assert.IsTrue(h.RelayPin);
    }

    [TestMethod]
    public void Duplicate_delta_is_harmless()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Delta("{\"MOTOR\":\"ON\"}", 5);
        h.Advance(TimeSpan.FromSeconds(5));
        var duplicate = h.Delta("{\"MOTOR\":\"ON\"}", 5);
        Assert.AreEqual(1, h.Actuations);
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(duplicate).Count);
        Assert.AreEqual("ON", AgentHarness.Reported(h.Reports(duplicate)[0]).GetProperty("MOTOR").GetString(), "re-reports the state so a lingering delta clears");
    }

    [TestMethod]
    public void Update_accepted_never_switches_the_relay()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}},\"version\":2}");
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(actions).Count);
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
        Assert.AreEqual("ON", AgentHarness.Reported(h.Reports(actions)[0]).GetProperty("MOTOR").GetString());
    }

    [TestMethod]
    [DataRow("\"x\"")]
    [DataRow("{\"state\":")]
    [DataRow("[1,2]")]
    public void Malformed_messages_are_logged_and_change_nothing(string payload)
    {
        var h = new AgentHarness();
        h.StartOnline();
        foreach (var topic in new[] { h.Topics.UpdateDelta, h.Topics.GetAccepted, h.Topics.UpdateAccepted, h.Topics.UpdateRejected })
        {
            var actions = h.Deliver(topic, payload);
            Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(actions).Count);
            Assert.AreEqual(0, AgentHarness.OfType<Publish>(actions).Count);
            Assert.IsTrue(AgentHarness.Logged(actions, "Ignored"));
        }

        Assert.AreEqual(LinkState.Connected, h.Agent.State);
    }

    [TestMethod]
    public void Non_utf8_and_oversized_messages_are_ignored()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var notUtf8 = h.Send(new MessageReceived(h.Topics.UpdateDelta, new byte[] { 0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D }));
        Assert.IsTrue(AgentHarness.Logged(notUtf8, "malformed"));
        var huge = new byte[DeviceAgent.MaximumShadowMessageBytes + 1];
        var oversized = h.Send(new MessageReceived(h.Topics.UpdateDelta, huge));
        Assert.IsTrue(AgentHarness.Logged(oversized, "larger than"));
        Assert.IsFalse(h.RelayPin);
    }

    [TestMethod]
    public void Deeply_nested_desired_document_is_handled()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var nested = new string('[', 200) + new string(']', 200);
        var actions = h.Delta("{\"MOTOR\":" + nested + "}", 2);
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(actions).Count);
        Assert.IsTrue(AgentHarness.Logged(actions, "Ignored"), "a document deeper than the parser's limit is refused, not a crash");
    }

    [TestMethod]
    public void Telemetry_interval_is_applied_and_reported()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Delta("{\"telemetryIntervalSeconds\":5}", 2);
        Assert.AreEqual(5, AgentHarness.Reported(h.Reports(actions)[0]).GetProperty("telemetryIntervalSeconds").GetInt32());
        Assert.AreEqual(TimeSpan.FromSeconds(5), h.Agent.TelemetryInterval);
        Assert.AreEqual(h.Time.GetUtcNow() + TimeSpan.FromSeconds(5), h.Timers[AgentTimer.Telemetry]);
    }

    [TestMethod]
    [DataRow("0")]
    [DataRow("86401")]
    [DataRow("1.5")]
    [DataRow("\"60\"")]
    [DataRow("null")]
    [DataRow("-3")]
    [DataRow("1e10")]
    public void Invalid_telemetry_interval_is_not_applied_and_reported(string value)
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Delta("{\"telemetryIntervalSeconds\":" + value + "}", 2);
        Assert.AreEqual(TimeSpan.FromSeconds(60), h.Agent.TelemetryInterval);
        var error = AgentHarness.Reported(h.Reports(actions)[0]).GetProperty("errors").GetProperty("telemetryIntervalSeconds").GetString()!;
        StringAssert.Contains(error, "expected an integer from 1 to 86400");
    }

    [TestMethod]
    public void Clean_shutdown_reports_false_waits_for_acceptance_then_disconnects()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Send(new ShutdownRequested());
        Assert.AreEqual(LinkState.ShuttingDown, h.Agent.State);
        Assert.IsFalse(h.Agent.WantsToRun);
        var report = h.Reports(actions)[0];
        Assert.AreEqual(JsonValueKind.False, AgentHarness.Reported(report).GetProperty("connected").ValueKind);
        Assert.AreEqual(0, AgentHarness.OfType<Disconnect>(actions).Count, "waits for /update/accepted first");

        // Someone else's accepted update does not end the wait.
        var other = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"reported\":{\"x\":1}},\"clientToken\":\"other\",\"version\":3}");
        Assert.AreEqual(0, AgentHarness.OfType<Disconnect>(other).Count);

        var accepted = h.Deliver(h.Topics.UpdateAccepted, "{\"state\":{\"reported\":{\"connected\":false}},\"clientToken\":\"" + AgentHarness.Token(report) + "\",\"version\":4}");
        Assert.AreEqual(1, AgentHarness.OfType<Disconnect>(accepted).Count);
        Assert.IsTrue(h.Stopped);
        Assert.AreEqual(LinkState.Stopped, h.Agent.State);
        Assert.AreEqual(0, h.Timers.Count, "no timer is left running");
    }

    [TestMethod]
    public void Clean_shutdown_disconnects_after_the_timeout_if_no_acceptance_comes()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Send(new ShutdownRequested());
        Assert.AreEqual(0, AgentHarness.OfType<Disconnect>(h.Advance(TimeSpan.FromSeconds(4.9))).Count);
        var late = h.Advance(TimeSpan.FromSeconds(0.2));
        Assert.AreEqual(1, AgentHarness.OfType<Disconnect>(late).Count);
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
        Assert.AreEqual(0, AgentHarness.OfType<Connect>(h.Advance(TimeSpan.FromMinutes(5))).Count, "no reconnect after shutdown");
        Assert.AreEqual(0, AgentHarness.OfType<Publish>(actions).Count);
    }

    [TestMethod]
    public void Shutdown_during_a_connect_attempt_finishes_with_its_result()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ShutdownRequested());
        Assert.IsFalse(h.Stopped);
        var actions = h.Send(new ConnectSucceeded());
        Assert.AreEqual(1, AgentHarness.OfType<Disconnect>(actions).Count);
        Assert.AreEqual(0, AgentHarness.OfType<Publish>(actions).Count, "nothing reported: the session never said it was online");
        Assert.IsTrue(h.Stopped);
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
        Assert.IsTrue(AgentHarness.Reported(reports[0]).GetProperty("connected").GetBoolean());

        h.Advance(TimeSpan.FromSeconds(3));
        var second = h.Deliver(h.Topics.UpdateAccepted, will);
        Assert.AreEqual(0, h.Reports(second).Count, "rate-limited");
        var later = h.Advance(TimeSpan.FromSeconds(7));
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
        Assert.IsTrue(AgentHarness.Reported(reports[0]).GetProperty("connected").GetBoolean());
    }

    [TestMethod]
    public void Telemetry_is_enqueued_every_interval_with_contiguous_seq_continuing_after_a_restart()
    {
        var h = new AgentHarness();
        var start = h.Start(lastSequence: 41);
        var first = AgentHarness.OfType<EnqueueTelemetry>(start);
        Assert.AreEqual(1, first.Count);
        Assert.AreEqual(42, first[0].Sequence);

        var later = AgentHarness.OfType<EnqueueTelemetry>(h.Advance(TimeSpan.FromMinutes(3)));
        Assert.AreEqual(3, later.Count);
        Assert.AreEqual(43, later[0].Sequence);
        Assert.AreEqual(45, later[2].Sequence);
        var message = AgentHarness.Parse(later[2].Payload);
        Assert.AreEqual("things/pump-1/telemetry", later[2].Topic);
        Assert.AreEqual(45, message.GetProperty("seq").GetInt64());
        Assert.AreEqual("2026-11-22T12:03:00.000Z", message.GetProperty("ts").GetString());
        Assert.AreEqual(21.5, message.GetProperty("temperatureC").GetDouble());
        Assert.AreEqual(45.25, message.GetProperty("humidityPct").GetDouble());
        Assert.AreEqual(1013.2, message.GetProperty("pressureHpa").GetDouble());
        Assert.AreEqual("OFF", message.GetProperty("motor").GetString());
    }

    [TestMethod]
    public void Missing_readings_are_omitted_and_the_sensor_status_is_reported()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.NextReading = DeviceFirmware.Hardware.SensorReading.Missing("no device at 0x76");
        var actions = h.Advance(TimeSpan.FromSeconds(60));
        var message = AgentHarness.Parse(AgentHarness.OfType<EnqueueTelemetry>(actions)[0].Payload);
        Assert.IsFalse(message.TryGetProperty("temperatureC", out _));
        Assert.IsFalse(message.TryGetProperty("humidityPct", out _));
        Assert.IsFalse(message.TryGetProperty("pressureHpa", out _));
        var sensor = AgentHarness.Reported(h.Reports(actions)[0]).GetProperty("sensor");
        Assert.AreEqual("missing: no device at 0x76", sensor.GetProperty("status").GetString());
    }
}

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
    public void Unknown_desired_keys_are_reported_once_and_ignored()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var first = h.Delta("{\"COLOR\":\"red\",\"MOTOR\":\"ON\"}", 2);
        var second = h.Delta("{\"COLOR\":\"blue\"}", 3);
        Assert.IsTrue(AgentHarness.Logged(first, "'COLOR'"));
        Assert.AreEqual("unknown setting; ignored", ReportedError(h.Reports(first), "COLOR"));
        Assert.IsFalse(AgentHarness.Logged(second, "'COLOR'"));
        Assert.AreEqual(0, h.Reports(second).Count, "already reported");
        Assert.IsTrue(h.RelayPin, "known keys next to an unknown one still apply");
    }

    [TestMethod]
    public void Unknown_keys_are_listed_up_to_a_bound_and_unsafe_names_are_only_counted()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var longName = new string('k', DeviceAgent.MaximumReportedKeyLength + 1);
        var actions = h.Delta("{\"a1\":1,\"a2\":{\"x\":1},\"a3\":[1],\"a4\":null,\"a5\":true,\"a6\":1,\"" + longName + "\":1,\"bad key$\":1,\"message\":1,\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(h.RelayPin);
        var errors = AgentHarness.Reported(h.Reports(actions)[0]).GetProperty("errors");
        var listed = 0;
        foreach (var entry in errors.EnumerateObject())
        {
            if (entry.Value.ValueKind == JsonValueKind.String && entry.Value.GetString() == "unknown setting; ignored")
            {
                listed++;
                StringAssert.StartsWith(entry.Name, "a");
            }
        }

        Assert.AreEqual(DeviceAgent.MaximumReportedUnknownKeys, listed);
        Assert.IsFalse(errors.TryGetProperty(longName, out _));
        Assert.IsFalse(errors.TryGetProperty("bad key$", out _));
        var summary = errors.GetProperty("message").GetString()!;
        StringAssert.StartsWith(summary, "ignored 4 unknown setting(s) whose names cannot be listed");
        StringAssert.EndsWith(summary, " on update/delta");
        Assert.IsTrue(summary.Length <= DeviceAgent.MaximumMessageErrorLength);

        // The same keys again: the summary stands, nothing is cleared and re-reported.
        var again = h.Delta("{\"bad key$\":2,\"message\":2,\"" + longName + "\":2,\"z9\":1}", 3);
        Assert.AreEqual(0, h.Reports(again).Count + h.Reports(h.Advance(TimeSpan.FromSeconds(10))).Count);
    }

    [TestMethod]
    public void A_fetch_without_the_unknown_key_clears_its_error_and_stale_ones_from_an_earlier_run()
    {
        var h = new AgentHarness();
        h.StartOnline("{\"state\":{\"reported\":{\"connected\":true,\"errors\":{\"OLD\":\"unknown setting; ignored\"}},\"delta\":{\"COLOR\":\"red\"}},\"version\":1}");
        Assert.AreEqual("unknown setting; ignored", ReportedError(h.Reports(h.All), "COLOR"));
        Assert.AreEqual(JsonValueKind.Null, ReportedErrorKind(h.Reports(h.All), "OLD"), "an entry this run does not stand behind is deleted");

        h.Send(new ConnectionLost("gone"));
        h.Advance(TimeSpan.FromSeconds(2));
        h.Send(new ConnectSucceeded());
        var fetched = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"reported\":{\"connected\":true}},\"version\":3}");
        Assert.AreEqual(JsonValueKind.Null, ReportedErrorKind(h.Reports(fetched), "COLOR"), "desired.COLOR was removed");
    }

    [TestMethod]
    [DataRow("not UTF-8", "message is not valid UTF-8 on update/delta")]
    [DataRow("malformed", "message is not valid JSON (line 1, byte 11) on update/delta")]
    [DataRow("array", "message is an array, not a JSON object on update/delta")]
    [DataRow("string", "message is a string, not a JSON object on update/delta")]
    [DataRow("oversized", "message of 65537 bytes is larger than the 65536-byte limit on update/delta")]
    [DataRow("no state", "delta has no state object on update/delta")]
    [DataRow("deep", "desired state is nested deeper than 6 levels on update/delta")]
    [DataRow("very deep", "message is not valid JSON (line 1, byte 81) on update/delta")]
    public void A_delta_refused_whole_moves_nothing_and_says_why_in_the_shadow(string kind, string expected)
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Send(new MessageReceived(h.Topics.UpdateDelta, BadDelta(kind)));
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(actions).Count, "never actuate on invalid input");
        Assert.IsFalse(h.RelayPin);
        Assert.AreEqual(expected, ReportedError(h.Reports(actions), "message"));
        Assert.IsTrue(AgentHarness.Logged(actions, "Ignored"));
        Assert.AreEqual(LinkState.Connected, h.Agent.State);
    }

    [TestMethod]
    public void A_refused_get_accepted_is_reported_with_its_topic()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ConnectSucceeded());
        var actions = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"delta\":{\"MOTOR\":\"ON\"");
        Assert.IsFalse(h.RelayPin);
        StringAssert.EndsWith(ReportedError(h.Reports(actions), "message"), " on get/accepted");
    }

    [TestMethod]
    public void Seven_levels_of_desired_state_are_refused_even_beside_a_valid_MOTOR_and_six_are_not()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var refused = h.Delta("{\"MOTOR\":\"ON\",\"x\":" + Nested(6) + "}", 2);
        Assert.IsFalse(h.RelayPin, "a message the shadow service could not have sent moves nothing");
        Assert.AreEqual("desired state is nested deeper than 6 levels on update/delta", ReportedError(h.Reports(refused), "message"));

        h.Delta("{\"MOTOR\":\"ON\",\"x\":" + Nested(5) + "}", 3);
        Assert.IsTrue(h.RelayPin, "six levels is AWS's maximum, not beyond it");
    }

    [TestMethod]
    public void A_refused_delta_does_not_advance_the_version()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Deliver(h.Topics.UpdateDelta, "{\"state\":[1],\"version\":999}");
        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(h.RelayPin, "the next real delta is not mistaken for a stale one");
    }

    [TestMethod]
    public void A_flood_of_bad_messages_is_reported_at_most_once_per_interval_and_the_latest_reason_wins()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var reports = 0;
        for (var i = 0; i < 1000; i++)
        {
            var payload = i == 999 ? "[\"last\"]" : "{\"state\":" + i;
            reports += h.Reports(h.Deliver(h.Topics.UpdateDelta, payload)).Count;
            reports += h.Reports(h.Advance(TimeSpan.FromMilliseconds(10))).Count;
        }

        // 10 s of flood at 100 messages/s; one report at once, then at most one per 5 s.
        Assert.IsTrue(reports <= 3, "reports: " + reports);
        var tail = h.Advance(TimeSpan.FromSeconds(5));
        var all = h.Reports(h.All);
        Assert.AreEqual("message is an array, not a JSON object on update/delta", ReportedError(all, "message"), "the latest reason is what the shadow shows");
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(h.All).Count);
        Assert.IsTrue(h.Reports(tail).Count <= 1);
    }

    [TestMethod]
    public void A_valid_delta_after_a_refused_one_clears_errors_message_and_actuates()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Deliver(h.Topics.UpdateDelta, "{\"state\":");
        h.Deliver(h.Topics.UpdateDelta, "[1]"); // Coalesced: waits for the interval.
        Assert.IsTrue(h.Timers.ContainsKey(AgentTimer.MessageErrorReport));

        var valid = h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(h.RelayPin);
        Assert.AreEqual(JsonValueKind.Null, ReportedErrorKind(h.Reports(valid), "message"), "errors.message is deleted");
        Assert.IsFalse(h.Timers.ContainsKey(AgentTimer.MessageErrorReport), "the coalesced report is dropped: nothing is wrong now");
        Assert.AreEqual(0, h.Reports(h.Advance(TimeSpan.FromSeconds(10))).Count);
    }

    [TestMethod]
    public void A_refusal_while_offline_waits_for_the_connect_report()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Send(new ConnectionLost("gone"));
        // A message still queued from the old connection is handled after the loss.
        h.Send(new MessageReceived(h.Topics.UpdateDelta, new byte[] { 0xFF }));
        h.Advance(TimeSpan.FromSeconds(2));
        var connect = h.Send(new ConnectSucceeded());
        Assert.AreEqual("message is not valid UTF-8 on update/delta", ReportedError(h.Reports(connect), "message"));
    }

    [TestMethod]
    public void The_largest_error_report_stays_far_below_the_8_KB_shadow_limit()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var keys = new System.Text.StringBuilder("{\"MOTOR\":1,\"telemetryIntervalSeconds\":\"" + new string('x', 5000) + "\"");
        for (var i = 0; i < 50; i++)
        {
            keys.Append(",\"").Append(i).Append(new string('k', DeviceAgent.MaximumReportedKeyLength - 2)).Append("\":1");
        }

        h.Delta(keys.Append('}').ToString(), 2);
        h.Deliver(h.Topics.UpdateDelta, "[" + new string('1', 1000) + "]");
        h.Send(new ConnectionLost("gone"));
        h.Advance(TimeSpan.FromSeconds(2));
        var full = h.Reports(h.Send(new ConnectSucceeded()))[0];
        Assert.IsTrue(full.Payload.Length < 2048, "full report with every error: " + full.Payload.Length + " bytes");
    }

    private static byte[] BadDelta(string kind) => kind switch
    {
        "not UTF-8" => [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D],
        "malformed" => System.Text.Encoding.UTF8.GetBytes("{\"state\":{"),
        "array" => "[\"MOTOR\",\"ON\"]"u8.ToArray(),
        "string" => "\"ON\""u8.ToArray(),
        "oversized" => Oversized(),
        "no state" => "{\"version\":5,\"MOTOR\":\"ON\"}"u8.ToArray(),
        "deep" => System.Text.Encoding.UTF8.GetBytes("{\"state\":{\"MOTOR\":\"ON\",\"a\":" + Nested(6) + "},\"version\":2}"),
        // Deeper than the parser's own limit (64): refused as not JSON, never a crash.
        _ => System.Text.Encoding.UTF8.GetBytes("{\"state\":{\"MOTOR\":" + new string('[', 200) + new string(']', 200) + "},\"version\":2}"),
    };

    private static byte[] Oversized()
    {
        var payload = new byte[DeviceAgent.MaximumShadowMessageBytes + 1];
        payload.AsSpan().Fill((byte)' ');
        "{\"state\":{\"MOTOR\":\"ON\"}}"u8.CopyTo(payload);
        return payload;
    }

    /// <summary>An object <paramref name="levels"/> deep: inside a desired section it makes levels + 1.</summary>
    private static string Nested(int levels)
    {
        var text = "1";
        for (var i = 0; i < levels; i++)
        {
            text = "{\"n\":" + text + "}";
        }

        return text;
    }

    /// <summary>The last value reported for reported.errors.&lt;key&gt; among these reports, or null.</summary>
    private static string? ReportedError(List<Publish> reports, string key)
    {
        var entry = LastErrorEntry(reports, key);
        return entry.ValueKind == JsonValueKind.String ? entry.GetString() : null;
    }

    private static JsonValueKind ReportedErrorKind(List<Publish> reports, string key) => LastErrorEntry(reports, key).ValueKind;

    private static JsonElement LastErrorEntry(List<Publish> reports, string key)
    {
        JsonElement last = default;
        foreach (var report in reports)
        {
            if (AgentHarness.Reported(report).TryGetProperty("errors", out var errors) && errors.TryGetProperty(key, out var entry))
            {
                last = entry;
            }
        }

        return last;
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
    public void Malformed_answers_to_the_devices_own_requests_are_only_logged(string payload)
    {
        var h = new AgentHarness();
        h.StartOnline();
        foreach (var topic in new[] { h.Topics.UpdateAccepted, h.Topics.UpdateRejected, h.Topics.GetRejected })
        {
            var actions = h.Deliver(topic, payload);
            Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(actions).Count);
            Assert.AreEqual(0, AgentHarness.OfType<Publish>(actions).Count);
            Assert.IsTrue(AgentHarness.Logged(actions, "Ignored"));
        }

        Assert.AreEqual(LinkState.Connected, h.Agent.State);
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
        h.NextReading = DeviceFirmware.Core.Sensors.SensorReading.Missing("no device at 0x76");
        var actions = h.Advance(TimeSpan.FromSeconds(60));
        var message = AgentHarness.Parse(AgentHarness.OfType<EnqueueTelemetry>(actions)[0].Payload);
        Assert.IsFalse(message.TryGetProperty("temperatureC", out _));
        Assert.IsFalse(message.TryGetProperty("humidityPct", out _));
        Assert.IsFalse(message.TryGetProperty("pressureHpa", out _));
        var sensor = AgentHarness.Reported(h.Reports(actions)[0]).GetProperty("sensor");
        Assert.AreEqual("missing: no device at 0x76", sensor.GetProperty("status").GetString());
    }
}

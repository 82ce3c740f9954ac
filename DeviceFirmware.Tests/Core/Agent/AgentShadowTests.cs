using System;
using System.Collections;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Desired;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Link;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Tests.Core.Json;

namespace DeviceFirmware.Tests.Core.Agent;

/// <summary>Desired values, their reported errors, and messages refused whole.</summary>
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
        var reported = AgentHarness.Reported(AgentHarness.ReportAt(reports, 0));
        Assert.AreEqual("ON", AgentHarness.Text(reported, "MOTOR"));
        Assert.AreEqual("shadow desired ON", AgentHarness.Text(AgentHarness.Member(reported, "lastMotorChange"), "reason"));
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
        Assert.AreEqual(0, AgentHarness.Count(actions, typeof(SetRelay)), "never actuate on invalid input");
        Assert.IsFalse(h.RelayPin);
        var error = AgentHarness.Text(AgentHarness.Member(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(actions), 0)), "errors"), "MOTOR");
        Assert.IsTrue(AgentHarness.Contains(error, described), error);
        Assert.IsTrue(AgentHarness.Contains(error, "expected \"ON\" or \"OFF\""), error);
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
        Assert.IsTrue(h.RelayPin);
        Assert.IsTrue(AgentHarness.ReportedErrorCleared(h.Reports(actions), "MOTOR"), "errors.MOTOR is set to null (deleted) once a valid value is applied");
    }

    [TestMethod]
    public void Unknown_desired_keys_are_reported_once_and_ignored()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var first = h.Delta("{\"COLOR\":\"red\",\"MOTOR\":\"ON\"}", 2);
        var second = h.Delta("{\"COLOR\":\"blue\"}", 3);
        Assert.IsTrue(AgentHarness.Logged(first, "'COLOR'"));
        Assert.AreEqual("unknown setting; ignored", AgentHarness.ReportedError(h.Reports(first), "COLOR"));
        Assert.IsFalse(AgentHarness.Logged(second, "'COLOR'"));
        Assert.AreEqual(0, h.Reports(second).Count, "already reported");
        Assert.IsTrue(h.RelayPin, "known keys next to an unknown one still apply");
    }

    [TestMethod]
    public void Unknown_keys_are_listed_up_to_a_bound_and_unsafe_names_are_only_counted()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var longName = new string('k', DesiredSettings.MaximumReportedKeyLength + 1);
        var actions = h.Delta("{\"a1\":1,\"a2\":{\"x\":1},\"a3\":[1],\"a4\":null,\"a5\":true,\"a6\":1,\"" + longName + "\":1,\"bad key$\":1,\"message\":1,\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(h.RelayPin);
        var errors = AgentHarness.Member(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(actions), 0)), "errors");
        var listed = 0;
        for (var i = 0; i < errors.Count; i++)
        {
            var entry = errors.ValueAt(i);
            if (entry.Kind == JsonKind.String && entry.StringValue == "unknown setting; ignored")
            {
                listed++;
                Assert.IsTrue(errors.NameAt(i).StartsWith("a"), errors.NameAt(i));
            }
        }

        Assert.AreEqual(DesiredSettings.MaximumReportedUnknownKeys, listed);
        Assert.IsNull(errors.Find(longName));
        Assert.IsNull(errors.Find("bad key$"));
        var summary = AgentHarness.Text(errors, "message");
        Assert.IsTrue(summary.StartsWith("ignored 4 unknown setting(s) whose names cannot be listed"), summary);
        Assert.IsTrue(summary.EndsWith(" on update/delta"), summary);
        Assert.IsTrue(summary.Length <= MessageErrorReport.MaximumMessageErrorLength);

        // The same keys again: the summary stands, nothing is cleared and re-reported.
        var again = h.Delta("{\"bad key$\":2,\"message\":2,\"" + longName + "\":2,\"z9\":1}", 3);
        Assert.AreEqual(0, h.Reports(again).Count + h.Reports(h.Advance(Seconds(10))).Count);
    }

    [TestMethod]
    public void A_fetch_without_the_unknown_key_clears_its_error_and_stale_ones_from_an_earlier_run()
    {
        var h = new AgentHarness();
        h.StartOnline("{\"state\":{\"reported\":{\"connected\":true,\"errors\":{\"OLD\":\"unknown setting; ignored\"}},\"delta\":{\"COLOR\":\"red\"}},\"version\":1}");
        Assert.AreEqual("unknown setting; ignored", AgentHarness.ReportedError(h.Reports(h.All), "COLOR"));
        Assert.IsTrue(AgentHarness.ReportedErrorCleared(h.Reports(h.All), "OLD"), "an entry this run does not stand behind is deleted");

        h.Send(new ConnectionLost("gone"));
        h.Advance(Seconds(2));
        h.Send(new ConnectSucceeded());
        var fetched = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"reported\":{\"connected\":true}},\"version\":3}");
        Assert.IsTrue(AgentHarness.ReportedErrorCleared(h.Reports(fetched), "COLOR"), "desired.COLOR was removed");
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
        Assert.AreEqual(0, AgentHarness.Count(actions, typeof(SetRelay)), "never actuate on invalid input");
        Assert.IsFalse(h.RelayPin);
        Assert.AreEqual(expected, AgentHarness.ReportedError(h.Reports(actions), "message"));
        Assert.IsTrue(AgentHarness.Logged(actions, "Ignored"));
        Assert.AreEqual((int)LinkState.Connected, (int)h.Agent.State);
    }

    [TestMethod]
    public void A_refused_get_accepted_is_reported_with_its_topic()
    {
        var h = new AgentHarness();
        h.Start();
        h.Send(new ConnectSucceeded());
        var actions = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"delta\":{\"MOTOR\":\"ON\"");
        Assert.IsFalse(h.RelayPin);
        var message = AgentHarness.ReportedError(h.Reports(actions), "message");
        Assert.IsTrue(message != null && message.EndsWith(" on get/accepted"), message);
    }

    [TestMethod]
    public void Seven_levels_of_desired_state_are_refused_even_beside_a_valid_MOTOR_and_six_are_not()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var refused = h.Delta("{\"MOTOR\":\"ON\",\"x\":" + Nested(6) + "}", 2);
        Assert.IsFalse(h.RelayPin, "a message the shadow service could not have sent moves nothing");
        Assert.AreEqual("desired state is nested deeper than 6 levels on update/delta", AgentHarness.ReportedError(h.Reports(refused), "message"));

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
            reports += h.Reports(h.Advance(Milliseconds(10))).Count;
        }

        // 10 s of flood at 100 messages/s; one report at once, then at most one per 5 s.
        Assert.IsTrue(reports <= 3, "reports: " + reports);
        var tail = h.Advance(Seconds(5));
        Assert.AreEqual("message is an array, not a JSON object on update/delta", AgentHarness.ReportedError(h.Reports(h.All), "message"), "the latest reason is what the shadow shows");
        Assert.AreEqual(0, AgentHarness.Count(h.All, typeof(SetRelay)));
        Assert.IsTrue(h.Reports(tail).Count <= 1);
    }

    [TestMethod]
    public void A_valid_delta_after_a_refused_one_clears_errors_message_and_actuates()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Deliver(h.Topics.UpdateDelta, "{\"state\":");
        h.Deliver(h.Topics.UpdateDelta, "[1]"); // Coalesced: waits for the interval.
        Assert.IsTrue(h.HasTimer(AgentTimer.MessageErrorReport));

        var valid = h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(h.RelayPin);
        Assert.IsTrue(AgentHarness.ReportedErrorCleared(h.Reports(valid), "message"), "errors.message is deleted");
        Assert.IsFalse(h.HasTimer(AgentTimer.MessageErrorReport), "the coalesced report is dropped: nothing is wrong now");
        Assert.AreEqual(0, h.Reports(h.Advance(Seconds(10))).Count);
    }

    [TestMethod]
    public void A_refusal_while_offline_waits_for_the_connect_report()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.Send(new ConnectionLost("gone"));
        // A message still queued from the old connection is handled after the loss.
        h.Send(new MessageReceived(h.Topics.UpdateDelta, new byte[] { 0xFF }));
        h.Advance(Seconds(2));
        var connect = h.Send(new ConnectSucceeded());
        Assert.AreEqual("message is not valid UTF-8 on update/delta", AgentHarness.ReportedError(h.Reports(connect), "message"));
    }

    [TestMethod]
    public void The_largest_error_report_stays_far_below_the_8_KB_shadow_limit()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var keys = "{\"MOTOR\":1,\"telemetryIntervalSeconds\":\"" + new string('x', 5000) + "\"";
        for (var i = 0; i < 50; i++)
        {
            keys += ",\"" + i + new string('k', DesiredSettings.MaximumReportedKeyLength - 2) + "\":1";
        }

        h.Delta(keys + "}", 2);
        h.Deliver(h.Topics.UpdateDelta, "[" + new string('1', 1000) + "]");
        h.Send(new ConnectionLost("gone"));
        h.Advance(Seconds(2));
        var full = AgentHarness.ReportAt(h.Reports(h.Send(new ConnectSucceeded())), 0);
        Assert.IsTrue(full.Payload.Length < 2048, "full report with every error: " + full.Payload.Length + " bytes");
    }

    [TestMethod]
    [DataRow("\"x\"")]
    [DataRow("{\"state\":")]
    [DataRow("[1,2]")]
    public void Malformed_answers_to_the_devices_own_requests_are_only_logged(string payload)
    {
        var h = new AgentHarness();
        h.StartOnline();
        var topics = new[] { h.Topics.UpdateAccepted, h.Topics.UpdateRejected, h.Topics.GetRejected };
        for (var i = 0; i < topics.Length; i++)
        {
            var actions = h.Deliver(topics[i], payload);
            Assert.AreEqual(0, AgentHarness.Count(actions, typeof(SetRelay)));
            Assert.AreEqual(0, AgentHarness.Count(actions, typeof(Publish)));
            Assert.IsTrue(AgentHarness.Logged(actions, "Ignored"));
        }

        Assert.AreEqual((int)LinkState.Connected, (int)h.Agent.State);
    }

    [TestMethod]
    public void Telemetry_interval_is_applied_and_reported()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Delta("{\"telemetryIntervalSeconds\":5}", 2);
        Assert.AreEqual(5L, AgentHarness.Member(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(actions), 0)), "telemetryIntervalSeconds").IntegerValue);
        Assert.AreEqual(Seconds(5).Ticks, h.Agent.TelemetryInterval.Ticks);
        Assert.AreEqual((h.Now + Seconds(5)).Ticks, h.Due(AgentTimer.Telemetry).Ticks);
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
        Assert.AreEqual(Seconds(60).Ticks, h.Agent.TelemetryInterval.Ticks);
        var error = AgentHarness.Text(AgentHarness.Member(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(actions), 0)), "errors"), "telemetryIntervalSeconds");
        Assert.IsTrue(AgentHarness.Contains(error, "expected an integer from 1 to 86400"), error);
    }

    private static byte[] BadDelta(string kind)
    {
        switch (kind)
        {
            case "not UTF-8":
                return new byte[] { 0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D };
            case "malformed":
                return JsonTestText.Ascii("{\"state\":{");
            case "array":
                return JsonTestText.Ascii("[\"MOTOR\",\"ON\"]");
            case "string":
                return JsonTestText.Ascii("\"ON\"");
            case "oversized":
                return Oversized();
            case "no state":
                return JsonTestText.Ascii("{\"version\":5,\"MOTOR\":\"ON\"}");
            case "deep":
                return JsonTestText.Ascii("{\"state\":{\"MOTOR\":\"ON\",\"a\":" + Nested(6) + "},\"version\":2}");
            default:
                // Deeper than the parser's own limit (64): refused as not JSON, never a crash.
                return JsonTestText.Ascii("{\"state\":{\"MOTOR\":" + new string('[', 200) + new string(']', 200) + "},\"version\":2}");
        }
    }

    private static byte[] Oversized()
    {
        var payload = new byte[ShadowMessageDecoder.MaximumShadowMessageBytes + 1];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)' ';
        }

        var json = JsonTestText.Ascii("{\"state\":{\"MOTOR\":\"ON\"}}");
        Array.Copy(json, payload, json.Length);
        return payload;
    }

    /// <summary>An object <paramref name="levels"/> deep: inside a desired section it makes levels + 1.</summary>
    internal static string Nested(int levels)
    {
        var text = "1";
        for (var i = 0; i < levels; i++)
        {
            text = "{\"n\":" + text + "}";
        }

        return text;
    }

    private static TimeSpan Milliseconds(int milliseconds) => TimeSpan.FromTicks(milliseconds * TimeSpan.TicksPerMillisecond);

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond);
}

using System;
using System.Collections;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Sensors;

namespace DeviceFirmware.Tests.Core.Agent;

[TestClass]
public sealed class AgentTelemetryTests
{
    [TestMethod]
    public void Telemetry_is_enqueued_every_interval_with_contiguous_seq_continuing_after_a_restart()
    {
        var h = new AgentHarness();
        var start = h.Start(SavedRelayState.None, 41);
        Assert.AreEqual(1, AgentHarness.Count(start, typeof(EnqueueTelemetry)));
        Assert.AreEqual(42L, ((EnqueueTelemetry)AgentHarness.First(start, typeof(EnqueueTelemetry))).Sequence);

        var later = Telemetry(h.Advance(TimeSpan.FromTicks(3 * TimeSpan.TicksPerMinute)));
        Assert.AreEqual(3, later.Count);
        Assert.AreEqual(43L, ((EnqueueTelemetry)later[0]!).Sequence);
        var last = (EnqueueTelemetry)later[2]!;
        Assert.AreEqual(45L, last.Sequence);
        var message = AgentHarness.Parse(last.Payload);
        Assert.AreEqual("things/pump-1/telemetry", last.Topic);
        Assert.AreEqual(45L, AgentHarness.Member(message, "seq").IntegerValue);
        Assert.AreEqual("2026-11-22T12:03:00.000Z", AgentHarness.Text(message, "ts"));
        Assert.AreEqual(21.5, AgentHarness.Member(message, "temperatureC").NumberValue);
        Assert.AreEqual(45.25, AgentHarness.Member(message, "humidityPct").NumberValue);
        Assert.AreEqual(1013.2, AgentHarness.Member(message, "pressureHpa").NumberValue);
        Assert.AreEqual("OFF", AgentHarness.Text(message, "motor"));
    }

    [TestMethod]
    public void Missing_readings_are_omitted_and_the_sensor_status_is_reported()
    {
        var h = new AgentHarness();
        h.StartOnline();
        h.NextReading = SensorReading.Missing("no device at 0x76");
        var actions = h.Advance(TimeSpan.FromTicks(60 * TimeSpan.TicksPerSecond));
        var message = AgentHarness.Parse(((EnqueueTelemetry)AgentHarness.First(actions, typeof(EnqueueTelemetry))).Payload);
        Assert.IsNull(message.Find("temperatureC"));
        Assert.IsNull(message.Find("humidityPct"));
        Assert.IsNull(message.Find("pressureHpa"));
        var sensor = AgentHarness.Member(AgentHarness.Reported(AgentHarness.ReportAt(h.Reports(actions), 0)), "sensor");
        Assert.AreEqual("missing: no device at 0x76", AgentHarness.Text(sensor, "status"));
    }

    private static ArrayList Telemetry(ArrayList actions)
    {
        var list = new ArrayList();
        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i] is EnqueueTelemetry telemetry)
            {
                list.Add(telemetry);
            }
        }

        return list;
    }
}

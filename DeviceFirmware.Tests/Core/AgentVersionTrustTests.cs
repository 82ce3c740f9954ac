using DeviceFirmware.Core;

namespace DeviceFirmware.Tests.Core;

/// <summary>
/// A delta's version decides what is stale, so a message that no shadow service sent (a forged delta on
/// a broker that lets any client publish there) must not be able to pin it: versions that are not
/// positive 64-bit integers are refused, and one far ahead of what the shadow service confirmed makes
/// the device ask the shadow instead of trusting it.
/// </summary>
[TestClass]
public sealed class AgentVersionTrustTests
{
    [TestMethod]
    [DataRow("9223372036854775808", "is not a positive 64-bit integer")]
    [DataRow("-1", "is not a positive 64-bit integer")]
    [DataRow("0", "is not a positive 64-bit integer")]
    [DataRow("1.5", "is not a positive 64-bit integer")]
    [DataRow("1e3", "is not a positive 64-bit integer")]
    [DataRow("\"12\"", "is a string, not a positive integer")]
    [DataRow("null", "is null, not a positive integer")]
    public void A_delta_version_that_is_not_a_positive_64_bit_integer_is_refused_and_reported(string version, string reason)
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Deliver(h.Topics.UpdateDelta, "{\"state\":{\"MOTOR\":\"ON\"},\"version\":" + version + "}");
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(actions).Count, "never actuate on a delta that cannot be ordered");
        Assert.IsFalse(h.RelayPin);
        var message = AgentHarness.Reported(h.Reports(actions)[0]).GetProperty("errors").GetProperty("message").GetString()!;
        StringAssert.Contains(message, reason);
        StringAssert.EndsWith(message, " on update/delta");

        // Nothing was taken from it: the next real delta applies.
        var real = h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.AreEqual(1, AgentHarness.OfType<SetRelay>(real).Count);
        Assert.IsTrue(h.RelayPin);
    }

    [TestMethod]
    public void A_delta_without_a_version_is_refused_and_reported()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Deliver(h.Topics.UpdateDelta, "{\"state\":{\"MOTOR\":\"ON\"}}");
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(actions).Count);
        var message = AgentHarness.Reported(h.Reports(actions)[0]).GetProperty("errors").GetProperty("message").GetString()!;
        Assert.AreEqual("delta has no version on update/delta", message);
    }

    [TestMethod]
    public void A_forged_maximum_version_is_not_applied_and_the_next_real_command_is_obeyed()
    {
        var h = new AgentHarness();
        h.StartOnline("{\"state\":{\"reported\":{\"connected\":true}},\"version\":1418}");
        var forged = h.Delta("{\"MOTOR\":\"ON\"}", long.MaxValue);
        Assert.AreEqual(0, AgentHarness.OfType<SetRelay>(forged).Count, "a version far ahead of the shadow's is not trusted");
        Assert.IsFalse(h.RelayPin);
        Assert.IsTrue(AgentHarness.Logged(forged, "ahead of the last version the shadow service confirmed (1418)"));
        Assert.AreEqual(1, AgentHarness.Publishes(forged, h.Topics.Get).Count, "it asks the shadow service instead");

        // The real next command (version 1419) is obeyed at once, before the /get is even answered.
        var real = h.Delta("{\"MOTOR\":\"ON\"}", 1419);
        Assert.AreEqual(1, AgentHarness.OfType<SetRelay>(real).Count);
        Assert.IsTrue(h.RelayPin);
        Assert.IsFalse(AgentHarness.Logged(h.All, "Discarded a stale shadow delta (version 1419"));
    }

    [TestMethod]
    public void A_fetch_answer_rebases_the_version_floor_even_below_a_delta_seen_before()
    {
        var h = new AgentHarness();
        h.StartOnline("{\"state\":{\"reported\":{\"connected\":true}},\"version\":40}");
        // Within the trusted lead, so applied; then the shadow answers a /get with a lower version.
        h.Delta("{\"MOTOR\":\"ON\"}", 40 + DeviceAgent.MaximumTrustedVersionLead);
        Assert.IsTrue(h.RelayPin);
        h.Advance(TimeSpan.FromSeconds(5));
        h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"},\"reported\":{\"connected\":true,\"MOTOR\":\"ON\"}},\"version\":41}");
        var real = h.Delta("{\"MOTOR\":\"OFF\"}", 42);
        Assert.AreEqual(1, AgentHarness.OfType<SetRelay>(real).Count, "the shadow service's own answer is the truth");
        Assert.IsFalse(h.RelayPin);
    }

    [TestMethod]
    public void A_thousand_forged_deltas_never_switch_the_relay_and_real_commands_are_obeyed_after()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var gets = 0;
        for (var i = 0; i < 1000; i++)
        {
            var forged = h.Delta(i % 2 == 0 ? "{\"MOTOR\":\"ON\"}" : "{\"MOTOR\":\"OFF\"}", 100_000 + i);
            gets += AgentHarness.Publishes(forged, h.Topics.Get).Count;
            gets += AgentHarness.Publishes(h.Advance(TimeSpan.FromMilliseconds(10)), h.Topics.Get).Count;
        }

        Assert.AreEqual(0, h.Actuations, "no forged delta moved the relay");
        Assert.IsTrue(gets >= 1 && gets <= 2, "one /get (and its retry after 10 s unanswered), not one per forged delta: " + gets);

        h.Delta("{\"MOTOR\":\"ON\"}", 2);
        Assert.IsTrue(h.RelayPin, "a real command after the flood is obeyed");
        h.Advance(TimeSpan.FromSeconds(3));
        h.Delta("{\"MOTOR\":\"OFF\"}", 3);
        Assert.IsFalse(h.RelayPin);
        Assert.AreEqual(2, h.Actuations);
    }

    [TestMethod]
    public void A_thousand_deltas_with_plausible_versions_switch_the_relay_no_faster_than_its_limit()
    {
        var h = new AgentHarness();
        h.StartOnline();
        var interval = h.Settings.MinimumSwitchInterval;
        var step = TimeSpan.FromMilliseconds(10);
        for (var i = 0; i < 1000; i++)
        {
            // Versions the firmware cannot tell from real ones (each within the trusted lead).
            h.Delta(i % 2 == 0 ? "{\"MOTOR\":\"ON\"}" : "{\"MOTOR\":\"OFF\"}", 2);
            h.Advance(step);
        }

        var elapsed = step * 1000;
        var limit = 1 + (int)(elapsed.Ticks / interval.Ticks);
        Assert.IsTrue(h.Actuations <= limit, h.Actuations + " actuations in " + elapsed + " with a " + interval + " minimum interval (limit " + limit + ")");

        h.Advance(interval);
        h.Delta("{\"MOTOR\":\"ON\"}", 3);
        h.Advance(interval);
        Assert.IsTrue(h.RelayPin, "the real command after them is obeyed");
    }
}

using System;
using System.Collections;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Tests.Core.Json;

namespace DeviceFirmware.Tests.Core.Agent;

/// <summary>Bad input gets a clear refusal and loses nothing: mutated messages on every topic the
/// agent reads never throw out of Handle and never move the relay.</summary>
[TestClass]
public sealed class AgentRobustnessTests
{
    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void Mutated_shadow_messages_never_throw_and_never_switch_the_relay_on(int seed)
    {
        var h = new AgentHarness();
        h.StartOnline();
        var random = new Random(seed);
        // Valid, they ask for OFF (the relay's state) or carry no command; one flipped, dropped or
        // cut byte cannot turn "OFF" into "ON", so the relay must stay off whatever the parser makes of them.
        var samples = new[]
        {
            "{\"state\":{\"MOTOR\":\"OFF\",\"telemetryIntervalSeconds\":30},\"version\":7,\"timestamp\":1}",
            "{\"state\":{\"desired\":{\"MOTOR\":\"OFF\"},\"reported\":{\"connected\":true,\"errors\":{\"X\":\"y\"}},\"delta\":{\"COLOR\":[1,{\"a\":null}]}},\"version\":8}",
            "{\"state\":{\"reported\":{\"connected\":false}},\"version\":9,\"clientToken\":\"app-1\"}",
            "{\"code\":409,\"message\":\"Version conflict\",\"clientToken\":\"fw-1\"}",
        };
        var topics = new[] { h.Topics.UpdateDelta, h.Topics.GetAccepted, h.Topics.UpdateAccepted, h.Topics.UpdateRejected, h.Topics.GetRejected };
        var handled = 0;
        for (var i = 0; i < 2000; i++)
        {
            var bytes = Mutate(JsonTestText.Ascii(samples[random.Next(samples.Length)]), random);
            h.Send(new MessageReceived(topics[random.Next(topics.Length)], bytes));
            handled++;
            if (i % 50 == 0)
            {
                h.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerSecond));
            }
        }

        Assert.AreEqual(2000, handled);
        Assert.IsFalse(h.RelayPin, "no mutated message switched the relay on");
        Assert.AreEqual(0, h.Actuations);

        // And the agent still obeys a real command afterwards.
        h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"reported\":{\"connected\":true}},\"version\":100}");
        h.Advance(TimeSpan.FromTicks(3 * TimeSpan.TicksPerSecond));
        h.Delta("{\"MOTOR\":\"ON\"}", 101);
        Assert.IsTrue(h.RelayPin, "a valid delta after the garbage is applied");
    }

    /// <summary>One of: a byte replaced, a byte dropped, the message cut short, or a byte doubled.</summary>
    private static byte[] Mutate(byte[] bytes, Random random)
    {
        var at = random.Next(bytes.Length);
        switch (random.Next(4))
        {
            case 0:
                var replaced = (byte[])bytes.Clone();
                replaced[at] = (byte)random.Next(256);
                return replaced;
            case 1:
                var dropped = new byte[bytes.Length - 1];
                Array.Copy(bytes, 0, dropped, 0, at);
                Array.Copy(bytes, at + 1, dropped, at, bytes.Length - at - 1);
                return dropped;
            case 2:
                var cut = new byte[at];
                Array.Copy(bytes, cut, at);
                return cut;
            default:
                var doubled = new byte[bytes.Length + 1];
                Array.Copy(bytes, 0, doubled, 0, at + 1);
                Array.Copy(bytes, at, doubled, at + 1, bytes.Length - at);
                return doubled;
        }
    }
}

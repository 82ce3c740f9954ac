using LocalIotCore.Broker;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Broker;

[TestClass]
public sealed class MqttFrameInspectorTests
{
    [TestMethod]
    public void A_packet_over_the_limit_is_refused_at_its_length_field_before_its_body()
    {
        var inspector = new MqttFrameInspector(1000);
        inspector.Inspect(RawMqtt.Connect("c"));
        // PUBLISH with remaining length 1001 (0xE9 0x07); no body byte follows yet.
        var refused = Assert.ThrowsExactly<MqttInputRefusedException>(() => inspector.Inspect([0x30, 0xE9, 0x07]));
        Assert.AreEqual(RefusalKind.OversizedPacket, refused.Kind);
    }

    [TestMethod]
    public void Packets_split_anywhere_across_reads_are_followed()
    {
        var stream = new List<byte>();
        stream.AddRange(RawMqtt.Connect("client"));
        stream.AddRange(RawMqtt.Publish("things/a/b"u8.ToArray(), new byte[300]));
        stream.AddRange(RawMqtt.Subscribe("things/+/b"u8.ToArray()));
        stream.AddRange(RawMqtt.Publish("x"u8.ToArray(), []));
        var bytes = stream.ToArray();
        for (var chunk = 1; chunk <= 7; chunk++)
        {
            var inspector = new MqttFrameInspector(1000);
            for (var at = 0; at < bytes.Length; at += chunk)
            {
                inspector.Inspect(bytes.AsSpan(at, Math.Min(chunk, bytes.Length - at)));
            }

            Assert.AreEqual(4, inspector.CompletePackets, "read " + chunk + " bytes at a time");
        }
    }

    [TestMethod]
    public void An_invalid_topic_is_found_even_when_split_across_reads()
    {
        var bytes = RawMqtt.Publish([(byte)'a', (byte)'/', 0xC3, 0x28], [1, 2, 3]);
        var inspector = new MqttFrameInspector(1000);
        var refused = Assert.ThrowsExactly<MqttInputRefusedException>(() =>
        {
            foreach (var b in bytes)
            {
                inspector.Inspect([b]);
            }
        });
        Assert.AreEqual(RefusalKind.InvalidTopic, refused.Kind);
    }

    [TestMethod]
    public void A_remaining_length_of_five_bytes_is_malformed()
    {
        var inspector = new MqttFrameInspector(int.MaxValue);
        Assert.AreEqual(RefusalKind.MalformedPacket, Assert.ThrowsExactly<MqttInputRefusedException>(() => inspector.Inspect([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])).Kind);
    }
}

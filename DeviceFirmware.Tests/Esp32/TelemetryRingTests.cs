using DeviceFirmware.Esp32;

namespace DeviceFirmware.Tests.Esp32;

/// <summary>
/// The ESP32's RAM outbox (DeviceFirmware/Esp32/TelemetryRing.cs, compiled into this test assembly
/// because the ESP32 project itself is built only by the nanoFramework project system): its two
/// bounds and its publish-then-remove order are the memory promise docs/esp32.md makes.
/// </summary>
[TestClass]
public sealed class TelemetryRingTests
{
    [TestMethod]
    public void A_full_ring_drops_the_oldest_and_counts_them()
    {
        var ring = new TelemetryRing(3);
        var dropped = 0;
        for (long seq = 1; seq <= 5; seq++)
        {
            dropped += ring.Enqueue(seq, "things/t/telemetry", new byte[10]);
        }

        Assert.AreEqual(3, ring.Count);
        Assert.AreEqual(2, dropped);
        Assert.AreEqual(2L, ring.Dropped);
        Assert.IsTrue(ring.TryPeek(out var oldest, out _, out _));
        Assert.AreEqual(3L, oldest);
    }

    [TestMethod]
    public void The_byte_bound_holds_whatever_the_count()
    {
        var ring = new TelemetryRing(100);
        for (long seq = 1; seq <= 10; seq++)
        {
            ring.Enqueue(seq, "t", new byte[TelemetryRing.MaximumBytes / 4]);
        }

        Assert.AreEqual(4, ring.Count);
        Assert.IsTrue(ring.TryPeek(out var oldest, out _, out _));
        Assert.AreEqual(7L, oldest);
    }

    [TestMethod]
    public void A_message_leaves_only_when_its_puback_came_and_it_is_still_first()
    {
        var ring = new TelemetryRing(2);
        ring.Enqueue(1, "t", [1]);
        ring.Enqueue(2, "t", [2]);
        Assert.IsTrue(ring.TryPeek(out var first, out var topic, out var payload));
        Assert.AreEqual(1L, first);
        Assert.AreEqual("t", topic);
        Assert.AreEqual((byte)1, payload[0]);

        // While seq 1 was being published the ring overflowed and dropped it: its PUBACK must not remove seq 2.
        ring.Enqueue(3, "t", [3]);
        ring.RemoveIfFirst(1);
        Assert.AreEqual(2, ring.Count);

        ring.RemoveIfFirst(2);
        Assert.IsTrue(ring.TryPeek(out var next, out _, out _));
        Assert.AreEqual(3L, next);
        ring.RemoveIfFirst(3);
        Assert.AreEqual(0, ring.Count);
        Assert.IsFalse(ring.TryPeek(out _, out _, out _));
    }

    [TestMethod]
    public void A_ring_without_room_is_refused()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TelemetryRing(0));
    }
}

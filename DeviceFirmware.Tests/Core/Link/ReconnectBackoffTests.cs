using System;
using DeviceFirmware.Core.Link;

namespace DeviceFirmware.Tests.Core.Link;

[TestClass]
public sealed class ReconnectBackoffTests
{
    [TestMethod]
    public void Cap_doubles_from_the_minimum_and_stops_at_the_maximum()
    {
        var backoff = new ReconnectBackoff(Seconds(1), Seconds(120), Zero);
        var expected = new[] { 1, 2, 4, 8, 16, 32, 64, 120, 120 };
        for (var attempt = 0; attempt < expected.Length; attempt++)
        {
            Assert.AreEqual(Seconds(expected[attempt]).Ticks, backoff.Cap(attempt).Ticks, "attempt " + attempt);
        }

        Assert.AreEqual(Seconds(120).Ticks, backoff.Cap(1000).Ticks, "huge attempt numbers must not overflow");
    }

    [TestMethod]
    public void Delay_is_full_jitter_between_zero_and_the_cap()
    {
        Assert.AreEqual(0L, new ReconnectBackoff(Seconds(1), Seconds(120), Zero).NextDelay(3).Ticks);
        Assert.AreEqual(Seconds(4).Ticks, new ReconnectBackoff(Seconds(1), Seconds(120), Half).NextDelay(3).Ticks);
        Assert.IsTrue(new ReconnectBackoff(Seconds(1), Seconds(120), AlmostOne).NextDelay(3) < Seconds(8));
        Assert.AreEqual(Seconds(30).Ticks, new ReconnectBackoff(Seconds(1), Seconds(120), Quarter).NextDelay(20).Ticks);
    }

    [TestMethod]
    public void Delays_are_spread_uniformly_over_the_window()
    {
        var random = new Random(1234);
        var backoff = new ReconnectBackoff(Seconds(1), Seconds(120), random.NextDouble);
        var buckets = new int[8];
        const int samples = 40000;
        for (var i = 0; i < samples; i++)
        {
            var delay = backoff.NextDelay(3);
            Assert.IsTrue(delay >= TimeSpan.Zero && delay < Seconds(8));
            buckets[(int)(delay.Ticks / TimeSpan.TicksPerSecond)]++;
        }

        // Each one-second bucket of the 8 s window holds about 1/8 of the draws (a lockstep
        // retry would put them all in one bucket).
        for (var i = 0; i < buckets.Length; i++)
        {
            var off = buckets[i] - (samples / 8);
            Assert.IsTrue((off < 0 ? -off : off) < samples / 8 / 10, "bucket count " + buckets[i]);
        }
    }

    [TestMethod]
    public void A_broken_random_source_waits_the_cap_instead_of_retrying_at_once()
    {
        Assert.AreEqual(Seconds(4).Ticks, new ReconnectBackoff(Seconds(1), Seconds(8), NotANumber).NextDelay(2).Ticks);
        Assert.AreEqual(Seconds(4).Ticks, new ReconnectBackoff(Seconds(1), Seconds(8), One).NextDelay(2).Ticks, "1.0 (no jitter) is the cap: plain exponential backoff");
        Assert.AreEqual(0L, new ReconnectBackoff(Seconds(1), Seconds(8), MinusHalf).NextDelay(2).Ticks);
    }

    [TestMethod]
    public void Invalid_bounds_are_refused()
    {
        Expect.Throws(typeof(ArgumentOutOfRangeException), () => new ReconnectBackoff(TimeSpan.Zero, Seconds(1), Zero), "a zero minimum");
        Expect.Throws(typeof(ArgumentOutOfRangeException), () => new ReconnectBackoff(Seconds(2), Seconds(1), Zero), "a maximum below the minimum");
    }

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond);

    private static double Zero() => 0;

    private static double Quarter() => 0.25;

    private static double Half() => 0.5;

    private static double AlmostOne() => 0.999999;

    private static double One() => 1.0;

    private static double MinusHalf() => -0.5;

    private static double NotANumber() => double.NaN;
}

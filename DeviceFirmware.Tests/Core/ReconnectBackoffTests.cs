using DeviceFirmware.Core;

namespace DeviceFirmware.Tests.Core;

[TestClass]
public sealed class ReconnectBackoffTests
{
    [TestMethod]
    public void Cap_doubles_from_the_minimum_and_stops_at_the_maximum()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120), () => 0);
        var expected = new[] { 1, 2, 4, 8, 16, 32, 64, 120, 120 };
        for (var attempt = 0; attempt < expected.Length; attempt++)
        {
            Assert.AreEqual(TimeSpan.FromSeconds(expected[attempt]), backoff.Cap(attempt), "attempt " + attempt);
        }

        Assert.AreEqual(TimeSpan.FromSeconds(120), backoff.Cap(1000), "huge attempt numbers must not overflow");
    }

    [TestMethod]
    public void Delay_is_full_jitter_between_zero_and_the_cap()
    {
        var r = 0.0;
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120), () => r);
        r = 0;
        Assert.AreEqual(TimeSpan.Zero, backoff.NextDelay(3));
        r = 0.5;
        Assert.AreEqual(TimeSpan.FromSeconds(4), backoff.NextDelay(3));
        r = 0.999999;
        Assert.IsTrue(backoff.NextDelay(3) < TimeSpan.FromSeconds(8));
        r = 0.25;
        Assert.AreEqual(TimeSpan.FromSeconds(30), backoff.NextDelay(20));
    }

    [TestMethod]
    public void Delays_are_spread_uniformly_over_the_window()
    {
        var random = new Random(1234);
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(120), random.NextDouble);
        var buckets = new int[8];
        const int samples = 40_000;
        for (var i = 0; i < samples; i++)
        {
            var delay = backoff.NextDelay(3);
            Assert.IsTrue(delay >= TimeSpan.Zero && delay < TimeSpan.FromSeconds(8));
            buckets[(int)delay.TotalSeconds]++;
        }

        // Each one-second bucket of the 8 s window holds about 1/8 of the draws (a lockstep
        // retry would put them all in one bucket).
        foreach (var count in buckets)
        {
            Assert.IsTrue(Math.Abs(count - (samples / 8)) < samples / 8 / 10, "bucket count " + count);
        }
    }

    [TestMethod]
    public void A_broken_random_source_waits_the_cap_instead_of_retrying_at_once()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), () => double.NaN);
        Assert.AreEqual(TimeSpan.FromSeconds(4), backoff.NextDelay(2));
        var above = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), () => 1.0);
        Assert.AreEqual(TimeSpan.FromSeconds(4), above.NextDelay(2), "1.0 (no jitter) is the cap: plain exponential backoff");
        var below = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), () => -0.5);
        Assert.AreEqual(TimeSpan.Zero, below.NextDelay(2));
    }

    [TestMethod]
    public void Invalid_bounds_are_refused()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ReconnectBackoff(TimeSpan.Zero, TimeSpan.FromSeconds(1), () => 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ReconnectBackoff(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), () => 0));
    }
}

using DeviceFirmware.Core.Agent;
using DeviceFirmware.Esp32;

namespace DeviceFirmware.Tests.Esp32;

/// <summary>
/// DeviceFirmware/Esp32/AgentTimers.cs: the ESP32 loop's timers as due times on the boot clock.
/// A timer that fires late, twice, or after it was cancelled is a telemetry gap, a double
/// reconnect or a relay switched when the agent said not to.
/// </summary>
[TestClass]
public sealed class AgentTimersTests
{
    private const int Cap = 1000;

    [TestMethod]
    public void A_timer_is_due_at_its_delay_and_fires_once()
    {
        var timers = new AgentTimers();
        timers.Start(AgentTimer.Telemetry, TimeSpan.FromSeconds(60), 5_000);

        Assert.IsFalse(timers.TakeDue(64_999, out _), "one millisecond early");
        Assert.IsTrue(timers.TakeDue(65_000, out var due));
        Assert.AreEqual(AgentTimer.Telemetry, due);
        Assert.IsFalse(timers.TakeDue(100_000, out _), "a timer that fired is disarmed until started again");
    }

    [TestMethod]
    public void Timers_due_together_come_out_earliest_first()
    {
        var timers = new AgentTimers();
        timers.Start(AgentTimer.Reconnect, TimeSpan.FromMilliseconds(500), 0);
        timers.Start(AgentTimer.MessageErrorReport, TimeSpan.FromMilliseconds(200), 0);
        timers.Start(AgentTimer.StableConnection, TimeSpan.FromMilliseconds(300), 0);

        Assert.IsTrue(timers.TakeDue(1_000, out var first));
        Assert.IsTrue(timers.TakeDue(1_000, out var second));
        Assert.IsTrue(timers.TakeDue(1_000, out var third));
        Assert.IsFalse(timers.TakeDue(1_000, out _));
        Assert.AreEqual(AgentTimer.MessageErrorReport, first);
        Assert.AreEqual(AgentTimer.StableConnection, second);
        Assert.AreEqual(AgentTimer.Reconnect, third);
    }

    [TestMethod]
    public void Only_timers_already_due_are_taken()
    {
        var timers = new AgentTimers();
        timers.Start(AgentTimer.Reconnect, TimeSpan.FromMilliseconds(100), 0);
        timers.Start(AgentTimer.Telemetry, TimeSpan.FromMilliseconds(900), 0);

        Assert.IsTrue(timers.TakeDue(500, out var due));
        Assert.AreEqual(AgentTimer.Reconnect, due);
        Assert.IsFalse(timers.TakeDue(500, out _), "Telemetry is not due until 900");
        Assert.AreEqual(400, timers.MillisecondsUntilNext(500, Cap));
    }

    [TestMethod]
    public void A_cancelled_timer_never_fires_and_no_longer_shortens_the_wait()
    {
        var timers = new AgentTimers();
        timers.Start(AgentTimer.RelayDeferred, TimeSpan.FromMilliseconds(50), 0);
        timers.Cancel(AgentTimer.RelayDeferred);

        Assert.IsFalse(timers.TakeDue(10_000, out _));
        Assert.AreEqual(Cap, timers.MillisecondsUntilNext(0, Cap));
    }

    [TestMethod]
    public void Cancelling_one_timer_leaves_the_others()
    {
        var timers = new AgentTimers();
        timers.Start(AgentTimer.OfflineFailSafe, TimeSpan.FromMilliseconds(100), 0);
        timers.Start(AgentTimer.ShadowGetRetry, TimeSpan.FromMilliseconds(200), 0);
        timers.Cancel(AgentTimer.OfflineFailSafe);

        Assert.IsTrue(timers.TakeDue(200, out var due));
        Assert.AreEqual(AgentTimer.ShadowGetRetry, due);
    }

    [TestMethod]
    public void Starting_a_pending_timer_again_replaces_its_due_time()
    {
        var timers = new AgentTimers();
        timers.Start(AgentTimer.Telemetry, TimeSpan.FromMilliseconds(100), 0);
        timers.Start(AgentTimer.Telemetry, TimeSpan.FromMilliseconds(1_000), 50);

        Assert.IsFalse(timers.TakeDue(100, out _), "the first due time is gone");
        Assert.IsFalse(timers.TakeDue(1_049, out _));
        Assert.IsTrue(timers.TakeDue(1_050, out var due));
        Assert.AreEqual(AgentTimer.Telemetry, due);
        Assert.IsFalse(timers.TakeDue(5_000, out _), "a restarted timer is pending once, not twice");
    }

    [TestMethod]
    public void A_timer_can_be_restarted_earlier_than_it_was()
    {
        var timers = new AgentTimers();
        timers.Start(AgentTimer.Reconnect, TimeSpan.FromSeconds(120), 0);
        timers.Start(AgentTimer.Reconnect, TimeSpan.FromSeconds(1), 0);

        Assert.AreEqual(1_000, timers.MillisecondsUntilNext(0, 200_000));
        Assert.IsTrue(timers.TakeDue(1_000, out _));
    }

    [TestMethod]
    public void A_zero_or_negative_delay_is_due_at_once()
    {
        var timers = new AgentTimers();
        timers.Start(AgentTimer.SelfHeal, TimeSpan.Zero, 700);
        timers.Start(AgentTimer.ShutdownDeadline, TimeSpan.FromSeconds(-5), 700);

        Assert.AreEqual(0, timers.MillisecondsUntilNext(700, Cap));
        Assert.IsTrue(timers.TakeDue(700, out _));
        Assert.IsTrue(timers.TakeDue(700, out _));
        Assert.IsFalse(timers.TakeDue(700, out _));
    }

    [TestMethod]
    public void The_wait_is_the_time_to_the_next_timer_but_never_more_than_the_cap()
    {
        var timers = new AgentTimers();
        Assert.AreEqual(Cap, timers.MillisecondsUntilNext(0, Cap), "nothing armed: sleep the cap");

        timers.Start(AgentTimer.Telemetry, TimeSpan.FromSeconds(60), 0);
        Assert.AreEqual(Cap, timers.MillisecondsUntilNext(0, Cap));

        timers.Start(AgentTimer.StableConnection, TimeSpan.FromMilliseconds(300), 0);
        Assert.AreEqual(300, timers.MillisecondsUntilNext(0, Cap));
        Assert.AreEqual(100, timers.MillisecondsUntilNext(200, Cap));
        Assert.AreEqual(0, timers.MillisecondsUntilNext(300, Cap));
        Assert.AreEqual(0, timers.MillisecondsUntilNext(10_000, Cap), "overdue is 0, not negative");
    }

    [TestMethod]
    public void Due_times_past_the_32_bit_millisecond_range_work()
    {
        // Environment.TickCount64 passes int.MaxValue after 24.8 days of uptime.
        long now = 3L * int.MaxValue;
        var timers = new AgentTimers();
        timers.Start(AgentTimer.Telemetry, TimeSpan.FromSeconds(60), now);

        Assert.AreEqual(Cap, timers.MillisecondsUntilNext(now, Cap));
        Assert.AreEqual(500, timers.MillisecondsUntilNext(now + 59_500, Cap));
        Assert.IsFalse(timers.TakeDue(now + 59_999, out _));
        Assert.IsTrue(timers.TakeDue(now + 60_000, out _));
    }

    [TestMethod]
    public void Every_agent_timer_has_a_slot_and_an_unknown_one_is_refused()
    {
        var timers = new AgentTimers();
        foreach (var timer in Enum.GetValues<AgentTimer>())
        {
            timers.Start(timer, TimeSpan.FromMilliseconds(10), 0);
        }

        var fired = 0;
        while (timers.TakeDue(10, out _))
        {
            fired++;
        }

        Assert.AreEqual(Enum.GetValues<AgentTimer>().Length, fired);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => timers.Start((AgentTimer)32, TimeSpan.Zero, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => timers.Cancel((AgentTimer)(-1)));
    }
}

using DeviceFirmware.Mqtt;
using Microsoft.Extensions.Time.Testing;

namespace DeviceFirmware.Tests.Mqtt;

[TestClass]
public sealed class KeepAlivePingerTests
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task Pings_after_a_keep_alive_period_of_silence_and_not_before()
    {
        var time = new FakeTimeProvider();
        var ping = new CountingPing();
        var pinger = new KeepAlivePinger(time, Period, PingTimeout, ping.SendAsync, _ => Assert.Fail("The link was declared lost."));
        using var stop = new CancellationTokenSource();
        var running = pinger.RunAsync(stop.Token);

        time.Advance(Period - TimeSpan.FromSeconds(1));
        Assert.AreEqual(0, ping.Count, "A ping before the keep-alive period of silence ran out.");

        time.Advance(TimeSpan.FromSeconds(1));
        await ping.First.WaitAsync(Patience);
        Assert.AreEqual(1, ping.Count);

        await stop.CancelAsync();
        await running.WaitAsync(Patience);
    }

    [TestMethod]
    public async Task Traffic_defers_the_ping()
    {
        var time = new FakeTimeProvider();
        var ping = new CountingPing();
        var pinger = new KeepAlivePinger(time, Period, PingTimeout, ping.SendAsync, _ => Assert.Fail("The link was declared lost."));
        using var stop = new CancellationTokenSource();
        var running = pinger.RunAsync(stop.Token);

        time.Advance(TimeSpan.FromSeconds(20));
        pinger.NotePacketSent();
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.AreEqual(0, ping.Count, "Pinged although a packet went out 20 s ago.");

        time.Advance(TimeSpan.FromSeconds(10));
        await ping.First.WaitAsync(Patience);
        Assert.AreEqual(1, ping.Count);

        await stop.CancelAsync();
        await running.WaitAsync(Patience);
    }

    [TestMethod]
    public async Task A_missing_PINGRESP_drops_the_link()
    {
        var time = new FakeTimeProvider();
        var pingStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pinger = new KeepAlivePinger(time, Period, PingTimeout, token =>
        {
            pingStarted.TrySetResult();
            return Task.Delay(Timeout.InfiniteTimeSpan, token); // The PINGRESP never comes.
        }, reason => lost.TrySetResult(reason));
        var running = pinger.RunAsync(CancellationToken.None);

        time.Advance(Period);
        await pingStarted.Task.WaitAsync(Patience);
        Assert.IsFalse(lost.Task.IsCompleted, "The link was declared lost before the ping timed out.");

        time.Advance(PingTimeout);
        var reason = await lost.Task.WaitAsync(Patience);
        StringAssert.Contains(reason, "PINGRESP");
        await running.WaitAsync(Patience);
    }

    [TestMethod]
    public async Task A_failed_ping_drops_the_link()
    {
        var time = new FakeTimeProvider();
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var pinger = new KeepAlivePinger(time, Period, PingTimeout,
            _ => Task.FromException(new IOException("Broken pipe")), reason => lost.TrySetResult(reason));
        var running = pinger.RunAsync(CancellationToken.None);

        time.Advance(Period);
        var reason = await lost.Task.WaitAsync(Patience);
        StringAssert.Contains(reason, "Broken pipe");
        await running.WaitAsync(Patience);
    }

    /// <summary>A ping that always succeeds, counting the calls.</summary>
    private sealed class CountingPing
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public Task First => _first.Task;

        public Task SendAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            _first.TrySetResult();
            return Task.CompletedTask;
        }
    }
}

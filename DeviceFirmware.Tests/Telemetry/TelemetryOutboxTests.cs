using System.Text;
using DeviceFirmware.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeviceFirmware.Tests.Telemetry;

[TestClass]
public sealed class TelemetryOutboxTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset At = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private string _folder = "";

    [TestInitialize]
    public void Init()
    {
        _folder = Path.Combine(Path.GetTempPath(), "outbox-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TestCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private string DbPath => Path.Combine(_folder, "outbox.db");

    private TelemetryOutbox Open(int capacity = 100) => new(DbPath, capacity, NullLogger.Instance);

    private static byte[] Payload(long seq) => Encoding.UTF8.GetBytes("{\"seq\":" + seq + "}");

    [TestMethod]
    public void Entries_come_back_in_seq_order_and_leave_only_when_removed()
    {
        using var outbox = Open();
        for (var seq = 1; seq <= 5; seq++)
        {
            outbox.Enqueue(seq, "things/t/telemetry", Payload(seq), At.AddSeconds(seq));
        }

        var entries = outbox.PeekOldest(3);
        CollectionAssert.AreEqual(new long[] { 1, 2, 3 }, new[] { entries[0].Sequence, entries[1].Sequence, entries[2].Sequence });
        Assert.AreEqual("{\"seq\":2}", Encoding.UTF8.GetString(entries[1].Payload));
        Assert.AreEqual(At.AddSeconds(2), entries[1].EnqueuedAt);
        Assert.AreEqual(5, outbox.PeekOldest(10).Count, "peeking removes nothing");
        outbox.Remove(1);
        Assert.AreEqual(2, outbox.PeekOldest(1)[0].Sequence);
        Assert.AreEqual(4, outbox.Count);
    }

    [TestMethod]
    public void A_full_outbox_drops_the_oldest_and_counts_them()
    {
        using var outbox = Open(capacity: 3);
        for (var seq = 1; seq <= 3; seq++)
        {
            Assert.AreEqual(0, outbox.Enqueue(seq, "t", Payload(seq), At));
        }

        Assert.AreEqual(1, outbox.Enqueue(4, "t", Payload(4), At));
        Assert.AreEqual(1, outbox.Enqueue(5, "t", Payload(5), At));
        var left = outbox.PeekOldest(10);
        CollectionAssert.AreEqual(new long[] { 3, 4, 5 }, new[] { left[0].Sequence, left[1].Sequence, left[2].Sequence });
        Assert.AreEqual(2, outbox.Dropped);
    }

    [TestMethod]
    public void Entries_and_the_last_seq_survive_a_restart_even_when_the_outbox_was_emptied()
    {
        using (var outbox = Open())
        {
            outbox.Enqueue(1, "t", Payload(1), At);
            outbox.Enqueue(2, "t", Payload(2), At);
            outbox.Enqueue(3, "t", Payload(3), At);
            outbox.Remove(1);
        }

        using (var reopened = Open())
        {
            Assert.AreEqual(3, reopened.LastSequence);
            var entries = reopened.PeekOldest(10);
            Assert.AreEqual(2, entries.Count);
            Assert.AreEqual(2, entries[0].Sequence);
            reopened.Remove(2);
            reopened.Remove(3);
        }

        using var empty = Open();
        Assert.AreEqual(0, empty.Count);
        Assert.AreEqual(3, empty.LastSequence, "seq is monotonic across restarts");
        Assert.ThrowsExactly<InvalidOperationException>(() => empty.Enqueue(3, "t", Payload(3), At));
    }

    [TestMethod]
    public void A_corrupt_file_is_moved_aside_and_a_fresh_outbox_starts()
    {
        File.WriteAllText(DbPath, "this is not a database, it is a file some crash left behind........................................");
        using var outbox = Open();
        Assert.AreEqual(0, outbox.Count);
        outbox.Enqueue(1, "t", Payload(1), At);
        Assert.AreEqual(1, outbox.PeekOldest(5).Count);
        Assert.AreEqual(1, Directory.GetFiles(_folder, "outbox.db.corrupt-*").Length, "the damaged file is kept for inspection");
    }

    [TestMethod]
    public async Task The_publisher_sends_in_order_and_removes_only_after_the_ack()
    {
        using var outbox = Open();
        var sent = new List<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var publisher = new OutboxPublisher(outbox, async (topic, payload, ct) =>
        {
            lock (sent)
            {
                sent.Add(Encoding.UTF8.GetString(payload.Span));
            }

            await gate.Task.WaitAsync(ct);
            if (sent.Count == 3)
            {
                allSent.TrySetResult();
            }
        }, NullLogger.Instance);

        for (var seq = 1; seq <= 3; seq++)
        {
            publisher.Enqueue(seq, "t", Payload(seq), At);
        }

        publisher.Flush();
        await WaitUntil(() => Count(sent) == 1);
        Assert.AreEqual(3, outbox.Count, "the first message waits for its PUBACK, so nothing left the outbox");
        gate.SetResult();
        await allSent.Task.WaitAsync(Patience);
        await WaitUntil(() => outbox.Count == 0);
        CollectionAssert.AreEqual(new[] { "{\"seq\":1}", "{\"seq\":2}", "{\"seq\":3}" }, sent);
    }

    [TestMethod]
    public async Task A_failed_publish_keeps_that_message_and_the_rest_until_the_next_flush()
    {
        using var outbox = Open();
        var fail = true;
        var sent = new List<long>();
        var attempted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var publisher = new OutboxPublisher(outbox, (topic, payload, ct) =>
        {
            var seq = long.Parse(Encoding.UTF8.GetString(payload.Span)[7..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (seq == 2 && fail)
            {
                attempted.TrySetResult();
                return Task.FromException(new IOException("link down"));
            }

            lock (sent)
            {
                sent.Add(seq);
            }

            return Task.CompletedTask;
        }, NullLogger.Instance);

        for (var seq = 1; seq <= 4; seq++)
        {
            publisher.Enqueue(seq, "t", Payload(seq), At);
        }

        publisher.Flush();
        await attempted.Task.WaitAsync(Patience);
        await WaitUntil(() => outbox.Count == 3);
        CollectionAssert.AreEqual(new long[] { 2, 3, 4 }, new[] { outbox.PeekOldest(5)[0].Sequence, outbox.PeekOldest(5)[1].Sequence, outbox.PeekOldest(5)[2].Sequence });

        fail = false;
        publisher.Flush();
        await WaitUntil(() => outbox.Count == 0);
        CollectionAssert.AreEqual(new long[] { 1, 2, 3, 4 }, sent, "no gap, in order");
    }

    [TestMethod]
    public async Task Pause_stops_publishing_and_flush_resumes_where_it_stopped()
    {
        using var outbox = Open();
        var sent = new List<long>();
        await using var publisher = new OutboxPublisher(outbox, (topic, payload, ct) =>
        {
            lock (sent)
            {
                sent.Add(sent.Count + 1);
            }

            return Task.CompletedTask;
        }, NullLogger.Instance);
        publisher.Flush();
        publisher.Enqueue(1, "t", Payload(1), At);
        await WaitUntil(() => outbox.Count == 0);
        publisher.Pause();
        publisher.Enqueue(2, "t", Payload(2), At);
        publisher.Enqueue(3, "t", Payload(3), At);
        Assert.AreEqual(2, outbox.Count, "kept while the link is down");
        publisher.Flush();
        await WaitUntil(() => outbox.Count == 0);
        Assert.AreEqual(3, Count(sent));
    }

    private static int Count(List<string> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private static int Count(List<long> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.IsTrue(DateTime.UtcNow < deadline, "condition not met within " + Patience.TotalSeconds + " s");
            await Task.Delay(5);
        }
    }
}

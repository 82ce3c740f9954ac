using System.Text;
using LocalIotCore.Telemetry;

namespace LocalIotCore.Tests.Dashboard;

[TestClass]
public sealed class TelemetryHistoryTests
{
    private string _folder = "";

    [TestInitialize]
    public void Init() => _folder = Path.Combine(Path.GetTempPath(), "telemetry-history-" + Guid.NewGuid().ToString("N"));

    [TestCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private string Database => Path.Combine(_folder, "telemetry.db");

    private static byte[] Reading(int seq) => Encoding.UTF8.GetBytes("{\"seq\":" + seq + ",\"temperatureC\":20.5}");

    [TestMethod]
    public void Each_thing_keeps_only_its_newest_points()
    {
        using var history = new TelemetryHistory(Database, pointsPerThing: 100);
        for (var i = 1; i <= 1000; i++)
        {
            Assert.IsNotNull(history.Record("pump-1", Reading(i), 1_000 + i, out _));
        }

        history.Record("pump-2", Reading(1), 5_000, out _);
        var kept = history.Since("pump-1", 0, int.MaxValue);
        Assert.AreEqual(100, kept.Count, "a query never returns more than the bound");
        Assert.AreEqual("{\"seq\":901,\"temperatureC\":20.5}", kept[0].Json, "the oldest kept is the 100th newest");
        Assert.AreEqual(2_000, kept[^1].ReceivedAtMilliseconds);
        Assert.AreEqual(1, history.Since("pump-2", 0, 10).Count, "another thing's points are its own");
        // The store itself is pruned in batches: never more than the bound plus one batch.
        Assert.IsLessThan(100 + 64, RowCount("pump-1"));
    }

    [TestMethod]
    public void Since_and_limit_pick_the_newest_points_after_a_time_oldest_first()
    {
        using var history = new TelemetryHistory(Database);
        for (var i = 1; i <= 10; i++)
        {
            history.Record("pump-1", Reading(i), i * 1_000, out _);
        }

        var since = history.Since("pump-1", 7_000, 100);
        CollectionAssert.AreEqual(new long[] { 7_000, 8_000, 9_000, 10_000 }, Times(since));
        CollectionAssert.AreEqual(new long[] { 9_000, 10_000 }, Times(history.Since("pump-1", 0, 2)));
    }

    [TestMethod]
    public void Payloads_that_are_not_one_JSON_object_are_refused_with_a_reason()
    {
        using var history = new TelemetryHistory(Database);
        string? reason;
        Assert.IsNull(history.Record("pump-1", "nope"u8, 1, out reason));
        StringAssert.Contains(reason, "not valid JSON");
        Assert.IsNull(history.Record("pump-1", "[1]"u8, 1, out reason));
        StringAssert.Contains(reason, "not a JSON object");
        Assert.IsNull(history.Record("pump-1", "{\"a\":1} {}"u8, 1, out reason));
        StringAssert.Contains(reason, "not valid JSON");
        Assert.IsNull(history.Record("pump-1", new byte[] { (byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}' }, 1, out reason));
        StringAssert.Contains(reason, "not valid JSON");
        Assert.IsNull(history.Record("pump-1", new byte[TelemetryHistory.MaximumPayloadBytes + 1], 1, out reason));
        StringAssert.Contains(reason, "bytes");
        Assert.AreEqual(0, history.Since("pump-1", 0, 10).Count);
        Assert.IsNotNull(history.Record("pump-1", "{\"ok\":true}"u8, 1, out reason));
        Assert.IsNull(reason);
    }

    [TestMethod]
    public void The_history_survives_a_restart()
    {
        using (var history = new TelemetryHistory(Database))
        {
            history.Record("pump-1", Reading(1), 42, out _);
        }

        using var reopened = new TelemetryHistory(Database);
        Assert.AreEqual(42, reopened.Since("pump-1", 0, 10)[0].ReceivedAtMilliseconds);
    }

    [TestMethod]
    public void The_telemetry_topic_names_one_thing()
    {
        Assert.IsTrue(TelemetryTopic.TryParse("things/pump-1/telemetry", out var thing));
        Assert.AreEqual("pump-1", thing);
        Assert.AreEqual("things/pump-1/telemetry", TelemetryTopic.For("pump-1"));
        Assert.IsFalse(TelemetryTopic.TryParse("things/a/b/telemetry", out _));
        Assert.IsFalse(TelemetryTopic.TryParse("things//telemetry", out _));
        Assert.IsFalse(TelemetryTopic.TryParse("things/pump-1/lwt", out _));
        Assert.IsFalse(TelemetryTopic.TryParse("$aws/things/pump-1/telemetry", out _));
    }

    private static long[] Times(IReadOnlyList<TelemetryPoint> points)
    {
        var times = new long[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            times[i] = points[i].ReceivedAtMilliseconds;
        }

        return times;
    }

    private long RowCount(string thing)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + Database + ";Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM telemetry WHERE thing = $t";
        count.Parameters.AddWithValue("$t", thing);
        return (long)count.ExecuteScalar()!;
    }
}

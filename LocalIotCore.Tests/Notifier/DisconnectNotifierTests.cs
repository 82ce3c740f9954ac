using System.Text;
using LocalIotCore.Notifier;
using LocalIotCore.Shadows;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LocalIotCore.Tests.Notifier;

[TestClass]
public sealed class DisconnectNotifierTests
{
    private static readonly ShadowId Pump = new("pump-1", null);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_795_000_000));
    private string _folder = "";
    private ShadowService _shadows = null!;

    [TestInitialize]
    public void Init()
    {
        _folder = Path.Combine(Path.GetTempPath(), "notifier-" + Guid.NewGuid().ToString("N"));
        _shadows = new ShadowService(new InMemoryShadowStore(), _time);
    }

    [TestCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private DisconnectNotifier Create() => new(_shadows, Grace, _time, NullLogger.Instance, Path.Combine(_folder, "state.db"));

    /// <summary>Reports the flag the way the device or the will rule does, feeding /update/documents to the notifier.</summary>
    private void Report(DisconnectNotifier notifier, bool connected)
    {
        var response = _shadows.Update(Pump, Encoding.UTF8.GetBytes("{\"state\":{\"reported\":{\"connected\":" + (connected ? "true" : "false") + "}}}"));
        foreach (var message in response.Messages)
        {
            if (message.Topic.EndsWith("/update/documents", StringComparison.Ordinal))
            {
                notifier.OnDocuments(Pump, message.Payload);
            }
        }
    }

    [TestMethod]
    public void Still_offline_after_the_grace_period_gives_exactly_one_notification()
    {
        using var notifier = Create();
        Report(notifier, true);
        Report(notifier, false);
        _time.Advance(Grace - TimeSpan.FromSeconds(1));
        Assert.AreEqual(0, notifier.Notifications.Count, "not before the grace period");
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.AreEqual(1, notifier.Notifications.Count);
        Assert.AreEqual("pump-1", notifier.Notifications[0].Thing);
        _time.Advance(Grace * 3);
        Assert.AreEqual(1, notifier.Notifications.Count, "one outage, one notification");
    }

    [TestMethod]
    public void Back_within_the_grace_period_gives_none()
    {
        using var notifier = Create();
        Report(notifier, true);
        Report(notifier, false);
        _time.Advance(TimeSpan.FromMinutes(2));
        Report(notifier, true);
        _time.Advance(Grace * 2);
        Assert.AreEqual(0, notifier.Notifications.Count);
    }

    [TestMethod]
    public void Flapping_gives_at_most_one_notification_for_the_last_outage()
    {
        using var notifier = Create();
        Report(notifier, true);
        Report(notifier, false);
        _time.Advance(TimeSpan.FromMinutes(1));
        Report(notifier, true);
        _time.Advance(TimeSpan.FromMinutes(1));
        Report(notifier, false);
        var lastOutage = _time.GetUtcNow().ToUnixTimeSeconds();
        _time.Advance(Grace * 2);
        Assert.AreEqual(1, notifier.Notifications.Count);
        Assert.AreEqual(lastOutage, notifier.Notifications[0].DisconnectedAt);
    }

    [TestMethod]
    public void A_false_that_was_not_preceded_by_true_starts_nothing()
    {
        using var notifier = Create();
        Report(notifier, false);
        Report(notifier, false);
        _time.Advance(Grace * 2);
        Assert.AreEqual(0, notifier.Notifications.Count);
        Assert.AreEqual(0, notifier.PendingChecks);
    }

    [TestMethod]
    public void A_pending_check_survives_a_restart_and_notifications_are_kept()
    {
        using (var notifier = Create())
        {
            Report(notifier, true);
            Report(notifier, false);
            _time.Advance(TimeSpan.FromMinutes(3));
        }

        using (var restarted = Create())
        {
            Assert.AreEqual(1, restarted.PendingChecks);
            _time.Advance(TimeSpan.FromMinutes(2));
            Assert.AreEqual(1, restarted.Notifications.Count, "fires at the original due time");
        }

        using var again = Create();
        Assert.AreEqual(1, again.Notifications.Count, "the notifications list is persisted");
        Assert.AreEqual(0, again.PendingChecks);
    }

    [TestMethod]
    public void A_check_that_fell_due_while_stopped_gives_a_fresh_grace_period_from_the_restart()
    {
        using (var notifier = Create())
        {
            Report(notifier, true);
            Report(notifier, false);
        }

        // LocalIotCore was stopped for an hour: nobody watched, so the device gets a full grace period.
        _time.Advance(TimeSpan.FromHours(1));
        using (var restarted = Create())
        {
            Assert.AreEqual(0, restarted.Notifications.Count, "not at once on start");
            _time.Advance(TimeSpan.FromMinutes(2));
            Report(restarted, true);
            _time.Advance(Grace * 2);
            Assert.AreEqual(0, restarted.Notifications.Count, "back within the fresh grace period: none");
        }

        using (var notifier = Create())
        {
            Report(notifier, false);
        }

        _time.Advance(TimeSpan.FromHours(1));
        using var again = Create();
        _time.Advance(Grace - TimeSpan.FromSeconds(1));
        Assert.AreEqual(0, again.Notifications.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.AreEqual(1, again.Notifications.Count, "still offline a full grace period after the restart");
    }

    [TestMethod]
    public void The_webhook_receives_the_notification()
    {
        var posted = new List<Notification>();
        using var notifier = new DisconnectNotifier(_shadows, Grace, _time, NullLogger.Instance, Path.Combine(_folder, "state.db"), n =>
        {
            posted.Add(n);
            return Task.CompletedTask;
        });
        Report(notifier, true);
        Report(notifier, false);
        _time.Advance(Grace);
        Assert.AreEqual(1, posted.Count);
        StringAssert.Contains(Encoding.UTF8.GetString(DisconnectNotifier.WebhookBody(posted[0])), "\"thing\":\"pump-1\"");
    }
}

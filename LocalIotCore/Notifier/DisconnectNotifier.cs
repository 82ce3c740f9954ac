using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Shadows;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace LocalIotCore.Notifier;

/// <summary>A device that stayed offline past the grace period.</summary>
public sealed record Notification(string Thing, long DisconnectedAt, long NotifiedAt, string Message)
{
    public JsonObject ToJson() => new()
    {
        ["thing"] = Thing,
        ["disconnectedAt"] = DisconnectedAt,
        ["notifiedAt"] = NotifiedAt,
        ["message"] = Message,
    };
}

/// <summary>
/// The delayed disconnect notifier, as the cloud side of the product runs it: when
/// <c>/update/documents</c> shows reported.connected going true -> false, wait a grace period, re-read
/// the shadow, and notify only if the flag is still false AND its metadata timestamp is the one seen at
/// the trigger (a newer one means the device came back, even if it went away again). A new outage of
/// the same thing replaces the pending check, so flapping yields at most one notification, for the
/// last outage. Pending checks are persisted with their due time and survive a restart.
/// </summary>
public sealed class DisconnectNotifier : IDisposable
{
    private readonly object _gate = new();
    private readonly IShadowService _shadows;
    private readonly TimeSpan _grace;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Func<Notification, Task>? _webhook;
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, (long DueAt, long FlagTimestamp, ITimer Timer)> _pending = new(StringComparer.Ordinal);
    private readonly List<Notification> _notifications = [];

    public DisconnectNotifier(IShadowService shadows, TimeSpan grace, TimeProvider time, ILogger log, string databasePath, Func<Notification, Task>? webhook = null)
    {
        _shadows = shadows ?? throw new ArgumentNullException(nameof(shadows));
        _grace = grace;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _webhook = webhook;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL");
        Execute("PRAGMA synchronous=NORMAL"); // as the shadow store: safe when LocalIotCore is killed, no fsync per check.
        Execute("CREATE TABLE IF NOT EXISTS pending_checks(thing TEXT PRIMARY KEY, due_at INTEGER NOT NULL, flag_timestamp INTEGER NOT NULL)");
        Execute("CREATE TABLE IF NOT EXISTS notifications(id INTEGER PRIMARY KEY AUTOINCREMENT, thing TEXT NOT NULL, disconnected_at INTEGER NOT NULL, notified_at INTEGER NOT NULL, message TEXT NOT NULL)");
        Load();
    }

    /// <summary>Raised after a notification is stored (outside the notifier's lock).</summary>
    public event Action<Notification>? Notified;

    public IReadOnlyList<Notification> Notifications
    {
        get
        {
            lock (_gate)
            {
                return [.. _notifications];
            }
        }
    }

    public int PendingChecks
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Feed every classic shadow's <c>/update/documents</c> message here.</summary>
    public void OnDocuments(ShadowId id, ReadOnlySpan<byte> payload)
    {
        if (id.ShadowName is not null)
        {
            return;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(payload);
        }
        catch (System.Text.Json.JsonException)
        {
            return;
        }

        if (Connected(root?["previous"]) != true || Connected(root?["current"]) != false)
        {
            return;
        }

        var flagTimestamp = root?["current"]?["metadata"]?["reported"]?["connected"]?["timestamp"] is JsonValue ts && ts.TryGetValue<long>(out var t) ? t : 0;
        OnDisconnected(id.ThingName, flagTimestamp);
    }

    /// <summary>
    /// A thing's reported.connected went true -> false with this metadata timestamp (epoch seconds): the
    /// rules' <c>localDisconnectNotifier</c> action, after its SQL checked the transition.
    /// </summary>
    public void OnDisconnected(string thing, long flagTimestamp)
    {
        ArgumentException.ThrowIfNullOrEmpty(thing);
        var dueAt = _time.GetUtcNow().ToUnixTimeMilliseconds() + (long)_grace.TotalMilliseconds;
        lock (_gate)
        {
            Schedule(thing, dueAt, flagTimestamp);
            Persist(thing, dueAt, flagTimestamp);
        }

        _log.LogInformation("Thing {Thing} reported connected=false; checking again in {Grace} s before notifying.", thing, _grace.TotalSeconds);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var pending in _pending.Values)
            {
                pending.Timer.Dispose();
            }

            _pending.Clear();
            _connection.Dispose();
        }
    }

    private void Persist(string thing, long dueAt, long flagTimestamp)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO pending_checks(thing, due_at, flag_timestamp) VALUES ($t, $d, $f)";
        command.Parameters.AddWithValue("$t", thing);
        command.Parameters.AddWithValue("$d", dueAt);
        command.Parameters.AddWithValue("$f", flagTimestamp);
        command.ExecuteNonQuery();
    }

    private void Schedule(string thing, long dueAt, long flagTimestamp)
    {
        if (_pending.Remove(thing, out var earlier))
        {
            earlier.Timer.Dispose();
        }

        var delay = TimeSpan.FromMilliseconds(Math.Max(0, dueAt - _time.GetUtcNow().ToUnixTimeMilliseconds()));
        var timer = _time.CreateTimer(_ => Check(thing, flagTimestamp), null, delay, Timeout.InfiniteTimeSpan);
        _pending[thing] = (dueAt, flagTimestamp, timer);
    }

    private void Check(string thing, long flagTimestamp)
    {
        Notification? notification = null;
        lock (_gate)
        {
            if (!_pending.TryGetValue(thing, out var pending) || pending.FlagTimestamp != flagTimestamp)
            {
                return; // Replaced by a newer outage.
            }

            pending.Timer.Dispose();
            _pending.Remove(thing);
            using (var delete = _connection.CreateCommand())
            {
                delete.CommandText = "DELETE FROM pending_checks WHERE thing = $t";
                delete.Parameters.AddWithValue("$t", thing);
                delete.ExecuteNonQuery();
            }

            var shadow = _shadows.Get(new ShadowId(thing, null), []);
            var root = shadow.StatusCode == 200 ? JsonNode.Parse(shadow.Body) : null;
            var stillOffline = root?["state"]?["reported"]?["connected"] is JsonValue flag && flag.TryGetValue<bool>(out var connected) && !connected;
            var sameOutage = root?["metadata"]?["reported"]?["connected"]?["timestamp"] is JsonValue ts && ts.TryGetValue<long>(out var t) && t == flagTimestamp;
            if (!stillOffline || !sameOutage)
            {
                _log.LogInformation("Thing {Thing} is back (or reported again) within the grace period; no notification.", thing);
                return;
            }

            var now = _time.GetUtcNow().ToUnixTimeSeconds();
            notification = new Notification(thing, flagTimestamp, now,
                "Thing " + thing + " has been offline since " + DateTimeOffset.FromUnixTimeSeconds(flagTimestamp).ToString("u", CultureInfo.InvariantCulture) + " (more than " + _grace.TotalSeconds + " s).");
            _notifications.Add(notification);
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO notifications(thing, disconnected_at, notified_at, message) VALUES ($t, $d, $n, $m)";
            command.Parameters.AddWithValue("$t", thing);
            command.Parameters.AddWithValue("$d", flagTimestamp);
            command.Parameters.AddWithValue("$n", now);
            command.Parameters.AddWithValue("$m", notification.Message);
            command.ExecuteNonQuery();
        }

        _log.LogWarning("NOTIFY thing={Thing} disconnectedAt={DisconnectedAt} message=\"{Message}\"", notification.Thing, notification.DisconnectedAt, notification.Message);
        Notified?.Invoke(notification);
        if (_webhook is not null)
        {
            _ = SendWebhookAsync(notification);
        }
    }

    private async Task SendWebhookAsync(Notification notification)
    {
        try
        {
            await _webhook!(notification).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            _log.LogError("The notification webhook failed for {Thing}: {Reason}", notification.Thing, ex.Message);
        }
    }

    private void Load()
    {
        using (var select = _connection.CreateCommand())
        {
            select.CommandText = "SELECT thing, disconnected_at, notified_at, message FROM notifications ORDER BY id";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                _notifications.Add(new Notification(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
            }
        }

        var pending = new List<(string, long, long)>();
        using (var select = _connection.CreateCommand())
        {
            select.CommandText = "SELECT thing, due_at, flag_timestamp FROM pending_checks";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                pending.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        // A check that fell due while LocalIotCore was not running gets a fresh grace period from
        // now: nobody watched meanwhile, and devices coming back with the cloud (the firmware's own
        // embedded mode starts both together) deserve the same chance to reconnect as after any outage.
        var earliest = _time.GetUtcNow().ToUnixTimeMilliseconds() + (long)_grace.TotalMilliseconds;
        lock (_gate)
        {
            foreach (var (thing, dueAt, flag) in pending)
            {
                if (dueAt < _time.GetUtcNow().ToUnixTimeMilliseconds())
                {
                    _log.LogInformation("The check for {Thing} fell due while LocalIotCore was stopped; checking again in {Grace} s.", thing, _grace.TotalSeconds);
                    Persist(thing, earliest, flag);
                    Schedule(thing, earliest, flag);
                }
                else
                {
                    Schedule(thing, dueAt, flag);
                }
            }
        }
    }

    private static bool? Connected(JsonNode? document) =>
        document?["state"]?["reported"]?["connected"] is JsonValue value && value.TryGetValue<bool>(out var connected) ? connected : null;

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The webhook body: the notification as JSON.</summary>
    public static byte[] WebhookBody(Notification notification) => Encoding.UTF8.GetBytes(notification.ToJson().ToJsonString());
}

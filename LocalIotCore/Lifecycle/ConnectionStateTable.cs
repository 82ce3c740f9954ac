using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace LocalIotCore.Lifecycle;

/// <summary>An AWS IoT lifecycle event (Developer Guide, "Lifecycle events").</summary>
public sealed record LifecycleEvent(
    string ClientId,
    bool Connected,
    long TimestampMilliseconds,
    string SessionIdentifier,
    string PrincipalIdentifier,
    long VersionNumber,
    string? IpAddress,
    bool ClientInitiatedDisconnect = false,
    string? DisconnectReason = null)
{
    public string Topic => "$aws/events/presence/" + (Connected ? "connected/" : "disconnected/") + ClientId;

    /// <summary>The event a lifecycle document describes (<see cref="ToJson"/>'s shape, AWS's), or null when it is not one.</summary>
    public static LifecycleEvent? FromJson(JsonNode? json)
    {
        if (json is not JsonObject o ||
            o["clientId"] is not JsonValue clientId || !clientId.TryGetValue<string>(out var client) ||
            o["eventType"] is not JsonValue eventType || !eventType.TryGetValue<string>(out var type) || type is not ("connected" or "disconnected") ||
            o["timestamp"] is not JsonValue timestamp || !timestamp.TryGetValue<long>(out var at) ||
            o["versionNumber"] is not JsonValue versionNumber || !versionNumber.TryGetValue<long>(out var version))
        {
            return null;
        }

        return new LifecycleEvent(
            client,
            type == "connected",
            at,
            (string?)o["sessionIdentifier"] ?? "",
            (string?)o["principalIdentifier"] ?? "",
            version,
            (string?)o["ipAddress"],
            o["clientInitiatedDisconnect"] is JsonValue initiated && initiated.TryGetValue<bool>(out var byClient) && byClient,
            (string?)o["disconnectReason"]);
    }

    public byte[] ToJson()
    {
        var json = new JsonObject
        {
            ["clientId"] = ClientId,
            ["timestamp"] = TimestampMilliseconds,
            ["eventType"] = Connected ? "connected" : "disconnected",
            ["sessionIdentifier"] = SessionIdentifier,
            ["principalIdentifier"] = PrincipalIdentifier,
            ["versionNumber"] = VersionNumber,
        };
        if (Connected)
        {
            json["ipAddress"] = IpAddress;
        }
        else
        {
            json["clientInitiatedDisconnect"] = ClientInitiatedDisconnect;
            json["disconnectReason"] = DisconnectReason;
        }

        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }
}

/// <summary>One lifecycle event as the connection table kept it; <paramref name="Stale"/>: a late event of an older session, which did not change the state.</summary>
public sealed record ConnectionEvent(string Thing, bool Connected, long AtMilliseconds, string? DisconnectReason, bool ClientInitiatedDisconnect, string SessionIdentifier, bool Stale)
{
    public JsonObject ToJson() => new()
    {
        ["thing"] = Thing,
        ["eventType"] = Connected ? "connected" : "disconnected",
        ["at"] = AtMilliseconds,
        ["disconnectReason"] = DisconnectReason,
        ["clientInitiatedDisconnect"] = Connected ? null : ClientInitiatedDisconnect,
        ["sessionIdentifier"] = SessionIdentifier,
        ["stale"] = Stale,
    };
}

/// <summary>One row of the connection-state table.</summary>
public sealed record ConnectionState(string Thing, bool Connected, long? LastConnectedMilliseconds, long? LastDisconnectedMilliseconds, string? LastDisconnectReason, string? SessionIdentifier);

/// <summary>
/// Connection state per thing, kept from lifecycle events and persisted. Events may arrive out of
/// order: a disconnect of an older session never overrides a newer session's connect (compared by
/// version number, as AWS recommends). The newest <see cref="EventsKept"/> events are kept too, for the
/// dashboard's "recent connection events".
/// </summary>
public sealed class ConnectionStateTable : IDisposable
{
    private readonly object _gate = new();
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, (ConnectionState State, long Version)> _rows = new(StringComparer.Ordinal);

    /// <summary>How many lifecycle events the table keeps (all things together).</summary>
    public const int EventsKept = 500;

    public ConnectionStateTable(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        _connection.Open();
        using (var create = _connection.CreateCommand())
        {
            create.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE IF NOT EXISTS connections(thing TEXT PRIMARY KEY, connected INTEGER NOT NULL, last_connect INTEGER, last_disconnect INTEGER, reason TEXT, session TEXT, version INTEGER NOT NULL); " +
                "CREATE TABLE IF NOT EXISTS connection_events(id INTEGER PRIMARY KEY, thing TEXT NOT NULL, connected INTEGER NOT NULL, at INTEGER NOT NULL, reason TEXT, client_initiated INTEGER NOT NULL, session TEXT NOT NULL, stale INTEGER NOT NULL)";
            create.ExecuteNonQuery();
        }

        using var select = _connection.CreateCommand();
        select.CommandText = "SELECT thing, connected, last_connect, last_disconnect, reason, session, version FROM connections";
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            var state = new ConnectionState(reader.GetString(0), reader.GetInt64(1) != 0,
                reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5));
            _rows[state.Thing] = (state, reader.GetInt64(6));
        }
    }

    /// <summary>Raised after each lifecycle event is recorded (outside the table's lock), with the thing's state after it.</summary>
    public event Action<ConnectionEvent, ConnectionState>? Recorded;

    /// <summary>The newest lifecycle events, newest first.</summary>
    public IReadOnlyList<ConnectionEvent> RecentEvents(int limit)
    {
        var events = new List<ConnectionEvent>();
        lock (_gate)
        {
            using var select = _connection.CreateCommand();
            select.CommandText = "SELECT thing, connected, at, reason, client_initiated, session, stale FROM connection_events ORDER BY id DESC LIMIT $limit";
            select.Parameters.AddWithValue("$limit", Math.Clamp(limit, 0, EventsKept));
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                events.Add(new ConnectionEvent(reader.GetString(0), reader.GetInt64(1) != 0, reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4) != 0, reader.GetString(5), reader.GetInt64(6) != 0));
            }
        }

        return events;
    }

    public IReadOnlyList<ConnectionState> All()
    {
        lock (_gate)
        {
            var all = new List<ConnectionState>();
            foreach (var row in _rows.Values)
            {
                all.Add(row.State);
            }

            all.Sort((a, b) => string.CompareOrdinal(a.Thing, b.Thing));
            return all;
        }
    }

    /// <summary>
    /// The highest lifecycle version number stored for a client id (0 if none), so a restarted
    /// broker continues after it instead of starting again at 1 and having its events seen as stale.
    /// </summary>
    public long StoredVersion(string clientId)
    {
        lock (_gate)
        {
            return _rows.TryGetValue(clientId, out var row) ? row.Version : 0;
        }
    }

    public ConnectionState? Find(string thing)
    {
        lock (_gate)
        {
            return _rows.TryGetValue(thing, out var row) ? row.State : null;
        }
    }

    public void Record(LifecycleEvent lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        ConnectionEvent recorded;
        ConnectionState after;
        lock (_gate)
        {
            _rows.TryGetValue(lifecycle.ClientId, out var existing);
            // A late event of an older session does not change the state; it is still an event that happened.
            var stale = existing.State is not null && lifecycle.VersionNumber < existing.Version;
            recorded = new ConnectionEvent(lifecycle.ClientId, lifecycle.Connected, lifecycle.TimestampMilliseconds, lifecycle.DisconnectReason, lifecycle.ClientInitiatedDisconnect, lifecycle.SessionIdentifier, stale);
            AppendEvent(recorded);
            if (stale)
            {
                after = existing.State!;
            }
            else
            {
                var previous = existing.State;
                after = lifecycle.Connected
                    ? new ConnectionState(lifecycle.ClientId, true, lifecycle.TimestampMilliseconds, previous?.LastDisconnectedMilliseconds, previous?.LastDisconnectReason, lifecycle.SessionIdentifier)
                    : new ConnectionState(lifecycle.ClientId, false, previous?.LastConnectedMilliseconds, lifecycle.TimestampMilliseconds, lifecycle.DisconnectReason, lifecycle.SessionIdentifier);
                _rows[lifecycle.ClientId] = (after, lifecycle.VersionNumber);
                using var command = _connection.CreateCommand();
                command.CommandText = "INSERT OR REPLACE INTO connections(thing, connected, last_connect, last_disconnect, reason, session, version) VALUES ($t, $c, $lc, $ld, $r, $s, $v)";
                command.Parameters.AddWithValue("$t", after.Thing);
                command.Parameters.AddWithValue("$c", after.Connected ? 1 : 0);
                command.Parameters.AddWithValue("$lc", (object?)after.LastConnectedMilliseconds ?? DBNull.Value);
                command.Parameters.AddWithValue("$ld", (object?)after.LastDisconnectedMilliseconds ?? DBNull.Value);
                command.Parameters.AddWithValue("$r", (object?)after.LastDisconnectReason ?? DBNull.Value);
                command.Parameters.AddWithValue("$s", (object?)after.SessionIdentifier ?? DBNull.Value);
                command.Parameters.AddWithValue("$v", lifecycle.VersionNumber);
                command.ExecuteNonQuery();
            }
        }

        Recorded?.Invoke(recorded, after);
    }

    private void AppendEvent(ConnectionEvent recorded)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT INTO connection_events(thing, connected, at, reason, client_initiated, session, stale) VALUES ($t, $c, $at, $r, $ci, $s, $st); " +
            "DELETE FROM connection_events WHERE id <= (SELECT MAX(id) FROM connection_events) - $kept";
        command.Parameters.AddWithValue("$t", recorded.Thing);
        command.Parameters.AddWithValue("$c", recorded.Connected ? 1 : 0);
        command.Parameters.AddWithValue("$at", recorded.AtMilliseconds);
        command.Parameters.AddWithValue("$r", (object?)recorded.DisconnectReason ?? DBNull.Value);
        command.Parameters.AddWithValue("$ci", recorded.ClientInitiatedDisconnect ? 1 : 0);
        command.Parameters.AddWithValue("$s", recorded.SessionIdentifier);
        command.Parameters.AddWithValue("$st", recorded.Stale ? 1 : 0);
        command.Parameters.AddWithValue("$kept", EventsKept);
        command.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}

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

/// <summary>One row of the connection-state table.</summary>
public sealed record ConnectionState(string Thing, bool Connected, long? LastConnectedMilliseconds, long? LastDisconnectedMilliseconds, string? LastDisconnectReason, string? SessionIdentifier);

/// <summary>
/// Connection state per thing, kept from lifecycle events and persisted. Events may arrive out of
/// order: a disconnect of an older session never overrides a newer session's connect (compared by
/// version number, as AWS recommends).
/// </summary>
public sealed class ConnectionStateTable : IDisposable
{
    private readonly object _gate = new();
    private readonly SqliteConnection _connection;
    private readonly Dictionary<string, (ConnectionState State, long Version)> _rows = new(StringComparer.Ordinal);

    public ConnectionStateTable(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        _connection.Open();
        using (var create = _connection.CreateCommand())
        {
            create.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE IF NOT EXISTS connections(thing TEXT PRIMARY KEY, connected INTEGER NOT NULL, last_connect INTEGER, last_disconnect INTEGER, reason TEXT, session TEXT, version INTEGER NOT NULL)";
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
        lock (_gate)
        {
            _rows.TryGetValue(lifecycle.ClientId, out var existing);
            if (existing.State is not null && lifecycle.VersionNumber < existing.Version)
            {
                return; // A late event of an older session.
            }

            var previous = existing.State;
            var state = lifecycle.Connected
                ? new ConnectionState(lifecycle.ClientId, true, lifecycle.TimestampMilliseconds, previous?.LastDisconnectedMilliseconds, previous?.LastDisconnectReason, lifecycle.SessionIdentifier)
                : new ConnectionState(lifecycle.ClientId, false, previous?.LastConnectedMilliseconds, lifecycle.TimestampMilliseconds, lifecycle.DisconnectReason, lifecycle.SessionIdentifier);
            _rows[lifecycle.ClientId] = (state, lifecycle.VersionNumber);
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT OR REPLACE INTO connections(thing, connected, last_connect, last_disconnect, reason, session, version) VALUES ($t, $c, $lc, $ld, $r, $s, $v)";
            command.Parameters.AddWithValue("$t", state.Thing);
            command.Parameters.AddWithValue("$c", state.Connected ? 1 : 0);
            command.Parameters.AddWithValue("$lc", (object?)state.LastConnectedMilliseconds ?? DBNull.Value);
            command.Parameters.AddWithValue("$ld", (object?)state.LastDisconnectedMilliseconds ?? DBNull.Value);
            command.Parameters.AddWithValue("$r", (object?)state.LastDisconnectReason ?? DBNull.Value);
            command.Parameters.AddWithValue("$s", (object?)state.SessionIdentifier ?? DBNull.Value);
            command.Parameters.AddWithValue("$v", lifecycle.VersionNumber);
            command.ExecuteNonQuery();
        }
    }

    public void Dispose() => _connection.Dispose();
}

using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Telemetry;

/// <summary>One stored telemetry message.</summary>
public sealed record OutboxEntry(long Sequence, string Topic, byte[] Payload, DateTimeOffset EnqueuedAt);

/// <summary>
/// The durable telemetry outbox: a bounded SQLite table (WAL journal) of messages not yet
/// acknowledged by the broker. When full, the oldest entries are dropped and counted. The highest
/// seq ever stored is kept apart from the entries, so seq stays monotonic even after the outbox
/// empties and the process restarts.
/// Thread-safe: every call takes one lock (the agent loop enqueues, the publisher peeks/removes).
/// </summary>
public sealed class TelemetryOutbox : IDisposable
{
    private readonly object _gate = new();
    private readonly string _path;
    private readonly int _capacity;
    private readonly ILogger _log;
    private SqliteConnection _connection;
    private long _lastSequence;
    private int _count;

    public TelemetryOutbox(string databasePath, int capacity, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _path = Path.GetFullPath(databasePath);
        _capacity = capacity;
        _log = logger ?? throw new ArgumentNullException(nameof(logger));
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _connection = OpenOrRecover();
    }

    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _lastSequence;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Entries dropped because the outbox was full, since this instance opened.</summary>
    public long Dropped { get; private set; }

    /// <summary>Stores a message. Returns how many of the oldest entries were dropped to make room.</summary>
    public int Enqueue(long sequence, string topic, ReadOnlyMemory<byte> payload, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        lock (_gate)
        {
            if (sequence <= _lastSequence)
            {
                throw new InvalidOperationException("Telemetry seq " + sequence + " is not above the last stored seq " + _lastSequence + "; seq must only grow.");
            }

            using var transaction = _connection.BeginTransaction();
            Execute(transaction, "INSERT INTO outbox(seq, topic, payload, enqueued_at) VALUES ($seq, $topic, $payload, $at)",
                ("$seq", sequence), ("$topic", topic), ("$payload", payload.ToArray()), ("$at", at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
            Execute(transaction, "UPDATE meta SET value = $seq WHERE key = 'last_seq'", ("$seq", sequence));
            var dropped = 0;
            if (_count + 1 > _capacity)
            {
                dropped = _count + 1 - _capacity;
                Execute(transaction, "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT $n)", ("$n", dropped));
            }

            transaction.Commit();
            _lastSequence = sequence;
            _count = _count + 1 - dropped;
            if (dropped > 0)
            {
                Dropped += dropped;
                _log.LogWarning("Telemetry outbox full ({Capacity} entries): dropped the {Dropped} oldest; {Total} dropped since start.", _capacity, dropped, Dropped);
            }

            return dropped;
        }
    }

    /// <summary>The oldest entries, in seq order.</summary>
    public IReadOnlyList<OutboxEntry> PeekOldest(int max)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT seq, topic, payload, enqueued_at FROM outbox ORDER BY seq LIMIT $n";
            command.Parameters.AddWithValue("$n", max);
            using var reader = command.ExecuteReader();
            var entries = new List<OutboxEntry>();
            while (reader.Read())
            {
                entries.Add(new OutboxEntry(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    (byte[])reader.GetValue(2),
                    DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
            }

            return entries;
        }
    }

    /// <summary>Removes an entry once the broker acknowledged it (PUBACK). Removing a missing one is harmless.</summary>
    public void Remove(long sequence)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM outbox WHERE seq = $seq";
            command.Parameters.AddWithValue("$seq", sequence);
            _count -= command.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }

    private SqliteConnection OpenOrRecover()
    {
        try
        {
            return Open();
        }
        catch (SqliteException ex)
        {
            // A corrupt file must not keep the device from starting: keep it for inspection, start anew.
            var aside = _path + ".corrupt-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
            SqliteConnection.ClearAllPools();
            File.Move(_path, aside);
            foreach (var suffix in new[] { "-wal", "-shm" })
            {
                if (File.Exists(_path + suffix))
                {
                    File.Move(_path + suffix, aside + suffix);
                }
            }

            _log.LogError("The telemetry outbox '{Path}' could not be opened ({Reason}). It was moved to '{Aside}' and a new, empty outbox started: the telemetry stored in it is lost to this device.", _path, ex.Message, aside);
            return Open();
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            // WAL lets the publisher read while the agent writes; synchronous=FULL makes a committed
            // reading survive a power cut too (the device's usual way to die), at one fsync per reading.
            Execute(connection, "PRAGMA journal_mode=WAL");
            Execute(connection, "PRAGMA synchronous=FULL");
            Execute(connection, "CREATE TABLE IF NOT EXISTS outbox(seq INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, enqueued_at TEXT NOT NULL)");
            Execute(connection, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            Execute(connection, "INSERT OR IGNORE INTO meta(key, value) VALUES ('last_seq', 0)");
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT (SELECT value FROM meta WHERE key = 'last_seq'), (SELECT COALESCE(MAX(seq), 0) FROM outbox), (SELECT COUNT(*) FROM outbox)";
                using var reader = command.ExecuteReader();
                reader.Read();
                _lastSequence = Math.Max(reader.GetInt64(0), reader.GetInt64(1));
                _count = reader.GetInt32(2);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private void Execute(SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}

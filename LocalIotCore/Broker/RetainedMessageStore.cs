using Microsoft.Data.Sqlite;

namespace LocalIotCore.Broker;

/// <summary>A retained message as AWS's GetRetainedMessage describes it (lastModifiedTime in epoch milliseconds).</summary>
public sealed record RetainedMessage(string Topic, byte[] Payload, int Qos, long LastModifiedMilliseconds);

/// <summary>
/// The broker's retained messages in a SQLite file in LocalIotCore's data directory, so they outlive
/// a restart as on AWS, and with the time each was stored, which MQTTnet does not keep. MQTTnet
/// decides what is retained (a retained publish stores, an empty one clears); this keeps what it decided.
/// </summary>
public sealed class RetainedMessageStore : IDisposable
{
    private readonly object _gate = new();
    private readonly SqliteConnection _connection;

    public RetainedMessageStore(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE IF NOT EXISTS retained(topic TEXT PRIMARY KEY, payload BLOB NOT NULL, qos INTEGER NOT NULL, modified INTEGER NOT NULL)";
        create.ExecuteNonQuery();
    }

    public void Put(RetainedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT OR REPLACE INTO retained(topic, payload, qos, modified) VALUES ($t, $p, $q, $m)";
            command.Parameters.AddWithValue("$t", message.Topic);
            command.Parameters.AddWithValue("$p", message.Payload);
            command.Parameters.AddWithValue("$q", message.Qos);
            command.Parameters.AddWithValue("$m", message.LastModifiedMilliseconds);
            command.ExecuteNonQuery();
        }
    }

    public void Delete(string topic)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM retained WHERE topic = $t";
            command.Parameters.AddWithValue("$t", topic);
            command.ExecuteNonQuery();
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM retained";
            command.ExecuteNonQuery();
        }
    }

    public RetainedMessage? Find(string topic)
    {
        var found = Query("WHERE topic = $t", topic, 1);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Up to <paramref name="limit"/> messages after <paramref name="afterTopic"/> (null = from the start), in ordinal topic order.</summary>
    public IReadOnlyList<RetainedMessage> List(string? afterTopic, int limit) => Query("WHERE topic > $t", afterTopic ?? "", limit);

    private List<RetainedMessage> Query(string where, string topic, int limit)
    {
        var messages = new List<RetainedMessage>();
        lock (_gate)
        {
            using var select = _connection.CreateCommand();
            // BINARY collation: the ordinal order that nextToken relies on.
            select.CommandText = "SELECT topic, payload, qos, modified FROM retained " + where + " ORDER BY topic LIMIT $limit";
            select.Parameters.AddWithValue("$t", topic);
            select.Parameters.AddWithValue("$limit", limit);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                messages.Add(new RetainedMessage(reader.GetString(0), (byte[])reader.GetValue(1), reader.GetInt32(2), reader.GetInt64(3)));
            }
        }

        return messages;
    }

    public void Dispose() => _connection.Dispose();
}

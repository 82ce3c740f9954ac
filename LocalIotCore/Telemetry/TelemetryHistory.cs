using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace LocalIotCore.Telemetry;

/// <summary>One telemetry message as LocalIotCore received it: when (its own clock) and the JSON object.</summary>
public sealed record TelemetryPoint(long ReceivedAtMilliseconds, string Json);

/// <summary>
/// The devices' telemetry (<c>things/{thing}/telemetry</c>) kept per thing in SQLite for the dashboard,
/// bounded to the newest <see cref="PointsPerThing"/> messages of each thing. Only JSON objects up to
/// <see cref="MaximumPayloadBytes"/> are kept; anything else is refused with a reason (nothing in the
/// store depends on a payload's fields, so a device sending other fields loses nothing).
/// </summary>
public sealed class TelemetryHistory : IDisposable
{
    /// <summary>Two hours at one message per second: the dashboard draws the last hour.</summary>
    public const int DefaultPointsPerThing = 7200;

    /// <summary>AWS IoT's MQTT payload limit is 128 KB; a telemetry reading is ~200 bytes, so 8 KB is generous.</summary>
    public const int MaximumPayloadBytes = 8 * 1024;

    /// <summary>Prune a thing's rows once this many were added since its last prune (one DELETE per batch, not per insert).</summary>
    private const int PruneEvery = 64;

    private readonly object _gate = new();
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly Dictionary<string, int> _sincePrune = new(StringComparer.Ordinal);

    public TelemetryHistory(string databasePath, int pointsPerThing = DefaultPointsPerThing)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerThing, 1);
        PointsPerThing = pointsPerThing;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        _connection.Open();
        using (var create = _connection.CreateCommand())
        {
            // As the shadow store: WAL without an fsync per row survives LocalIotCore being killed.
            create.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; " +
                "CREATE TABLE IF NOT EXISTS telemetry(id INTEGER PRIMARY KEY, thing TEXT NOT NULL, received_at INTEGER NOT NULL, payload TEXT NOT NULL); " +
                "CREATE INDEX IF NOT EXISTS telemetry_by_thing ON telemetry(thing, id)";
            create.ExecuteNonQuery();
        }

        _insert = _connection.CreateCommand();
        _insert.CommandText = "INSERT INTO telemetry(thing, received_at, payload) VALUES ($t, $at, $p)";
        _insert.Parameters.Add("$t", SqliteType.Text);
        _insert.Parameters.Add("$at", SqliteType.Integer);
        _insert.Parameters.Add("$p", SqliteType.Text);
    }

    public int PointsPerThing { get; }

    /// <summary>Checks and stores one message.</summary>
    /// <param name="refusal">Why the message was not stored, when it was not.</param>
    /// <returns>The stored point, or null when the payload was refused.</returns>
    public TelemetryPoint? Record(string thing, ReadOnlySpan<byte> payload, long receivedAtMilliseconds, out string? refusal)
    {
        ArgumentException.ThrowIfNullOrEmpty(thing);
        refusal = Check(payload);
        if (refusal is not null)
        {
            return null;
        }

        var point = new TelemetryPoint(receivedAtMilliseconds, Encoding.UTF8.GetString(payload));
        lock (_gate)
        {
            _insert.Parameters["$t"].Value = thing;
            _insert.Parameters["$at"].Value = receivedAtMilliseconds;
            _insert.Parameters["$p"].Value = point.Json;
            _insert.ExecuteNonQuery();
            _sincePrune.TryGetValue(thing, out var added);
            if (++added >= PruneEvery)
            {
                Prune(thing);
                added = 0;
            }

            _sincePrune[thing] = added;
        }

        return point;
    }

    /// <summary>The thing's points received at or after <paramref name="sinceMilliseconds"/>, oldest first, at most <paramref name="limit"/> (the newest ones).</summary>
    public IReadOnlyList<TelemetryPoint> Since(string thing, long sinceMilliseconds, int limit)
    {
        var points = new List<TelemetryPoint>();
        lock (_gate)
        {
            using var select = _connection.CreateCommand();
            // Newest first with the limit, then reversed: a long history gives its latest part, not its start.
            select.CommandText = "SELECT received_at, payload FROM telemetry WHERE thing = $t AND received_at >= $since ORDER BY id DESC LIMIT $limit";
            select.Parameters.AddWithValue("$t", thing);
            select.Parameters.AddWithValue("$since", sinceMilliseconds);
            select.Parameters.AddWithValue("$limit", Math.Min(limit, PointsPerThing));
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                points.Add(new TelemetryPoint(reader.GetInt64(0), reader.GetString(1)));
            }
        }

        points.Reverse();
        return points;
    }

    public void Dispose()
    {
        _insert.Dispose();
        _connection.Dispose();
    }

    private static string? Check(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaximumPayloadBytes)
        {
            return "the payload is " + payload.Length + " bytes; telemetry is kept up to " + MaximumPayloadBytes + " bytes";
        }

        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            // Utf8JsonReader does not check the bytes inside strings; stored as text they would change.
            return "the payload is not valid UTF-8, so not valid JSON";
        }

        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "the payload is not a JSON object";
            }

            // Skip reads to the end of the object; the reader refuses anything after it.
            reader.Skip();
            reader.Read();
        }
        catch (JsonException ex)
        {
            return "the payload is not valid JSON (" + ex.Message + ")";
        }

        return null;
    }

    private void Prune(string thing)
    {
        using var delete = _connection.CreateCommand();
        delete.CommandText = "DELETE FROM telemetry WHERE thing = $t AND id <= (SELECT id FROM telemetry WHERE thing = $t ORDER BY id DESC LIMIT 1 OFFSET $keep)";
        delete.Parameters.AddWithValue("$t", thing);
        delete.Parameters.AddWithValue("$keep", PointsPerThing);
        delete.ExecuteNonQuery();
    }
}

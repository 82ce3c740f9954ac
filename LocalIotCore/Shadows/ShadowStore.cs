using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace LocalIotCore.Shadows;

/// <summary>One shadow as stored: its sections, their metadata, version, and whether it was deleted
/// (a deleted shadow keeps its version, so a re-created one continues the numbering).</summary>
public sealed record StoredShadow(
    ShadowId Id,
    JsonObject Desired,
    JsonObject Reported,
    JsonObject DesiredMetadata,
    JsonObject ReportedMetadata,
    long Version,
    long Timestamp,
    bool Deleted);

/// <summary>Where shadows live between restarts.</summary>
public interface IShadowStore
{
    IReadOnlyList<StoredShadow> LoadAll();

    void Save(StoredShadow shadow);
}

/// <summary>Shadows in memory only (unit tests).</summary>
public sealed class InMemoryShadowStore : IShadowStore
{
    private readonly Dictionary<ShadowId, StoredShadow> _shadows = [];

    public IReadOnlyList<StoredShadow> LoadAll() => [.. _shadows.Values];

    public void Save(StoredShadow shadow) => _shadows[shadow.Id] = shadow;
}

/// <summary>Shadows in a SQLite file (WAL) in LocalIotCore's data directory.</summary>
public sealed class SqliteShadowStore : IShadowStore, IDisposable
{
    private readonly SqliteConnection _connection;

    public SqliteShadowStore(string databasePath)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        _connection.Open();
        // WAL with synchronous=NORMAL: a commit survives LocalIotCore being killed (the tests kill it),
        // only an OS crash or power loss may lose the last ones. FULL fsyncs every shadow update: the
        // actuation benchmark measured p50/p90/p99 3.6/10.8/17.4 ms with it, 2.2/5.5/9.6 ms without.
        Execute("PRAGMA journal_mode=WAL");
        Execute("PRAGMA synchronous=NORMAL");
        Execute("CREATE TABLE IF NOT EXISTS shadows(thing TEXT NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL, version INTEGER NOT NULL, timestamp INTEGER NOT NULL, deleted INTEGER NOT NULL, PRIMARY KEY(thing, name))");
    }

    public IReadOnlyList<StoredShadow> LoadAll()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT thing, name, document, version, timestamp, deleted FROM shadows";
        using var reader = command.ExecuteReader();
        var shadows = new List<StoredShadow>();
        while (reader.Read())
        {
            var name = reader.GetString(1);
            var document = JsonNode.Parse(reader.GetString(2))!.AsObject();
            shadows.Add(new StoredShadow(
                new ShadowId(reader.GetString(0), name.Length == 0 ? null : name),
                Section(document, "desired"),
                Section(document, "reported"),
                Section(document, "desiredMetadata"),
                Section(document, "reportedMetadata"),
                reader.GetInt64(3),
                reader.GetInt64(4),
                reader.GetInt64(5) != 0));
        }

        return shadows;
    }

    public void Save(StoredShadow shadow)
    {
        ArgumentNullException.ThrowIfNull(shadow);
        var document = new JsonObject
        {
            ["desired"] = shadow.Desired.DeepClone(),
            ["reported"] = shadow.Reported.DeepClone(),
            ["desiredMetadata"] = shadow.DesiredMetadata.DeepClone(),
            ["reportedMetadata"] = shadow.ReportedMetadata.DeepClone(),
        };
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO shadows(thing, name, document, version, timestamp, deleted) VALUES ($thing, $name, $document, $version, $timestamp, $deleted)";
        command.Parameters.AddWithValue("$thing", shadow.Id.ThingName);
        command.Parameters.AddWithValue("$name", shadow.Id.ShadowName ?? "");
        command.Parameters.AddWithValue("$document", document.ToJsonString());
        command.Parameters.AddWithValue("$version", shadow.Version);
        command.Parameters.AddWithValue("$timestamp", shadow.Timestamp);
        command.Parameters.AddWithValue("$deleted", shadow.Deleted ? 1 : 0);
        command.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();

    private static JsonObject Section(JsonObject document, string name) =>
        document[name] is JsonObject section ? (JsonObject)section.DeepClone() : [];

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace LocalIotCore.CredentialsProvider;

/// <summary>
/// Temporary credentials the credentials provider issued, with what they were issued for: the role
/// alias, the thing named in <c>x-amzn-iot-thingname</c> (null when none was sent) and the certificate.
/// </summary>
public sealed record IssuedCredentials(string AccessKeyId, string SecretAccessKey, string SessionToken, DateTime ExpirationUtc, string RoleAlias, string? ThingName, string CertificateId);

/// <summary>
/// The temporary credentials issued so far, persisted in SQLite so that a device's credentials survive a
/// restart of LocalIotCore as they survive anything on AWS. Rows expired for more than
/// <see cref="ExpiredKept"/> are dropped on each issue (until then a late request hears ExpiredToken).
/// Thread-safe.
/// </summary>
public sealed class TemporaryCredentialStore : IDisposable
{
    /// <summary>AWS's temporary access key ids start with ASIA (long-term ones with AKIA).</summary>
    public const string AccessKeyIdPrefix = "ASIA";

    /// <summary>How long expired credentials are still known, so their use is answered ExpiredToken rather than InvalidAccessKeyId.</summary>
    public static readonly TimeSpan ExpiredKept = TimeSpan.FromDays(1);

    private const string AccessKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private readonly object _gate = new();
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;

    public TemporaryCredentialStore(string databasePath, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false }.ToString());
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE IF NOT EXISTS issued_credentials(access_key_id TEXT PRIMARY KEY, secret TEXT NOT NULL, session_token TEXT NOT NULL, expires INTEGER NOT NULL, role_alias TEXT NOT NULL, thing TEXT, certificate_id TEXT NOT NULL)";
        create.ExecuteNonQuery();
    }

    /// <summary>Issues new credentials valid for <paramref name="duration"/> from now. Randomness: the OS's CSPRNG (these are secrets).</summary>
    public IssuedCredentials Issue(string roleAlias, string? thingName, string certificateId, TimeSpan duration)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        // AWS answers expirations to the second; keep the stored one equal to the one the device sees.
        var expires = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc) + duration;
        var issued = new IssuedCredentials(
            AccessKeyIdPrefix + RandomNumberGenerator.GetString(AccessKeyAlphabet, 16),
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)),
            Convert.ToBase64String(RandomNumberGenerator.GetBytes(96)),
            expires, roleAlias, thingName, certificateId);
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM issued_credentials WHERE expires < $now; INSERT INTO issued_credentials(access_key_id, secret, session_token, expires, role_alias, thing, certificate_id) VALUES ($id, $secret, $token, $expires, $alias, $thing, $certificate)";
            command.Parameters.AddWithValue("$now", (now - ExpiredKept).Ticks);
            command.Parameters.AddWithValue("$id", issued.AccessKeyId);
            command.Parameters.AddWithValue("$secret", issued.SecretAccessKey);
            command.Parameters.AddWithValue("$token", issued.SessionToken);
            command.Parameters.AddWithValue("$expires", issued.ExpirationUtc.Ticks);
            command.Parameters.AddWithValue("$alias", roleAlias);
            command.Parameters.AddWithValue("$thing", (object?)thingName ?? DBNull.Value);
            command.Parameters.AddWithValue("$certificate", certificateId);
            command.ExecuteNonQuery();
        }

        return issued;
    }

    /// <summary>The credentials with this access key id (expired ones too, so the caller can answer ExpiredToken), or null.</summary>
    public IssuedCredentials? Find(string accessKeyId)
    {
        lock (_gate)
        {
            using var select = _connection.CreateCommand();
            select.CommandText = "SELECT access_key_id, secret, session_token, expires, role_alias, thing, certificate_id FROM issued_credentials WHERE access_key_id = $id";
            select.Parameters.AddWithValue("$id", accessKeyId);
            using var reader = select.ExecuteReader();
            return reader.Read()
                ? new IssuedCredentials(reader.GetString(0), reader.GetString(1), reader.GetString(2), new DateTime(reader.GetInt64(3), DateTimeKind.Utc), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6))
                : null;
        }
    }

    public void Dispose() => _connection.Dispose();
}

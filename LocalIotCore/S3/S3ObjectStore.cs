using System.Security.Cryptography;
using DeviceFirmware.Cloud;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalIotCore.S3;

/// <summary>One stored object's metadata; <paramref name="ETag"/> is quoted MD5 hex, as S3 answers it for a single-part upload.</summary>
public sealed record S3Object(string Bucket, string Key, long Size, string ETag, string Sha256Hex, string ContentType, DateTime LastModifiedUtc, string FileName);

/// <summary>Raised after each successful PutObject: what an S3 event notification (s3:ObjectCreated:Put) would carry, plus the SHA-256.</summary>
public sealed record S3ObjectCreated(string Bucket, string Key, long Size, string Sha256Hex, string ETag);

public enum PutOutcome
{
    Stored,
    NoSuchBucket,
    TooLarge,
    Sha256Mismatch,
    Md5Mismatch,

    /// <summary>An x-amz-checksum-* header or trailer did not match the body (<see cref="PutResult.FailedChecksum"/> names it).</summary>
    ChecksumMismatch,
}

/// <summary>The result of a put: the object when stored, and the hashes computed either way.</summary>
public sealed record PutResult(PutOutcome Outcome, S3Object? Stored, string Sha256Hex, string Md5Hex, string? FailedChecksum = null);

/// <summary>
/// Buckets and objects in the data directory: each object's bytes in a file of its own under
/// <c>objects/</c> (streamed to <c>incoming/</c> first, hashed on the way, then moved into place, so a
/// reader never sees half an object), metadata in SQLite (<c>s3.db</c>). An overwrite stores a new file
/// and swaps the row; the old file goes after (a reader that opened it keeps reading it). Thread-safe.
/// </summary>
public sealed class S3ObjectStore : IDisposable
{
    private readonly object _gate = new();
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly string _objects;
    private readonly string _incoming;

    public S3ObjectStore(string directory, TimeProvider time, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _log = log ?? NullLogger.Instance;
        _objects = Path.Combine(directory, "objects");
        _incoming = Path.Combine(directory, "incoming");
        Directory.CreateDirectory(_objects);
        // Leftovers of puts that a stop interrupted.
        if (Directory.Exists(_incoming))
        {
            Directory.Delete(_incoming, recursive: true);
        }

        Directory.CreateDirectory(_incoming);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "s3.db"), Pooling = false }.ToString());
        _connection.Open();
        using var create = _connection.CreateCommand();
        create.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE IF NOT EXISTS buckets(name TEXT PRIMARY KEY, created INTEGER NOT NULL); " +
            "CREATE TABLE IF NOT EXISTS objects(bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, sha256 TEXT NOT NULL, content_type TEXT NOT NULL, modified INTEGER NOT NULL, file TEXT NOT NULL, PRIMARY KEY(bucket, key))";
        create.ExecuteNonQuery();
    }

    /// <summary>
    /// Raised after each successful PutObject, synchronously on the request's thread before the response
    /// is sent (so a test that awaits its put sees the event raised); handlers queue slow work. A handler's
    /// exception is logged and does not fail the put.
    /// </summary>
    public event Action<S3ObjectCreated>? ObjectCreated;

    /// <summary>False when the bucket exists already.</summary>
    public bool CreateBucket(string name)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT OR IGNORE INTO buckets(name, created) VALUES ($name, $created)";
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$created", _time.GetUtcNow().UtcDateTime.Ticks);
            return command.ExecuteNonQuery() == 1;
        }
    }

    public bool BucketExists(string name)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT 1 FROM buckets WHERE name = $name";
            command.Parameters.AddWithValue("$name", name);
            return command.ExecuteScalar() is not null;
        }
    }

    /// <summary>Every bucket and when it was created, by name.</summary>
    public IReadOnlyList<(string Name, DateTime CreatedUtc)> Buckets()
    {
        var buckets = new List<(string, DateTime)>();
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT name, created FROM buckets ORDER BY name";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                buckets.Add((reader.GetString(0), new DateTime(reader.GetInt64(1), DateTimeKind.Utc)));
            }
        }

        return buckets;
    }

    /// <summary>Null when deleted; else why not (NoSuchBucket, BucketNotEmpty).</summary>
    public S3Error? DeleteBucket(string name)
    {
        lock (_gate)
        {
            if (!BucketExists(name))
            {
                return S3Error.NoSuchBucket(name);
            }

            using var count = _connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM objects WHERE bucket = $name";
            count.Parameters.AddWithValue("$name", name);
            if ((long)count.ExecuteScalar()! > 0)
            {
                return S3Error.BucketNotEmpty(name);
            }

            using var delete = _connection.CreateCommand();
            delete.CommandText = "DELETE FROM buckets WHERE name = $name";
            delete.Parameters.AddWithValue("$name", name);
            delete.ExecuteNonQuery();
            return null;
        }
    }

    /// <summary>
    /// Streams <paramref name="body"/> to a staging file while counting and hashing it (SHA-256, MD5), and
    /// stores it only when it is within <paramref name="maximumBytes"/> and matches the hashes the client
    /// gave (<paramref name="expectedSha256Hex"/>: a signed x-amz-content-sha256; <paramref name="expectedMd5"/>: Content-MD5;
    /// <paramref name="verifyAfterRead"/>, when given, names a failed check of its own once the body is read, or returns null).
    /// </summary>
    public async Task<PutResult> PutAsync(string bucket, string key, Stream body, string contentType, long maximumBytes, string? expectedSha256Hex, byte[]? expectedMd5, Func<string?>? verifyAfterRead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!BucketExists(bucket))
        {
            return new PutResult(PutOutcome.NoSuchBucket, null, "", "");
        }

        var fileName = Guid.NewGuid().ToString("N");
        var staging = Path.Combine(_incoming, fileName);
        try
        {
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            long size = 0;
            await using (var file = new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    size += read;
                    if (size > maximumBytes)
                    {
                        return new PutResult(PutOutcome.TooLarge, null, "", "");
                    }

                    sha256.AppendData(buffer, 0, read);
                    md5.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }

            var sha256Hex = SigV4.Hex(sha256.GetHashAndReset());
            var md5Bytes = md5.GetHashAndReset();
            var md5Hex = SigV4.Hex(md5Bytes);
            if (expectedSha256Hex is not null && !string.Equals(expectedSha256Hex, sha256Hex, StringComparison.OrdinalIgnoreCase))
            {
                return new PutResult(PutOutcome.Sha256Mismatch, null, sha256Hex, md5Hex);
            }

            if (expectedMd5 is not null && !CryptographicOperations.FixedTimeEquals(expectedMd5, md5Bytes))
            {
                return new PutResult(PutOutcome.Md5Mismatch, null, sha256Hex, md5Hex);
            }

            if (verifyAfterRead?.Invoke() is string failed)
            {
                return new PutResult(PutOutcome.ChecksumMismatch, null, sha256Hex, md5Hex, failed);
            }

            var stored = new S3Object(bucket, key, size, "\"" + md5Hex + "\"", sha256Hex, contentType, TruncateToSeconds(_time.GetUtcNow().UtcDateTime), fileName);
            File.Move(staging, Path.Combine(_objects, fileName));
            string? replaced;
            lock (_gate)
            {
                if (!BucketExists(bucket))
                {
                    File.Delete(Path.Combine(_objects, fileName));
                    return new PutResult(PutOutcome.NoSuchBucket, null, sha256Hex, md5Hex);
                }

                replaced = FindLocked(bucket, key)?.FileName;
                using var command = _connection.CreateCommand();
                command.CommandText = "INSERT OR REPLACE INTO objects(bucket, key, size, etag, sha256, content_type, modified, file) VALUES ($b, $k, $size, $etag, $sha, $type, $modified, $file)";
                command.Parameters.AddWithValue("$b", bucket);
                command.Parameters.AddWithValue("$k", key);
                command.Parameters.AddWithValue("$size", size);
                command.Parameters.AddWithValue("$etag", stored.ETag);
                command.Parameters.AddWithValue("$sha", sha256Hex);
                command.Parameters.AddWithValue("$type", contentType);
                command.Parameters.AddWithValue("$modified", stored.LastModifiedUtc.Ticks);
                command.Parameters.AddWithValue("$file", fileName);
                command.ExecuteNonQuery();
                if (replaced is not null)
                {
                    DeleteFile(replaced);
                }
            }

            RaiseObjectCreated(new S3ObjectCreated(bucket, key, size, sha256Hex, stored.ETag));
            return new PutResult(PutOutcome.Stored, stored, sha256Hex, md5Hex);
        }
        finally
        {
            if (File.Exists(staging))
            {
                File.Delete(staging);
            }
        }
    }

    public S3Object? Find(string bucket, string key)
    {
        lock (_gate)
        {
            return FindLocked(bucket, key);
        }
    }

    /// <summary>The object and its bytes opened together (so a concurrent overwrite cannot pair one's metadata with another's bytes), or null.</summary>
    public (S3Object Object, FileStream Content)? Open(string bucket, string key)
    {
        lock (_gate)
        {
            if (FindLocked(bucket, key) is not S3Object found)
            {
                return null;
            }

            return (found, new FileStream(Path.Combine(_objects, found.FileName), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
    }

    /// <summary>True when there was an object to delete.</summary>
    public bool Delete(string bucket, string key)
    {
        lock (_gate)
        {
            if (FindLocked(bucket, key) is not S3Object found)
            {
                return false;
            }

            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM objects WHERE bucket = $b AND key = $k";
            command.Parameters.AddWithValue("$b", bucket);
            command.Parameters.AddWithValue("$k", key);
            command.ExecuteNonQuery();
            DeleteFile(found.FileName);
            return true;
        }
    }

    /// <summary>The bucket's objects whose key starts with <paramref name="prefix"/> and sorts after <paramref name="after"/>, in key order (UTF-8 binary, as S3 lists).</summary>
    public IReadOnlyList<S3Object> List(string bucket, string prefix, string after)
    {
        var list = new List<S3Object>();
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            // SQLite compares TEXT by its UTF-8 bytes: the order S3 lists in.
            command.CommandText = "SELECT bucket, key, size, etag, sha256, content_type, modified, file FROM objects WHERE bucket = $b AND key > $after AND substr(key, 1, length($prefix)) = $prefix ORDER BY key";
            command.Parameters.AddWithValue("$b", bucket);
            command.Parameters.AddWithValue("$after", after);
            command.Parameters.AddWithValue("$prefix", prefix);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                list.Add(Read(reader));
            }
        }

        return list;
    }

    public void Dispose() => _connection.Dispose();

    private static DateTime TruncateToSeconds(DateTime utc) => new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private static S3Object Read(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), new DateTime(reader.GetInt64(6), DateTimeKind.Utc), reader.GetString(7));

    private S3Object? FindLocked(string bucket, string key)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT bucket, key, size, etag, sha256, content_type, modified, file FROM objects WHERE bucket = $b AND key = $k";
        command.Parameters.AddWithValue("$b", bucket);
        command.Parameters.AddWithValue("$k", key);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    private void DeleteFile(string fileName)
    {
        try
        {
            File.Delete(Path.Combine(_objects, fileName));
        }
        catch (IOException ex)
        {
            // Windows keeps a file that a reader has open; the row is gone, so the bytes are only litter.
            _log.LogWarning(ex, "Could not delete the replaced object file {File}", fileName);
        }
    }

    private void RaiseObjectCreated(S3ObjectCreated created)
    {
        try
        {
            ObjectCreated?.Invoke(created);
        }
#pragma warning disable CA1031 // a subscriber's failure must not turn a stored object into a failed PutObject
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _log.LogError(ex, "An ObjectCreated handler failed for s3://{Bucket}/{Key}", created.Bucket, created.Key);
        }
    }
}

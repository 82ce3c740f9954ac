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

    /// <summary>No multipart upload with that id for that bucket and key.</summary>
    NoSuchUpload,

    /// <summary>An x-amz-checksum-* header or trailer did not match the body (<see cref="PutResult.FailedChecksum"/> names it).</summary>
    ChecksumMismatch,
}

/// <summary>The result of a put: the object when stored, and the hashes computed either way.</summary>
public sealed record PutResult(PutOutcome Outcome, S3Object? Stored, string Sha256Hex, string Md5Hex, string? FailedChecksum = null);

/// <summary>
/// Buckets and objects in the data directory: each object's bytes in a file of its own under
/// <c>objects/</c> (streamed to <c>incoming/</c> first, hashed on the way, then moved into place, so a
/// reader never sees half an object), metadata in SQLite (<c>s3.db</c>). Multipart uploads' parts wait in
/// <c>incoming/</c> too, and their list in memory, until CompleteMultipartUpload joins them into one file. An overwrite stores a new file
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
    private readonly Dictionary<string, MultipartUpload> _uploads = new(StringComparer.Ordinal);

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

        var staged = await StageAsync(body, maximumBytes, expectedSha256Hex, expectedMd5, verifyAfterRead, cancellationToken).ConfigureAwait(false);
        try
        {
            return staged.Outcome != PutOutcome.Stored
                ? new PutResult(staged.Outcome, null, staged.Sha256Hex, staged.Md5Hex, staged.FailedChecksum)
                : Commit(bucket, key, staged.Path, staged.Size, "\"" + staged.Md5Hex + "\"", staged.Sha256Hex, staged.Md5Hex, contentType);
        }
        finally
        {
            DeleteStaging(staged.Path);
        }
    }

    /// <summary>Starts a multipart upload (CreateMultipartUpload); null when the bucket does not exist. Unfinished uploads live in memory and the staging folder: a restart forgets them.</summary>
    public string? CreateUpload(string bucket, string key, string contentType)
    {
        if (!BucketExists(bucket))
        {
            return null;
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        Directory.CreateDirectory(Path.Combine(_incoming, id));
        lock (_uploads)
        {
            _uploads[id] = new MultipartUpload(bucket, key, contentType);
        }

        return id;
    }

    /// <summary>Stores one part (UploadPart), replacing an earlier part of the same number; the result's Md5Hex is its ETag's. NoSuchUpload when the id is not one of this bucket and key.</summary>
    public async Task<PutResult> PutPartAsync(string uploadId, string bucket, string key, int partNumber, Stream body, long maximumBytes, string? expectedSha256Hex, byte[]? expectedMd5, Func<string?>? verifyAfterRead, CancellationToken cancellationToken)
    {
        if (FindUpload(uploadId, bucket, key) is not MultipartUpload upload)
        {
            return new PutResult(PutOutcome.NoSuchUpload, null, "", "");
        }

        var staged = await StageAsync(body, maximumBytes, expectedSha256Hex, expectedMd5, verifyAfterRead, cancellationToken).ConfigureAwait(false);
        try
        {
            if (staged.Outcome != PutOutcome.Stored)
            {
                return new PutResult(staged.Outcome, null, staged.Sha256Hex, staged.Md5Hex, staged.FailedChecksum);
            }

            var partPath = Path.Combine(_incoming, uploadId, partNumber.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.Move(staged.Path, partPath, overwrite: true);
            lock (_uploads)
            {
                upload.Parts[partNumber] = (staged.Size, Convert.FromHexString(staged.Md5Hex));
            }

            return new PutResult(PutOutcome.Stored, null, staged.Sha256Hex, staged.Md5Hex);
        }
        finally
        {
            DeleteStaging(staged.Path);
        }
    }

    /// <summary>
    /// Joins the listed parts, in order, into the object (CompleteMultipartUpload): its ETag is S3's
    /// multipart one (MD5 of the parts' MD5s, "-" and the count), its SHA-256 that of the whole.
    /// </summary>
    public async Task<(S3Error? Error, S3Object? Stored)> CompleteUploadAsync(string uploadId, string bucket, string key, IReadOnlyList<(int PartNumber, string ETag)> parts, long maximumBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (FindUpload(uploadId, bucket, key) is not MultipartUpload upload)
        {
            return (S3Error.NoSuchUpload(uploadId), null);
        }

        var chosen = new List<(int Number, byte[] Md5)>();
        long total = 0;
        lock (_uploads)
        {
            var previous = 0;
            foreach (var (number, etag) in parts)
            {
                if (number <= previous)
                {
                    return (new S3Error("InvalidPartOrder", 400, "The list of parts was not in ascending order. The parts list must be specified in order by part number."), null);
                }

                previous = number;
                if (!upload.Parts.TryGetValue(number, out var part) || !string.Equals(etag.Trim('"'), Convert.ToHexStringLower(part.Md5), StringComparison.OrdinalIgnoreCase))
                {
                    return (new S3Error("InvalidPart", 400, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", [new("PartNumber", number.ToString(System.Globalization.CultureInfo.InvariantCulture))]), null);
                }

                chosen.Add((number, part.Md5));
                total += part.Size;
            }
        }

        if (chosen.Count == 0)
        {
            return (new S3Error("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema: no parts."), null);
        }

        if (total > maximumBytes)
        {
            return (S3Error.EntityTooLarge(maximumBytes), null);
        }

        var staging = Path.Combine(_incoming, Guid.NewGuid().ToString("N"));
        try
        {
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var md5OfMd5s = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            await using (var joined = new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                var buffer = new byte[81920];
                foreach (var (number, md5) in chosen)
                {
                    md5OfMd5s.AppendData(md5);
                    await using var part = new FileStream(Path.Combine(_incoming, uploadId, number.ToString(System.Globalization.CultureInfo.InvariantCulture)), FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    int read;
                    while ((read = await part.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        sha256.AppendData(buffer, 0, read);
                        await joined.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }
                }

                joined.Flush(flushToDisk: true);
            }

            var etag = "\"" + Convert.ToHexStringLower(md5OfMd5s.GetHashAndReset()) + "-" + chosen.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\"";
            var result = Commit(bucket, key, staging, total, etag, SigV4.Hex(sha256.GetHashAndReset()), "", upload.ContentType);
            if (result.Outcome != PutOutcome.Stored)
            {
                return (S3Error.NoSuchBucket(bucket), null);
            }

            AbortUpload(uploadId, bucket, key);
            return (null, result.Stored);
        }
        finally
        {
            DeleteStaging(staging);
        }
    }

    /// <summary>Drops an upload and its parts (AbortMultipartUpload); false when there was none.</summary>
    public bool AbortUpload(string uploadId, string bucket, string key)
    {
        if (FindUpload(uploadId, bucket, key) is null)
        {
            return false;
        }

        lock (_uploads)
        {
            _uploads.Remove(uploadId);
        }

        Directory.Delete(Path.Combine(_incoming, uploadId), recursive: true);
        return true;
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

    private async Task<Staged> StageAsync(Stream body, long maximumBytes, string? expectedSha256Hex, byte[]? expectedMd5, Func<string?>? verifyAfterRead, CancellationToken cancellationToken)
    {
        var staging = Path.Combine(_incoming, Guid.NewGuid().ToString("N"));
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
                    return new Staged(PutOutcome.TooLarge, staging, size, "", "", null);
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
            return new Staged(PutOutcome.Sha256Mismatch, staging, size, sha256Hex, md5Hex, null);
        }

        if (expectedMd5 is not null && !CryptographicOperations.FixedTimeEquals(expectedMd5, md5Bytes))
        {
            return new Staged(PutOutcome.Md5Mismatch, staging, size, sha256Hex, md5Hex, null);
        }

        return verifyAfterRead?.Invoke() is string failed
            ? new Staged(PutOutcome.ChecksumMismatch, staging, size, sha256Hex, md5Hex, failed)
            : new Staged(PutOutcome.Stored, staging, size, sha256Hex, md5Hex, null);
    }

    /// <summary>Moves a staged file into place as the object and swaps its row; raises ObjectCreated.</summary>
    private PutResult Commit(string bucket, string key, string staging, long size, string etag, string sha256Hex, string md5Hex, string contentType)
    {
        var fileName = Guid.NewGuid().ToString("N");
        var stored = new S3Object(bucket, key, size, etag, sha256Hex, contentType, TruncateToSeconds(_time.GetUtcNow().UtcDateTime), fileName);
        File.Move(staging, Path.Combine(_objects, fileName));
        lock (_gate)
        {
            if (!BucketExists(bucket))
            {
                File.Delete(Path.Combine(_objects, fileName));
                return new PutResult(PutOutcome.NoSuchBucket, null, sha256Hex, md5Hex);
            }

            var replaced = FindLocked(bucket, key)?.FileName;
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT OR REPLACE INTO objects(bucket, key, size, etag, sha256, content_type, modified, file) VALUES ($b, $k, $size, $etag, $sha, $type, $modified, $file)";
            command.Parameters.AddWithValue("$b", bucket);
            command.Parameters.AddWithValue("$k", key);
            command.Parameters.AddWithValue("$size", size);
            command.Parameters.AddWithValue("$etag", etag);
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

        RaiseObjectCreated(new S3ObjectCreated(bucket, key, size, sha256Hex, etag));
        return new PutResult(PutOutcome.Stored, stored, sha256Hex, md5Hex);
    }

    private static void DeleteStaging(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private MultipartUpload? FindUpload(string uploadId, string bucket, string key)
    {
        lock (_uploads)
        {
            return _uploads.TryGetValue(uploadId, out var upload) && upload.Bucket == bucket && upload.Key == key ? upload : null;
        }
    }

    private sealed record Staged(PutOutcome Outcome, string Path, long Size, string Sha256Hex, string Md5Hex, string? FailedChecksum);

    /// <summary>An unfinished multipart upload: its parts by number (size, MD5), guarded by the uploads table's lock.</summary>
    private sealed record MultipartUpload(string Bucket, string Key, string ContentType)
    {
        public Dictionary<int, (long Size, byte[] Md5)> Parts { get; } = [];
    }

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

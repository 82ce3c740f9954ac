using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using DeviceFirmware.Core.Agent;
using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Cloud;

/// <summary>The result, with a reason for <see cref="S3FetchStatus.DownloadFailed"/> (and details for the log).</summary>
internal sealed record S3FetchOutcome(S3FetchStatus Result, string Detail, long Bytes = 0);

/// <summary>Where S3 is: AWS's virtual-hosted endpoint of a region, or one endpoint addressed path-style (LocalIotCore).</summary>
internal sealed record S3Endpoint(string Region, Uri? PathStyleEndpoint = null)
{
    /// <summary>The object's URL and the host the signature names.</summary>
    public (Uri Url, string Host, string Path) Locate(string bucket, string key)
    {
        var path = PathStyleEndpoint is null ? "/" + key : "/" + bucket + "/" + key;
        var baseUri = PathStyleEndpoint ?? new Uri("https://" + bucket + ".s3." + Region + ".amazonaws.com");
        var host = baseUri.IsDefaultPort ? baseUri.Host : baseUri.Host + ":" + baseUri.Port.ToString(CultureInfo.InvariantCulture);
        return (new Uri(baseUri, SigV4.CanonicalUri(path)), host, path);
    }
}

/// <summary>
/// Fetches an S3 object into a folder: GetObject signed with SigV4 (temporary credentials from the
/// AWS IoT credentials provider), streamed to a staging file in the same folder while hashing,
/// refused past a size limit, and moved into place (an atomic rename) only when its SHA-256 is the
/// expected one. The file in place is kept on every failure. A file already in place with the
/// expected hash is not fetched again (after a restart, say).
/// </summary>
internal sealed class S3ObjectDownloader
{
    private const string StagingSuffix = ".part";
    private const int BufferBytes = 64 * 1024;

    /// <summary>A progress line at most every this many bytes, for large files.</summary>
    private const long ProgressStepBytes = 8L * 1024 * 1024;

    private readonly HttpClient _http;
    private readonly Func<CancellationToken, Task<AwsCredentials>> _credentials;
    private readonly S3Endpoint _endpoint;
    private readonly string _folder;
    private readonly long _maximumBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public S3ObjectDownloader(HttpClient http, Func<CancellationToken, Task<AwsCredentials>> credentials, S3Endpoint endpoint, string folder, long maximumBytes, TimeProvider time, ILogger log)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _credentials = credentials ?? throw new ArgumentNullException(nameof(credentials));
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _folder = Path.GetFullPath(folder);
        _maximumBytes = maximumBytes;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    /// <summary>Where <paramref name="key"/> is installed: the key's path under the folder (the core refused '..' and a leading '/').</summary>
    public string InstalledPath(string key) => Path.Combine(_folder, key.Replace('/', Path.DirectorySeparatorChar));

    /// <param name="sha256">Lowercase hex.</param>
    public async Task<S3FetchOutcome> FetchAsync(string bucket, string key, string sha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(sha256);
        var target = InstalledPath(key);
        if (!target.StartsWith(_folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return new S3FetchOutcome(S3FetchStatus.DownloadFailed, "the key '" + key + "' leaves the download folder");
        }

        if (await HashOfFileAsync(target, cancellationToken).ConfigureAwait(false) == sha256)
        {
            return new S3FetchOutcome(S3FetchStatus.Installed, "already installed at " + target + " with that hash", new FileInfo(target).Length);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var staging = target + StagingSuffix;
        try
        {
            var outcome = await DownloadAsync(bucket, key, sha256, staging, cancellationToken).ConfigureAwait(false);
            if (outcome.Result == S3FetchStatus.Installed)
            {
                // Same folder, so a rename: a reader sees the old file or the new one, never part of one.
                File.Move(staging, target, overwrite: true);
            }

            return outcome;
        }
        catch (HttpRequestException ex)
        {
            return new S3FetchOutcome(S3FetchStatus.DownloadFailed, ex.HttpRequestError == HttpRequestError.Unknown ? ex.Message : ex.HttpRequestError + ": " + ex.Message);
        }
        catch (IOException ex)
        {
            return new S3FetchOutcome(S3FetchStatus.DownloadFailed, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return new S3FetchOutcome(S3FetchStatus.DownloadFailed, ex.Message);
        }
        catch (CloudRequestException ex)
        {
            return new S3FetchOutcome(S3FetchStatus.DownloadFailed, ex.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new S3FetchOutcome(S3FetchStatus.DownloadFailed, "timed out");
        }
        finally
        {
            TryDelete(staging);
        }
    }

    private async Task<S3FetchOutcome> DownloadAsync(string bucket, string key, string sha256, string staging, CancellationToken cancellationToken)
    {
        var credentials = await _credentials(cancellationToken).ConfigureAwait(false);
        var (url, host, path) = _endpoint.Locate(bucket, key);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var header in SigV4.Sign(new SignableRequest("GET", host, path, [], [], SigV4.EmptyPayloadHash), credentials, _endpoint.Region, "s3", _time.GetUtcNow().UtcDateTime))
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return new S3FetchOutcome(S3FetchStatus.DownloadFailed, "S3 answered " + (int)response.StatusCode + S3ErrorCode(body));
        }

        var length = response.Content.Headers.ContentLength;
        if (length > _maximumBytes)
        {
            return new S3FetchOutcome(S3FetchStatus.TooLarge, length + " bytes, over the limit of " + _maximumBytes, length.Value);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        var nextProgress = ProgressStepBytes;
        var buffer = new byte[BufferBytes];
        await using (var input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
        await using (var output = new FileStream(staging, FileMode.Create, FileAccess.Write, FileShare.None, BufferBytes, FileOptions.Asynchronous))
        {
            int read;
            while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total > _maximumBytes)
                {
                    return new S3FetchOutcome(S3FetchStatus.TooLarge, "more than " + _maximumBytes + " bytes", total);
                }

                hash.AppendData(buffer, 0, read);
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                if (total >= nextProgress)
                {
                    _log.LogInformation("s3://{Bucket}/{Key}: {Megabytes} MB of {Total}", bucket, key, total / (1024 * 1024), length is long all ? (all / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + " MB" : "unknown");
                    nextProgress += ProgressStepBytes;
                }
            }

            // On disk before the rename, so a power cut cannot leave a renamed but empty file.
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            output.Flush(flushToDisk: true);
        }

        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        return actual == sha256
            ? new S3FetchOutcome(S3FetchStatus.Installed, total + " bytes", total)
            : new S3FetchOutcome(S3FetchStatus.HashMismatch, "SHA-256 of the " + total + " bytes received is " + actual, total);
    }

    private static async Task<string?> HashOfFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            return null;
        }
    }

    /// <summary>" (NoSuchKey)" from S3's XML error body, or nothing.</summary>
    private static string S3ErrorCode(string body)
    {
        var start = body.IndexOf("<Code>", StringComparison.Ordinal);
        var end = start < 0 ? -1 : body.IndexOf("</Code>", start, StringComparison.Ordinal);
        return end > start ? " (" + body[(start + 6)..end] + ")" : "";
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A staging file left behind is overwritten by the next fetch of that key.
        }
    }
}

/// <summary>A cloud endpoint refused or could not answer a request (the message says which and why).</summary>
internal sealed class CloudRequestException : Exception
{
    public CloudRequestException(string message)
        : base(message)
    {
    }

    public CloudRequestException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CloudRequestException()
    {
    }
}

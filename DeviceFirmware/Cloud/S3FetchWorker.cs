using System.Globalization;
using System.Text.Json;
using DeviceFirmware.Core.Agent;
using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Cloud;

/// <summary>What the agent's loop asks of the S3 downloader (the seam for tests and for a device without one).</summary>
public interface IS3Fetcher
{
    /// <summary>The record of the last install, handed to the agent at start; null when none.</summary>
    InstalledS3Object? LoadRecord();

    /// <summary>Starts a fetch (cancelling the one before); its <see cref="S3FetchCompleted"/> goes to <paramref name="post"/>, from another thread.</summary>
    void Start(FetchS3Object fetch, Action<AgentEvent> post);

    void Cancel(long fetchId);
}

/// <summary>
/// Carries out the agent's <see cref="FetchS3Object"/> and <see cref="CancelS3Fetch"/> off the agent's
/// loop, one fetch at a time (a new one cancels the one before), and answers with
/// <see cref="S3FetchCompleted"/>. After an install it writes the record the next start hands the
/// agent (<see cref="AgentStarted.InstalledS3"/>), so a restart does not fetch the same file again.
/// </summary>
internal sealed class S3FetchWorker : IS3Fetcher, IDisposable
{
    private readonly Func<S3ObjectDownloader> _createDownloader;
    private S3ObjectDownloader? _downloader;
    private readonly string _recordPath;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly object _gate = new();
    private CancellationTokenSource? _running;
    private long _runningId = -1;

    /// <param name="createDownloader">Builds the downloader at the first fetch (it loads the certificates; a problem
    /// with them fails that fetch, retried with the core's backoff, instead of the device's start).</param>
    public S3FetchWorker(Func<S3ObjectDownloader> createDownloader, string recordPath, TimeProvider time, ILogger log)
    {
        _createDownloader = createDownloader ?? throw new ArgumentNullException(nameof(createDownloader));
        _recordPath = recordPath ?? throw new ArgumentNullException(nameof(recordPath));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _log = log ?? throw new ArgumentNullException(nameof(log));
    }

    /// <summary>The record of the last install, or null (none, or unreadable: then the file is fetched again).</summary>
    public InstalledS3Object? LoadRecord()
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(_recordPath));
            var root = document.RootElement;
            return new InstalledS3Object(
                root.GetProperty("url").GetString()!,
                root.GetProperty("hash").GetString()!,
                DateTime.Parse(root.GetProperty("installedAt").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentNullException)
        {
            _log.LogWarning("The S3 install record {Path} cannot be read ({Reason}); the file is fetched again if desired.s3 asks for it", _recordPath, ex.Message);
            return null;
        }
    }

    /// <summary>Starts the fetch; <paramref name="post"/> gets its <see cref="S3FetchCompleted"/> (from another thread).</summary>
    public void Start(FetchS3Object fetch, Action<AgentEvent> post)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        ArgumentNullException.ThrowIfNull(post);
        CancellationTokenSource cancellation;
        lock (_gate)
        {
            _running?.Cancel();
            _running?.Dispose();
            _running = cancellation = new CancellationTokenSource();
            _runningId = fetch.FetchId;
        }

        _ = Task.Run(async () =>
        {
            S3FetchOutcome outcome;
            try
            {
                _downloader ??= _createDownloader();
                outcome = await _downloader.FetchAsync(fetch.Bucket, fetch.Key, fetch.Hash, cancellation.Token).ConfigureAwait(false);
            }
            catch (DeviceFirmware.Mqtt.MqttConnectException ex)
            {
                outcome = new S3FetchOutcome(S3FetchStatus.DownloadFailed, ex.Message);
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                return; // superseded or stopped: the agent no longer waits for this id
            }

            if (cancellation.IsCancellationRequested)
            {
                return; // superseded or stopped: the agent no longer waits for this id
            }

            if (outcome.Result == S3FetchStatus.Installed)
            {
                SaveRecord(fetch.Url, fetch.Hash);
            }

            post(new S3FetchCompleted(fetch.FetchId, outcome.Result, outcome.Detail));
        }, CancellationToken.None).ContinueWith(
            t => _log.LogError(t.Exception, "The fetch of {Url} failed unexpectedly", fetch.Url),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    public void Cancel(long fetchId)
    {
        lock (_gate)
        {
            if (_runningId == fetchId)
            {
                _running?.Cancel();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _running?.Cancel();
            _running?.Dispose();
            _running = null;
        }
    }

    private void SaveRecord(string url, string hash)
    {
        try
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("url", url);
                json.WriteString("hash", hash);
                json.WriteString("installedAt", _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                json.WriteEndObject();
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_recordPath))!);
            var staging = _recordPath + ".tmp";
            File.WriteAllBytes(staging, buffer.ToArray());
            File.Move(staging, _recordPath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The file is in place; without the record a restart hashes it again and finds it installed.
            _log.LogWarning("The S3 install record {Path} cannot be written: {Reason}", _recordPath, ex.Message);
        }
    }
}

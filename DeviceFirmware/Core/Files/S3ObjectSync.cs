using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Link;
using DeviceFirmware.Core.Shadow;

namespace DeviceFirmware.Core.Files;

/// <summary>
/// <c>desired.s3</c>, the device's side: validates it (else <c>reported.errors.s3</c> says why and
/// nothing is fetched), asks the host to fetch a {url, hash} that is not installed yet, supersedes a
/// running fetch when a newer one arrives, retries failed downloads with full-jitter backoff, and
/// reports <c>reported.s3 = {url, hash, status, at}</c>. The host does the I/O
/// (<see cref="FetchS3Object"/> / <see cref="S3FetchCompleted"/>) and tells at start what it installed
/// before (<see cref="AgentStarted.InstalledS3"/>), so a restart does not fetch the same file again.
/// </summary>
public sealed class S3ObjectSync
{
    public const string InstalledStatus = "installed";
    public const string HashMismatchStatus = "hash mismatch";
    public const string TooLargeStatus = "too large";
    public const string DownloadFailedPrefix = "download failed: ";
    public const string NotSupportedStatus = "not supported on this device";

    /// <summary>A host's failure detail is cut to this many characters in reported.s3.status.</summary>
    public const int MaximumDetailLength = 100;

    private readonly AgentOutput _out;
    private readonly AgentSettings _settings;
    private readonly ShadowPublisher _publisher;
    private readonly ShadowSync _sync;
    private readonly ReconnectBackoff _backoff;

    // The desired.s3 decided on last (being fetched, retried, done or given up); null before any.
    private S3Object? _target;

    // What the host has in place: its record at start, then each successful fetch.
    private S3Object? _installed;
    private DateTime _installedAt;

    // What reported.s3 says (this run's last status, or the installed record), and for which object.
    private S3ObjectReport? _status;
    private S3Object? _statusFor;

    // reported.errors.s3; null when the last desired.s3 was valid.
    private string? _error;

    private long _lastFetchId;

    // The fetch running now (0: none) and the attempt it is; a retry timer may be pending instead.
    private long _runningFetchId;
    private int _attempt;
    private bool _retryPending;

    public S3ObjectSync(AgentOutput output, AgentSettings settings, RandomSource random, ShadowPublisher publisher, ShadowSync sync)
    {
        _out = output ?? throw new ArgumentNullException(nameof(output));
        _settings = settings ?? throw new ArgumentNullException(nameof(settings));
        _publisher = publisher ?? throw new ArgumentNullException(nameof(publisher));
        _sync = sync ?? throw new ArgumentNullException(nameof(sync));
        _backoff = new ReconnectBackoff(settings.S3RetryMinimum, settings.S3RetryMaximum, random);
    }

    /// <summary>The host's record of what is installed (null: nothing). Reported as installed on connect.</summary>
    public void Start(InstalledS3Object? record)
    {
        if (record == null)
        {
            return;
        }

        string? reason;
        var installed = S3Object.FromRecord(record.Url, record.Hash, out reason);
        if (installed == null)
        {
            _out.Log(AgentLogLevel.Warning, "Ignored the host's record of the installed S3 object: " + reason + ".");
            return;
        }

        _installed = installed;
        _installedAt = record.InstalledAt;
        _target = installed;
        _statusFor = installed;
        _status = new S3ObjectReport(installed.Url, installed.HashAsWritten, InstalledStatus, record.InstalledAt);
    }

    /// <summary>desired.s3 from an update/delta: possibly only the members that changed.</summary>
    public void OnDelta(DesiredValue value, DateTime now, ShadowReport report)
    {
        string? reason;
        bool partial;
        var target = S3Object.FromDesired(value, true, out reason, out partial);
        if (partial)
        {
            // The other member equals reported.s3's, which may be this device's or an earlier run's:
            // only the whole desired.s3 says what is wanted, so fetch the document and decide there.
            _out.Log(AgentLogLevel.Information, "desired.s3 changed in part; fetching the shadow for the whole of it.");
            _sync.RequestDocument();
            return;
        }

        Decide(target, reason, now, report);
    }

    /// <summary>The whole desired section of a fetched document (null when it has none).</summary>
    public void OnDocument(DesiredValues? desired, DateTime now, ShadowReport report)
    {
        var value = desired == null ? null : desired.Find(ShadowKeys.S3);
        if (value == null)
        {
            // Nobody asks for a file any more: a refusal of the last desired.s3 no longer holds. The
            // installed file stays (and so does reported.s3).
            ClearError(report);
            return;
        }

        string? reason;
        bool partial;
        Decide(S3Object.FromDesired(value, false, out reason, out partial), reason, now, report);
    }

    public void OnFetchCompleted(S3FetchCompleted completed, DateTime now)
    {
        if (_runningFetchId == 0 || completed.FetchId != _runningFetchId)
        {
            _out.Log(AgentLogLevel.Debug, "Ignored the result of S3 fetch #" + completed.FetchId + " (superseded or cancelled).");
            return;
        }

        _runningFetchId = 0;
        var target = _target!;
        var report = new ShadowReport();
        switch (completed.Status)
        {
            case S3FetchStatus.Installed:
                _installed = target;
                _installedAt = now;
                _out.Log(AgentLogLevel.Information, "Installed " + target.Url + " (SHA-256 " + target.Hash + ").");
                SetStatus(target, InstalledStatus, now, report);
                break;
            case S3FetchStatus.HashMismatch:
                // Not retried: the same URL serves the same bytes until someone uploads again, and a
                // new upload changes desired.s3.hash, which supersedes this one.
                _out.Log(AgentLogLevel.Warning, "Not installed " + target.Url + ": its SHA-256 is not " + target.Hash + Detail(completed) + "; the previous file stays.");
                SetStatus(target, HashMismatchStatus, now, report);
                break;
            case S3FetchStatus.TooLarge:
                // Not retried: the object's size and the device's limit stay what they are.
                _out.Log(AgentLogLevel.Warning, "Not installed " + target.Url + ": larger than this device's limit" + Detail(completed) + "; the previous file stays.");
                SetStatus(target, TooLargeStatus, now, report);
                break;
            default:
                OnDownloadFailed(target, completed, now, report);
                break;
        }

        PublishIfAny(report);
    }

    public void OnRetryTimer()
    {
        if (!_retryPending || _target == null)
        {
            return;
        }

        _retryPending = false;
        Fetch(_target);
    }

    /// <summary>The agent is stopping: the running fetch and a pending retry end (the file stays as it is).</summary>
    public void Stop()
    {
        CancelRunning();
        _out.CancelTimer(AgentTimer.S3FetchRetry);
    }

    /// <summary>A full report's part: reported.s3 when there is something to say, and errors.s3
    /// (deleted when it no longer holds — also an earlier firmware's "unknown setting").</summary>
    public void AddTo(ShadowReport report)
    {
        if (_status != null)
        {
            report.S3 = _status;
        }

        report.Errors.Set(ShadowKeys.S3, _error);
    }

    private void Decide(S3Object? target, string? reason, DateTime now, ShadowReport report)
    {
        if (target == null)
        {
            // Like MOTOR: an invalid value changes nothing (a running fetch of the last valid one goes on).
            SetError(reason!, report);
            return;
        }

        ClearError(report);
        if (target.SameAs(_target))
        {
            _target = target;
            RespellStatus(target, report);
            return;
        }

        if (_runningFetchId != 0)
        {
            _out.Log(AgentLogLevel.Information, "desired.s3 changed while " + _target!.Url + " was downloading: cancelling it.");
        }

        CancelRunning();
        _target = target;
        _attempt = 0;
        if (!_settings.CanFetchS3Objects)
        {
            _out.Log(AgentLogLevel.Warning, "desired.s3 asks for " + target.Url + ", but this device cannot download files.");
            SetStatus(target, NotSupportedStatus, now, report);
            return;
        }

        if (target.SameAs(_installed))
        {
            _out.Log(AgentLogLevel.Information, target.Url + " with SHA-256 " + target.Hash + " is already installed; not fetched again.");
            SetStatus(target, InstalledStatus, _installedAt, report);
            return;
        }

        Fetch(target);
    }

    private void OnDownloadFailed(S3Object target, S3FetchCompleted completed, DateTime now, ShadowReport report)
    {
        var detail = completed.Detail.Length == 0 ? "no reason given" : AgentText.Safe(AgentText.Cut(completed.Detail, MaximumDetailLength), MaximumDetailLength);
        SetStatus(target, DownloadFailedPrefix + detail, now, report);
        var attempts = _settings.S3FetchAttempts < 1 ? 1 : _settings.S3FetchAttempts;
        if (_attempt + 1 >= attempts)
        {
            _out.Log(AgentLogLevel.Warning, "Download of " + target.Url + " failed (" + detail + "); giving up after " + attempts + " attempts until desired.s3 changes or the device restarts.");
            return;
        }

        var delay = _backoff.NextDelay(_attempt);
        _attempt++;
        _retryPending = true;
        _out.StartTimer(AgentTimer.S3FetchRetry, delay);
        _out.Log(AgentLogLevel.Warning, "Download of " + target.Url + " failed (" + detail + "); attempt " + (_attempt + 1) + " of " + attempts + " in " + AgentText.Seconds(delay) + ".");
    }

    private void Fetch(S3Object target)
    {
        _runningFetchId = ++_lastFetchId;
        _out.Log(AgentLogLevel.Information, "Fetching " + target.Url + " (SHA-256 " + target.Hash + ", fetch #" + _runningFetchId + ", attempt " + (_attempt + 1) + ").");
        _out.Add(new FetchS3Object(_runningFetchId, target.Url, target.Bucket, target.Key, target.Hash, _attempt));
    }

    private void CancelRunning()
    {
        if (_runningFetchId != 0)
        {
            _out.Add(new CancelS3Fetch(_runningFetchId));
            _runningFetchId = 0;
        }

        if (_retryPending)
        {
            _out.CancelTimer(AgentTimer.S3FetchRetry);
            _retryPending = false;
        }
    }

    private void SetStatus(S3Object target, string status, DateTime at, ShadowReport report)
    {
        if (_status != null && target.SameAs(_statusFor) && _status.Status == status && _status.Hash == target.HashAsWritten)
        {
            return; // Already what reported.s3 says.
        }

        _statusFor = target;
        _status = new S3ObjectReport(target.Url, target.HashAsWritten, status, at);
        report.S3 = _status;
    }

    /// <summary>The same object asked for with the hash in other letter case: reported.s3 takes the
    /// new spelling (same status), or the shadow's delta would never clear.</summary>
    private void RespellStatus(S3Object target, ShadowReport report)
    {
        if (_status != null && target.SameAs(_statusFor) && _status.Hash != target.HashAsWritten)
        {
            SetStatus(target, _status.Status, _status.At, report);
        }
    }

    private void SetError(string reason, ShadowReport report)
    {
        if (_error == reason)
        {
            return;
        }

        _error = reason;
        report.Errors.Set(ShadowKeys.S3, reason);
        _out.Log(AgentLogLevel.Warning, "Not applied: " + reason + ".");
    }

    private void ClearError(ShadowReport report)
    {
        if (_error != null)
        {
            _error = null;
            report.Errors.Set(ShadowKeys.S3, null);
        }
    }

    private static string Detail(S3FetchCompleted completed) =>
        completed.Detail.Length == 0 ? "" : " (" + AgentText.Safe(completed.Detail, MaximumDetailLength) + ")";

    private void PublishIfAny(ShadowReport report)
    {
        if (!report.IsEmpty)
        {
            _publisher.Report(report);
        }
    }
}

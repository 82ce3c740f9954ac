using System;
using System.Collections;
using DeviceFirmware.Core;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Files;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Tests.Core.Agent;

namespace DeviceFirmware.Tests.Core.Files;

/// <summary>desired.s3 through the agent: what is fetched, superseded, retried, and reported.</summary>
[TestClass]
public sealed class S3ObjectSyncTests
{
    private const string Url = "s3://firmware-files/config/pump.json";
    private const string Hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private const string OtherUrl = "s3://firmware-files/config/pump-v2.json";
    private const string OtherHash = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    [TestMethod]
    public void A_valid_desired_s3_is_fetched_and_reported_installed_when_the_host_says_so()
    {
        var h = Fetching();
        var actions = h.Delta(S3(Url, Hash.ToUpper()), 2);
        var fetch = (FetchS3Object)AgentHarness.First(actions, typeof(FetchS3Object));
        Assert.AreEqual(Url, fetch.Url);
        Assert.AreEqual("firmware-files", fetch.Bucket);
        Assert.AreEqual("config/pump.json", fetch.Key);
        Assert.AreEqual(Hash, fetch.Hash, "the host compares with lowercase hex");
        Assert.AreEqual(0, fetch.Attempt);
        Assert.IsNull(AgentHarness.ReportedError(h.Reports(actions), "s3"));

        h.Advance(Seconds(3));
        var done = h.Send(new S3FetchCompleted(fetch.FetchId, S3FetchStatus.Installed, ""));
        var s3 = ReportedS3(done);
        Assert.AreEqual(Url, AgentHarness.Text(s3, "url"));
        Assert.AreEqual(Hash.ToUpper(), AgentHarness.Text(s3, "hash"), "desired's own spelling, so the shadow's delta clears");
        Assert.AreEqual("installed", AgentHarness.Text(s3, "status"));
        Assert.AreEqual(Iso8601.Format(h.Now), AgentHarness.Text(s3, "at"));
    }

    [TestMethod]
    [DataRow("\"s3://firmware-files/a\"", "expected an object")]
    [DataRow("null", "expected an object")]
    [DataRow("{}", "missing \"url\" and \"hash\"")]
    [DataRow("{\"url\":1,\"hash\":\"" + Hash + "\"}", "expected a string \"s3://bucket/key\"")]
    [DataRow("{\"url\":\"" + Url + "\",\"hash\":64}", "expected a string of 64 hex digits")]
    [DataRow("{\"url\":\"" + Url + "\",\"hash\":\"" + Hash + "\",\"size\":3}", "unexpected member \"size\"")]
    [DataRow("{\"url\":\"https://firmware-files/a\",\"hash\":\"" + Hash + "\"}", "expected s3://bucket/key")]
    [DataRow("{\"url\":\"s3://firmware-files\",\"hash\":\"" + Hash + "\"}", "no key after the bucket")]
    [DataRow("{\"url\":\"s3://Firmware_Files/a\",\"hash\":\"" + Hash + "\"}", "the bucket name may hold only lowercase letters")]
    [DataRow("{\"url\":\"s3://firmware-files/\",\"hash\":\"" + Hash + "\"}", "the key is empty")]
    [DataRow("{\"url\":\"s3://firmware-files//etc/passwd\",\"hash\":\"" + Hash + "\"}", "must not start with '/'")]
    [DataRow("{\"url\":\"s3://firmware-files/a/../../etc/passwd\",\"hash\":\"" + Hash + "\"}", "\"..\" path segment")]
    [DataRow("{\"url\":\"" + Url + "\",\"hash\":\"abc123\"}", "invalid s3 hash \"abc123\" (string): expected 64 hex digits")]
    [DataRow("{\"url\":\"" + Url + "\",\"hash\":\"z" + "f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}", "expected 64 hex digits")]
    public void An_invalid_desired_s3_is_reported_in_errors_s3_and_nothing_is_fetched(string value, string fragment)
    {
        var h = Fetching();
        var actions = h.Delta("{\"s3\":" + value + "}", 2);
        Assert.AreEqual(0, AgentHarness.Count(actions, typeof(FetchS3Object)));
        var error = AgentHarness.ReportedError(h.Reports(actions), "s3");
        Assert.IsNotNull(error, "errors.s3 says why");
        Assert.IsTrue(AgentHarness.Contains(error!, fragment), error);
        Assert.IsTrue(AgentHarness.Contains(error!, "invalid s3"), error);
    }

    [TestMethod]
    public void An_over_long_url_is_refused_without_being_echoed()
    {
        var h = Fetching();
        var url = "s3://firmware-files/" + new string('k', S3Object.MaximumUrlLength);
        var actions = h.Delta(S3(url, Hash), 2);
        Assert.AreEqual(0, AgentHarness.Count(actions, typeof(FetchS3Object)));
        var error = AgentHarness.ReportedError(h.Reports(actions), "s3")!;
        Assert.IsTrue(AgentHarness.Contains(error, "longer than " + S3Object.MaximumUrlLength + " characters"), error);
        Assert.IsTrue(error.Length < 200, "the reason does not quote the whole URL: " + error.Length);
    }

    [TestMethod]
    public void A_fetched_document_missing_a_member_is_refused()
    {
        var h = Fetching(false);
        h.StartOnline("{\"state\":{\"desired\":{\"s3\":{\"url\":\"" + Url + "\"}},\"delta\":{\"s3\":{\"url\":\"" + Url + "\"}}},\"version\":1}");
        Assert.AreEqual(0, AgentHarness.Count(h.All, typeof(FetchS3Object)));
        var error = AgentHarness.ReportedError(h.Reports(h.All), "s3")!;
        Assert.IsTrue(AgentHarness.Contains(error, "missing \"hash\""), error);
    }

    [TestMethod]
    public void A_valid_desired_s3_clears_the_reported_error()
    {
        var h = Fetching();
        h.Delta("{\"s3\":{\"url\":\"" + Url + "\",\"hash\":\"nope\"}}", 2);
        var actions = h.Delta(S3(Url, Hash), 3);
        Assert.IsTrue(AgentHarness.ReportedErrorCleared(h.Reports(actions), "s3"));
        Assert.AreEqual(1, AgentHarness.Count(actions, typeof(FetchS3Object)));
    }

    [TestMethod]
    public void A_newer_desired_cancels_the_running_fetch_and_its_late_result_is_ignored()
    {
        var h = Fetching();
        var first = (FetchS3Object)AgentHarness.First(h.Delta(S3(Url, Hash), 2), typeof(FetchS3Object));
        var actions = h.Delta(S3(OtherUrl, OtherHash), 3);
        var cancel = AgentHarness.IndexOf(actions, typeof(CancelS3Fetch));
        var fetch = AgentHarness.IndexOf(actions, typeof(FetchS3Object));
        Assert.IsTrue(cancel >= 0 && fetch > cancel, "cancel first, then the new fetch");
        Assert.AreEqual(first.FetchId, ((CancelS3Fetch)actions[cancel]!).FetchId);
        var second = (FetchS3Object)actions[fetch]!;
        Assert.AreNotEqual(first.FetchId, second.FetchId);
        Assert.AreEqual(OtherUrl, second.Url);

        var stale = h.Send(new S3FetchCompleted(first.FetchId, S3FetchStatus.Installed, ""));
        Assert.AreEqual(0, h.Reports(stale).Count, "the superseded result is not reported");
        Assert.AreEqual(0, AgentHarness.Count(stale, typeof(FetchS3Object)));

        var done = h.Send(new S3FetchCompleted(second.FetchId, S3FetchStatus.Installed, ""));
        Assert.AreEqual(OtherUrl, AgentHarness.Text(ReportedS3(done), "url"));

        // The first object was never installed: asking for it again fetches it.
        Assert.AreEqual(1, AgentHarness.Count(h.Delta(S3(Url, Hash), 4), typeof(FetchS3Object)));
    }

    [TestMethod]
    public void A_failed_download_is_retried_with_backoff_and_then_reported_installed()
    {
        var h = Fetching();
        var first = (FetchS3Object)AgentHarness.First(h.Delta(S3(Url, Hash), 2), typeof(FetchS3Object));
        var failed = h.Send(new S3FetchCompleted(first.FetchId, S3FetchStatus.DownloadFailed, "connection refused"));
        Assert.AreEqual("download failed: connection refused", AgentHarness.Text(ReportedS3(failed), "status"));
        // Full jitter with the harness's random 0.5: half of the first cap (4 s).
        Assert.AreEqual((h.Now + Seconds(2)).Ticks, h.Due(AgentTimer.S3FetchRetry).Ticks);
        Assert.AreEqual(0, AgentHarness.Count(h.Advance(Seconds(1)), typeof(FetchS3Object)), "not before the backoff");

        var retry = (FetchS3Object)AgentHarness.First(h.Advance(Seconds(1)), typeof(FetchS3Object));
        Assert.AreEqual(1, retry.Attempt);
        Assert.AreNotEqual(first.FetchId, retry.FetchId);

        h.Send(new S3FetchCompleted(retry.FetchId, S3FetchStatus.DownloadFailed, "timeout"));
        Assert.AreEqual((h.Now + Seconds(4)).Ticks, h.Due(AgentTimer.S3FetchRetry).Ticks, "the cap doubles");
        var third = (FetchS3Object)AgentHarness.First(h.Advance(Seconds(4)), typeof(FetchS3Object));
        Assert.AreEqual(2, third.Attempt);

        var done = h.Send(new S3FetchCompleted(third.FetchId, S3FetchStatus.Installed, ""));
        Assert.AreEqual("installed", AgentHarness.Text(ReportedS3(done), "status"));
        Assert.IsFalse(h.HasTimer(AgentTimer.S3FetchRetry));
    }

    [TestMethod]
    public void Retries_stop_after_the_configured_attempts()
    {
        var h = new AgentHarness(new AgentSettings("pump-1") { CanFetchS3Objects = true, S3FetchAttempts = 2, S3RetryMinimum = Seconds(4) });
        h.StartOnline();
        var first = (FetchS3Object)AgentHarness.First(h.Delta(S3(Url, Hash), 2), typeof(FetchS3Object));
        h.Send(new S3FetchCompleted(first.FetchId, S3FetchStatus.DownloadFailed, "no route"));
        var retry = (FetchS3Object)AgentHarness.First(h.Advance(Seconds(2)), typeof(FetchS3Object));
        var last = h.Send(new S3FetchCompleted(retry.FetchId, S3FetchStatus.DownloadFailed, "no route"));
        Assert.IsFalse(h.HasTimer(AgentTimer.S3FetchRetry));
        Assert.IsTrue(AgentHarness.Logged(last, "giving up after 2 attempts"));
        Assert.AreEqual(0, AgentHarness.Count(h.Advance(Seconds(3600)), typeof(FetchS3Object)));
    }

    [TestMethod]
    [DataRow(S3FetchStatus.HashMismatch, "hash mismatch")]
    [DataRow(S3FetchStatus.TooLarge, "too large")]
    public void A_hash_mismatch_or_too_large_object_is_reported_and_not_retried(S3FetchStatus status, string reported)
    {
        var h = Fetching();
        var fetch = (FetchS3Object)AgentHarness.First(h.Delta(S3(Url, Hash), 2), typeof(FetchS3Object));
        var result = h.Send(new S3FetchCompleted(fetch.FetchId, status, "60303ae2..."));
        Assert.AreEqual(reported, AgentHarness.Text(ReportedS3(result), "status"));
        Assert.IsFalse(h.HasTimer(AgentTimer.S3FetchRetry));
        Assert.AreEqual(0, AgentHarness.Count(h.Advance(Seconds(3600)), typeof(FetchS3Object)));
        Assert.AreEqual(0, AgentHarness.Count(h.Delta(S3(Url, Hash), 3), typeof(FetchS3Object)), "the same {url, hash} again cannot help");
        Assert.AreEqual(1, AgentHarness.Count(h.Delta(S3(Url, OtherHash), 4), typeof(FetchS3Object)), "a new upload changes the hash");
    }

    [TestMethod]
    public void After_a_restart_the_installed_file_is_reported_and_not_fetched_again()
    {
        var installedAt = new DateTime(2026, 11, 20, 8, 30, 0);
        var h = Fetching(false);
        h.Send(new AgentStarted(SavedRelayState.None, 0, "BME280", new InstalledS3Object(Url, Hash, installedAt)));
        var connect = h.Send(new ConnectSucceeded());
        var s3 = ReportedS3(connect);
        Assert.AreEqual("installed", AgentHarness.Text(s3, "status"));
        Assert.AreEqual(Iso8601.Format(installedAt), AgentHarness.Text(s3, "at"));

        var fetched = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":" + S3(Url, Hash) + ",\"reported\":{\"connected\":true}},\"version\":1}");
        Assert.AreEqual(0, AgentHarness.Count(fetched, typeof(FetchS3Object)));
        Assert.AreEqual(0, AgentHarness.Count(h.Delta(S3(Url, Hash), 2), typeof(FetchS3Object)));
        Assert.AreEqual(1, AgentHarness.Count(h.Delta(S3(Url, OtherHash), 3), typeof(FetchS3Object)), "a different hash is fetched");
    }

    [TestMethod]
    public void The_same_hash_in_capitals_is_not_fetched_but_reported_in_its_spelling()
    {
        var h = Fetching(false);
        h.Send(new AgentStarted(SavedRelayState.None, 0, "BME280", new InstalledS3Object(Url, Hash, AgentHarness.StartTime)));
        h.Send(new ConnectSucceeded());
        var actions = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":" + S3(Url, Hash.ToUpper()) + ",\"delta\":{\"s3\":{\"hash\":\"" + Hash.ToUpper() + "\"}}},\"version\":1}");
        Assert.AreEqual(0, AgentHarness.Count(actions, typeof(FetchS3Object)));
        var s3 = ReportedS3(actions);
        Assert.AreEqual(Hash.ToUpper(), AgentHarness.Text(s3, "hash"));
        Assert.AreEqual("installed", AgentHarness.Text(s3, "status"));
    }

    [TestMethod]
    public void The_hosts_record_not_the_shadow_decides_what_is_installed()
    {
        // The shadow says installed (desired equals reported: no delta), but this host has no record
        // of it (a new SD card, a deleted file): fetch it.
        var h = Fetching(false);
        h.StartOnline("{\"state\":{\"desired\":" + S3(Url, Hash) + ",\"reported\":{\"connected\":true,\"s3\":{\"url\":\"" + Url + "\",\"hash\":\"" + Hash + "\",\"status\":\"installed\"}}},\"version\":1}");
        Assert.AreEqual(1, AgentHarness.Count(h.All, typeof(FetchS3Object)));
    }

    [TestMethod]
    public void An_unusable_record_is_ignored_and_the_file_fetched()
    {
        var h = Fetching(false);
        var started = h.Send(new AgentStarted(SavedRelayState.None, 0, "BME280", new InstalledS3Object(Url, "not-a-hash", AgentHarness.StartTime)));
        Assert.IsTrue(AgentHarness.Logged(started, "Ignored the host's record"));
        h.Send(new ConnectSucceeded());
        var fetched = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":" + S3(Url, Hash) + "},\"version\":1}");
        Assert.AreEqual(1, AgentHarness.Count(fetched, typeof(FetchS3Object)));
    }

    [TestMethod]
    public void A_delta_with_only_the_changed_hash_makes_the_device_read_the_whole_desired_s3()
    {
        var h = Fetching();
        var partial = h.Delta("{\"s3\":{\"hash\":\"" + OtherHash + "\"}}", 2);
        Assert.AreEqual(0, AgentHarness.Count(partial, typeof(FetchS3Object)));
        Assert.AreEqual(1, AgentHarness.Publishes(partial, h.Topics.Get).Count, "asks for the document");
        Assert.IsNull(AgentHarness.ReportedError(h.Reports(partial), "s3"), "a partial delta is not an error");

        var document = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"desired\":" + S3(Url, OtherHash) + ",\"delta\":{\"s3\":{\"hash\":\"" + OtherHash + "\"}}},\"version\":2}");
        var fetch = (FetchS3Object)AgentHarness.First(document, typeof(FetchS3Object));
        Assert.AreEqual(Url, fetch.Url);
        Assert.AreEqual(OtherHash, fetch.Hash);
    }

    [TestMethod]
    public void Without_the_capability_a_valid_desired_s3_is_reported_not_supported()
    {
        Assert.AreEqual("not supported on this device", StatusForAValidDesiredS3(new AgentSettings("pump-1")));
        var h = new AgentHarness();
        h.StartOnline();
        var actions = h.Delta(S3(Url, Hash), 2);
        var s3 = ReportedS3(actions);
        Assert.AreEqual(Url, AgentHarness.Text(s3, "url"));
        Assert.AreEqual(Hash, AgentHarness.Text(s3, "hash"));
        Assert.IsNull(AgentHarness.ReportedError(h.Reports(h.All), "s3"), "not an error of the desired value");
        Assert.AreEqual(0, h.Reports(h.Delta(S3(Url, Hash), 3)).Count, "reported once");
    }

    [TestMethod]
    public void The_first_report_deletes_an_earlier_firmwares_unknown_setting_error()
    {
        var h = new AgentHarness();
        h.Start();
        var connect = h.Send(new ConnectSucceeded());
        Assert.IsTrue(AgentHarness.ReportedErrorCleared(h.Reports(connect), "s3"));
        var fetched = h.Deliver(h.Topics.GetAccepted, "{\"state\":{\"reported\":{\"connected\":true,\"errors\":{\"s3\":\"unknown setting; ignored\"}}},\"version\":1}");
        Assert.IsNull(AgentHarness.ReportedError(h.Reports(fetched), "s3"), "s3 is no unknown setting any more");
    }

    [TestMethod]
    public void A_result_that_arrives_offline_is_reported_on_reconnect()
    {
        var h = Fetching();
        var fetch = (FetchS3Object)AgentHarness.First(h.Delta(S3(Url, Hash), 2), typeof(FetchS3Object));
        h.Send(new ConnectionLost("gone"));
        var offline = h.Send(new S3FetchCompleted(fetch.FetchId, S3FetchStatus.Installed, ""));
        Assert.AreEqual(0, h.Reports(offline).Count);
        h.AdvanceToReconnect();
        var connect = h.Send(new ConnectSucceeded());
        Assert.AreEqual("installed", AgentHarness.Text(ReportedS3(connect), "status"));
    }

    [TestMethod]
    public void Shutdown_cancels_the_running_fetch()
    {
        var h = Fetching();
        var fetch = (FetchS3Object)AgentHarness.First(h.Delta(S3(Url, Hash), 2), typeof(FetchS3Object));
        var actions = h.Send(new ShutdownRequested());
        Assert.AreEqual(fetch.FetchId, ((CancelS3Fetch)AgentHarness.First(actions, typeof(CancelS3Fetch))).FetchId);
    }

    /// <summary>For the hosts' tests: what a device with <paramref name="settings"/> reports in
    /// reported.s3.status for a valid desired.s3, after asserting it fetches nothing.</summary>
    internal static string StatusForAValidDesiredS3(AgentSettings settings)
    {
        var h = new AgentHarness(settings);
        h.StartOnline();
        var actions = h.Delta(S3(Url, Hash), 2);
        Assert.AreEqual(0, AgentHarness.Count(actions, typeof(FetchS3Object)), "nothing is fetched");
        Assert.IsNull(AgentHarness.ReportedError(h.Reports(actions), "s3"));
        return AgentHarness.Text(ReportedS3(actions), "status");
    }

    private static AgentHarness Fetching() => Fetching(true);

    /// <summary>A harness whose host can fetch (first retry cap 4 s); online when <paramref name="online"/>.</summary>
    private static AgentHarness Fetching(bool online)
    {
        var h = new AgentHarness(new AgentSettings("pump-1") { FirmwareVersion = "1.2.3", CanFetchS3Objects = true, S3RetryMinimum = Seconds(4) });
        if (online)
        {
            h.StartOnline();
        }

        return h;
    }

    private static string S3(string url, string hash) => "{\"s3\":{\"url\":\"" + url + "\",\"hash\":\"" + hash + "\"}}";

    /// <summary>The reported.s3 of the last report among <paramref name="actions"/> that has one.</summary>
    private static JsonValue ReportedS3(ArrayList actions)
    {
        var reports = AgentHarness.Publishes(actions, UpdateTopic);
        JsonValue? s3 = null;
        for (var i = 0; i < reports.Count; i++)
        {
            var found = AgentHarness.Reported((Publish)reports[i]!).FindObject("s3");
            if (found != null)
            {
                s3 = found;
            }
        }

        Assert.IsNotNull(s3, "a report carries reported.s3");
        return s3!;
    }

    /// <summary>The /update topic of thing pump-1 (every harness here).</summary>
    private static readonly string UpdateTopic = new ShadowTopics("pump-1", null, null).Update;

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond);
}

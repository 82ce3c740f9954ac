using System.Diagnostics;
using System.Text.Json.Nodes;
using Firmware.EndToEnd.Harness;

namespace Firmware.EndToEnd.Tests;

/// <summary>
/// The scenarios that run against both brokers. Each takes a started rig (LocalIotCore, maybe
/// mosquitto, the fault proxy and the telemetry consumer) and drives the firmware as a real process.
/// Waits are deadlines on conditions, never fixed sleeps, except where a test must show that
/// something does NOT happen within a period (a notification): there it waits that period, named.
/// </summary>
internal static class Scenarios
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>1. desired.MOTOR ON/OFF switches the relay and reported follows; a change made while the firmware is stopped applies at its next start.</summary>
    public static async Task MotorFollowsDesired(Rig rig)
    {
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);

        await Desire(rig, "{\"MOTOR\":\"ON\"}");
        await rig.Until(() => MotorApplied(rig, on: true), Patience, "relay ON, reported.MOTOR ON, no delta left");
        await Desire(rig, "{\"MOTOR\":\"OFF\"}");
        await rig.Until(() => MotorApplied(rig, on: false), Patience, "relay OFF, reported.MOTOR OFF, no delta left");
        Assert.AreEqual(2, rig.RelayActuations, "one actuation per command");

        Assert.AreEqual(0, await rig.StopFirmwareAsync(), "SIGTERM stops the firmware cleanly");
        Assert.IsFalse(await rig.Shadow.ConnectedAsync(), "the clean stop reported connected=false");

        await Desire(rig, "{\"MOTOR\":\"ON\"}");
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);
        await rig.Until(() => MotorApplied(rig, on: true), Patience, "the change made while stopped applied at start");
        Assert.AreEqual(3, rig.RelayActuations);
    }

    /// <summary>2. kill -9: the will turns the flag false within 1.5 x keep-alive; the notifier fires once after grace; a restart within grace sends none.</summary>
    public static async Task<TimeSpan> CrashTurnsFlagFalseAndNotifiesOnce(Rig rig)
    {
        var grace = TimeSpan.FromSeconds(rig.Options.GraceSeconds);
        var flagBound = TimeSpan.FromSeconds(rig.Options.KeepAliveSeconds * 1.5 + 5);
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);
        Assert.AreEqual(0, await rig.Shadow.NotificationCountAsync());

        var watch = Stopwatch.StartNew();
        await rig.KillFirmwareAsync();
        await rig.Until(async () => await rig.Shadow.ConnectedAsync() == false, flagBound, "connected=false through the will and the rule");
        var flagDelay = watch.Elapsed;
        await rig.Until(async () => await rig.Shadow.NotificationCountAsync() >= 1, grace + Patience, "a notification after the grace period");
        Assert.IsTrue(watch.Elapsed >= grace, "the notification waited the grace period (" + watch.Elapsed + ")");
        // Absence needs a period: one more grace period shows the outage is notified once, not again.
        await Task.Delay(grace + TimeSpan.FromSeconds(1));
        Assert.AreEqual(1, await rig.Shadow.NotificationCountAsync(), "one outage, one notification");

        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);
        await rig.KillFirmwareAsync();
        await rig.Until(async () => await rig.Shadow.ConnectedAsync() == false, flagBound, "connected=false after the second crash");
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);
        await Task.Delay(grace + TimeSpan.FromSeconds(1));
        Assert.AreEqual(1, await rig.Shadow.NotificationCountAsync(), "a device back within grace is not notified");
        Assert.IsTrue(await rig.Shadow.ConnectedAsync() == true);
        return flagDelay;
    }

    /// <summary>3. Blackhole, reset and a slow link through the proxy: the firmware notices, reconnects once the path is back, and telemetry arrives without gaps.</summary>
    public static async Task<TelemetryTally> NetworkFaultsLoseNoTelemetry(Rig rig)
    {
        var detectBound = TimeSpan.FromSeconds(rig.Options.KeepAliveSeconds * 1.5 + 10);
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);
        await rig.Until(() => rig.Telemetry.HighestSeq >= 0, Patience, "telemetry at the consumer");
        var firstSeq = rig.Telemetry.HighestSeq;
        var firmware = rig.Firmware!;

        // Silent blackhole: no RST, no FIN; only keep-alive (or a missing PUBACK) can tell.
        var mark = firmware.LineCount;
        rig.Proxy.Inject(NetworkFault.Blackhole);
        await firmware.WaitForLineAsync(Rig.IsLinkLostLine, detectBound, "that it lost the link in the blackhole", mark);
        // The broker's side: 1.5 x keep-alive of silence, then the will sets the flag false.
        await rig.Until(async () => await rig.Shadow.ConnectedAsync() == false, detectBound, "connected=false while the device is unreachable");
        mark = firmware.LineCount;
        rig.Proxy.Heal();
        await rig.WaitForFirmwareOnlineAsync(Patience, mark);

        // Reset: both sides see the drop at once.
        mark = firmware.LineCount;
        rig.Proxy.Inject(NetworkFault.Reset);
        await firmware.WaitForLineAsync(Rig.IsLinkLostLine, Patience, "that the reset dropped the link", mark);
        await rig.WaitForFirmwareOnlineAsync(Patience, mark);

        // Slow link: the connection survives, telemetry keeps flowing, late.
        var before = rig.Telemetry.HighestSeq;
        rig.Proxy.Inject(NetworkFault.Slow);
        await rig.Until(() => rig.Telemetry.HighestSeq >= before + 3, Patience, "telemetry through the slow link");
        rig.Proxy.Heal();

        // Everything produced so far arrives: in-order publishing means the newest implies the rest.
        var target = rig.Telemetry.HighestSeq + 3;
        await rig.Until(() => rig.Telemetry.HighestSeq >= target, Patience, "telemetry flowing again");
        var tally = rig.Telemetry.Tally(firstSeq);
        Assert.AreEqual(0, tally.Missing.Count, "telemetry gaps: " + tally);
        Assert.IsTrue(await rig.Shadow.ConnectedAsync() == true, "online at the end");
        Assert.AreEqual(0, rig.FirmwareCrashes);
        return tally;
    }

    /// <summary>
    /// The notifier's grace in the restart scenarios: the check made before the kill must still be
    /// pending once LocalIotCore is back, however long a busy machine takes to kill and start it.
    /// </summary>
    public const double RestartGraceSeconds = 30;

    /// <summary>4. LocalIotCore killed and restarted on its data directory: shadow and pending checks survive; the firmware reconnects and applies what changed meanwhile.</summary>
    public static async Task CloudRestartKeepsStateAndFirmwareCatchesUp(Rig rig)
    {
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);
        await Desire(rig, "{\"MOTOR\":\"ON\"}");
        await rig.Until(() => MotorApplied(rig, on: true), Patience, "relay ON before the restart");
        var versionBefore = (int)(await rig.Shadow.ShadowAsync())!["version"]!;

        // Another thing goes offline: its notifier check is pending when the cloud dies.
        using var other = new ShadowApi(rig.HttpPort, "pump-2");
        Assert.AreEqual(200, (await other.UpdateAsync("{\"state\":{\"reported\":{\"connected\":true}}}")).Status);
        Assert.AreEqual(200, (await other.UpdateAsync("{\"state\":{\"reported\":{\"connected\":false}}}")).Status);
        Assert.IsTrue(await rig.Shadow.PendingChecksAsync() >= 1, "pump-2's check is pending");

        // Keep the firmware away while the cloud is down and while the desired state changes.
        rig.Proxy.Inject(NetworkFault.Refuse);
        await rig.KillCloudAsync();
        if (rig.Options.Broker == BrokerKind.Mosquitto)
        {
            await rig.RestartMosquittoAsync();
        }

        var mark = rig.Firmware!.LineCount;
        await rig.StartCloudAsync();
        var document = (await rig.Shadow.ShadowAsync())!;
        Assert.AreEqual("ON", (string?)document["state"]!["reported"]!["MOTOR"], "the shadow survived the restart");
        Assert.IsTrue((int)document["version"]! >= versionBefore, "versions never go back");
        Assert.IsTrue(await rig.Shadow.PendingChecksAsync() >= 1, "the pending check survived the restart");

        await Desire(rig, "{\"MOTOR\":\"OFF\"}");
        rig.Proxy.Heal();
        await rig.WaitForFirmwareOnlineAsync(Patience, mark);
        await rig.Until(() => MotorApplied(rig, on: false), Patience, "the change made while the cloud was away, applied after the reconnect");
        await rig.Until(async () => await other.NotificationCountAsync() == 1, Patience, "the persisted check fired after the restart");
        Assert.AreEqual(0, rig.FirmwareCrashes);
    }

    /// <summary>
    /// 5. Forged deltas straight onto the device's delta topic (published as the shadow service's own
    /// broker user, the only one the rig's mosquitto lets publish there: what a compromised service, or
    /// a broker without that ACL, would send): the 2^63-1 version, one that does not fit 64 bits and a
    /// thousand with versions from 100000 move nothing and pin nothing; the next real command is obeyed.
    /// </summary>
    public static async Task ForgedDeltaVersionsLockNothingOut(Rig rig)
    {
        var firmware = rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);
        await firmware.WaitForLineAsync(Rig.IsShadowFetchedLine, Patience, "the start-up /get answered");
        var delta = "$aws/things/" + rig.Options.Thing + "/shadow/update/delta";
        using var forger = new MQTTnet.MqttClientFactory().CreateMqttClient();
        await forger.ConnectAsync(new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", rig.PlainPort).WithClientId("forger").WithCredentials(LocalIotCore.Broker.ExternalBrokerBridge.UserName).Build());
        Task Forge(string json) => forger.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic(delta).WithPayload(json).WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Forge("{\"state\":{\"MOTOR\":\"ON\"},\"version\":9223372036854775808}");
        // Before the next one: the shadow answer that one makes the firmware fetch clears errors.message.
        await rig.Until(async () => ((string?)Errors(await rig.Shadow.ReportedAsync())?["message"])?.Contains("is not a positive 64-bit integer", StringComparison.Ordinal) == true, Patience, "reported.errors.message for the version that does not fit");
        await Forge("{\"state\":{\"MOTOR\":\"ON\"},\"version\":9223372036854775807}");
        for (var i = 0; i < 1000; i++)
        {
            await Forge("{\"state\":{\"MOTOR\":\"" + (i % 2 == 0 ? "ON" : "OFF") + "\"},\"version\":" + (100_000 + i) + "}");
        }

        // A real command after them: once it is applied, every forged delta before it was handled.
        var watch = Stopwatch.StartNew();
        await Desire(rig, "{\"MOTOR\":\"ON\"}");
        await rig.Until(() => MotorApplied(rig, on: true), Patience, "the real command after the forged deltas");
        var obeyedAfter = watch.Elapsed;
        Assert.AreEqual(1, rig.RelayActuations, "only the real command moved the relay");
        await Desire(rig, "{\"MOTOR\":\"OFF\"}");
        await rig.Until(() => MotorApplied(rig, on: false), Patience, "the next real command");
        Assert.AreEqual(2, rig.RelayActuations);
        Assert.IsTrue(rig.FirmwareRunning);
        Assert.AreEqual(0, rig.FirmwareCrashes);
        Assert.IsTrue(obeyedAfter < TimeSpan.FromSeconds(10), "obeyed within the usual bound, not after a re-fetch timeout (" + obeyedAfter + ")");
    }

    /// <summary>
    /// 6. A file uploaded to S3 reaches the device (rig with <see cref="RigOptions.FetchS3Files"/>): the
    /// upload rule writes desired.s3 {url, hash} into the shadow, the firmware fetches it with credentials
    /// from the credentials provider, installs it and reports it; a second upload replaces it; a hash that
    /// does not match the object installs nothing and is reported; after a restart the installed file with
    /// the right hash is not fetched again.
    /// </summary>
    public static async Task UploadedFileIsInstalledReplacedAndKeptOnMismatch(Rig rig)
    {
        rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);
        using var uploader = new FileUploader(rig);
        const string key = "config/pump.json";
        var url = FileUploader.Url(key);
        var installed = Path.Combine(rig.FilesFolder, "config", "pump.json");

        var first = "{\"setpointCelsius\":21}"u8.ToArray();
        var firstHash = FileUploader.Sha256(first);
        await uploader.PutAsync(key, first);
        await rig.Until(async () => S3Is((await rig.Shadow.ShadowAsync())?["state"]?["desired"], url, firstHash), Patience, "desired.s3 {" + url + ", " + firstHash + "} written by the upload rule");
        await rig.Until(async () => S3Is(await rig.Shadow.ReportedAsync(), url, firstHash, "installed"), Patience, "reported.s3 installed with the first upload's hash");
        CollectionAssert.AreEqual(first, File.ReadAllBytes(installed), "the first upload installed under its key");
        Assert.IsNotNull((string?)(await rig.Shadow.ReportedAsync())?["s3"]?["at"], "reported.s3.at says when");

        // The same key again with new content: a new hash, so the device sees a delta and replaces the file.
        var second = "{\"setpointCelsius\":23}"u8.ToArray();
        var secondHash = FileUploader.Sha256(second);
        await uploader.PutAsync(key, second);
        await rig.Until(async () => S3Is(await rig.Shadow.ReportedAsync(), url, secondHash, "installed"), Patience, "reported.s3 installed with the second upload's hash");
        CollectionAssert.AreEqual(second, File.ReadAllBytes(installed), "the second upload replaced the file");

        // A corrupted object, as the device sees one: the object's SHA-256 is not the desired hash.
        var wrongHash = FileUploader.Sha256("not what is in the bucket"u8.ToArray());
        await Desire(rig, "{\"s3\":{\"url\":\"" + url + "\",\"hash\":\"" + wrongHash + "\"}}");
        await rig.Until(async () => S3Is(await rig.Shadow.ReportedAsync(), url, wrongHash, "hash mismatch"), Patience, "reported.s3 hash mismatch");
        CollectionAssert.AreEqual(second, File.ReadAllBytes(installed), "a mismatching download installs nothing: the previous file stays");

        // The right hash again: that file is already in place.
        var firmware = rig.Firmware!;
        var mark = firmware.LineCount;
        await Desire(rig, "{\"s3\":{\"url\":\"" + url + "\",\"hash\":\"" + secondHash + "\"}}");
        await firmware.WaitForLineAsync(line => line.Contains(url + " with SHA-256 " + secondHash + " is already installed; not fetched again.", StringComparison.Ordinal), Patience, "that the installed file is not fetched again", mark);
        await rig.Until(async () => S3Is(await rig.Shadow.ReportedAsync(), url, secondHash, "installed"), Patience, "reported.s3 installed again");

        // A restart: the install record says the file with that hash is in place.
        var writtenAt = File.GetLastWriteTimeUtc(installed);
        Assert.AreEqual(0, await rig.StopFirmwareAsync(), "SIGTERM stops the firmware cleanly");
        var restarted = rig.StartFirmware();
        await rig.WaitForFirmwareOnlineAsync(Patience);
        await restarted.WaitForLineAsync(Rig.IsShadowFetchedLine, Patience, "the start-up /get answered");
        // A change after the start-up document: once it is applied, desired.s3 was decided on.
        await Desire(rig, "{\"telemetryIntervalSeconds\":2}");
        await rig.Until(async () => (int?)(await rig.Shadow.ReportedAsync())?["telemetryIntervalSeconds"] == 2, Patience, "the change after the restart");
        Assert.IsFalse(restarted.Lines().Any(line => line.Contains("Fetching " + url, StringComparison.Ordinal)), "the restarted firmware fetched the installed file again:\n" + restarted.Tail(25));
        Assert.AreEqual(writtenAt, File.GetLastWriteTimeUtc(installed), "the installed file was not rewritten");
        CollectionAssert.AreEqual(second, File.ReadAllBytes(installed));
        Assert.IsTrue(S3Is(await rig.Shadow.ReportedAsync(), url, secondHash, "installed"), "reported.s3 still installed after the restart");

        // The upload rule's history: both uploads, each written into this thing's shadow.
        var uploads = (await rig.Shadow.S3UploadsAsync())?["uploads"]?.AsArray() ?? [];
        foreach (var hash in new[] { firstHash, secondHash })
        {
            var upload = uploads.SingleOrDefault(u => (string?)u?["url"] == url && (string?)u?["hash"] == hash);
            Assert.IsNotNull(upload, "/api/s3-uploads lists the upload with hash " + hash + ": " + uploads.ToJsonString());
            Assert.IsTrue(upload["results"]!.AsArray().Any(r => (string?)r?["thing"] == rig.Options.Thing && (string?)r?["status"] == "updated"), rig.Options.Thing + " updated by upload " + hash + ": " + upload.ToJsonString());
        }

        Assert.AreEqual(0, rig.FirmwareCrashes);
    }

    /// <summary>Whether <paramref name="section"/>.s3 (desired or reported) names <paramref name="url"/> and <paramref name="hash"/>, and, when given, <paramref name="status"/>.</summary>
    public static bool S3Is(JsonNode? section, string url, string hash, string? status = null)
    {
        var s3 = section?["s3"];
        return (string?)s3?["url"] == url && (string?)s3?["hash"] == hash && (status is null || (string?)s3?["status"] == status);
    }

    public static async Task Desire(Rig rig, string desiredJson)
    {
        var (status, body) = await rig.Shadow.DesireAsync(desiredJson);
        Assert.AreEqual(200, status, body);
    }

    public static async Task<bool> MotorApplied(Rig rig, bool on)
    {
        var document = await rig.Shadow.ShadowAsync();
        return rig.RelayIsOn == on
            && (string?)document?["state"]?["reported"]?["MOTOR"] == (on ? "ON" : "OFF")
            && document?["state"]?["delta"]?["MOTOR"] is null;
    }

    public static JsonNode? Errors(JsonNode? reported) => reported?["errors"];
}

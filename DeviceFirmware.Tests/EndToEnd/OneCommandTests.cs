using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeviceFirmware.Tests.Support;
using Firmware.EndToEnd.Harness;
using LocalIotCore.Hosting;

namespace DeviceFirmware.Tests.EndToEnd;

/// <summary>
/// "One command": the built firmware as a real OS process with no Mqtt:Endpoint runs LocalIotCore
/// in-process, takes a motor command over HTTP, and on Ctrl+C (SIGINT) or SIGTERM reports
/// connected=false, disconnects cleanly, stops LocalIotCore and exits 0.
/// </summary>
[TestClass]
public sealed partial class OneCommandTests
{
    /// <summary>Generous: the test waits for events, this only bounds a hang, whatever the machine's speed.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [TestMethod]
    [OSCondition(OperatingSystems.Linux | OperatingSystems.OSX)]
    [UnsupportedOSPlatform("windows")]
    [DataRow(ChildProcess.SigInt, DisplayName = "Ctrl+C (SIGINT)")]
    [DataRow(ChildProcess.SigTerm, DisplayName = "SIGTERM")]
    public async Task With_no_endpoint_the_firmware_runs_LocalIotCore_switches_the_motor_and_a_signal_stops_it_cleanly(int signal)
    {
        var folder = Path.Combine(Path.GetTempPath(), "fw-onecommand-" + Guid.NewGuid().ToString("N"));
        var data = Path.Combine(folder, "data");
        Directory.CreateDirectory(folder);
        string log;
        await using (var firmware = ChildProcess.Start("DeviceFirmware", BuiltPrograms.DotnetHost, [BuiltPrograms.Dll("DeviceFirmware"), "--LocalIotCore:MqttPort=0", "--LocalIotCore:HttpPort=0", "--LocalIotCore:HttpsPort=0", "--Device:DataDirectory=" + data, "--Telemetry:IntervalSeconds=1"], folder))
        {
            // The last line of the printout: all of it has arrived.
            await firmware.WaitForLineAsync(line => line.StartsWith("Ctrl+C stops it", StringComparison.Ordinal), Patience, "how to reach it");
            var output = string.Join('\n', firmware.Lines());
            var endpoint = new Uri(HttpApiLine().Match(output).Groups[1].Value);
            var shadow = new Uri(endpoint, "/things/pump-1/shadow");
            StringAssert.Contains(output, "Thing:      pump-1 (the local-mode default");
            StringAssert.Contains(output, "curl -X POST " + shadow + " -d '{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}'");
            StringAssert.Contains(output, "curl " + shadow);
            StringAssert.Contains(output, "topic things/pump-1/telemetry on the broker");
            var upload = UploadLine().Match(output);
            Assert.IsTrue(upload.Success, "how to upload a file for the device:\n" + output);
            StringAssert.StartsWith(upload.Groups[1].Value, "AWS_ACCESS_KEY_ID=LOCALIOTCOREADMIN AWS_SECRET_ACCESS_KEY=localiotcore-admin-secret aws s3 cp FILE s3://device-files/KEY --endpoint-url https://localhost:");
            StringAssert.EndsWith(upload.Groups[1].Value, " --ca-bundle " + Path.Combine(data, "local-certs", "root-ca.pem"));
            StringAssert.Contains(output, "this device installs it as " + Path.Combine(data, "files", "KEY"));
            var dashboard = new Uri(DashboardLine().Match(output).Groups[1].Value);
            Assert.AreEqual(new Uri(endpoint, "/"), dashboard, "the dashboard is the HTTP host's root");

            using var http = new HttpClient { BaseAddress = endpoint };
            using (var page = await http.GetAsync(dashboard))
            {
                Assert.AreEqual("text/html", page.Content.Headers.ContentType?.MediaType, "the printed dashboard address serves the page");
            }

            await PumpShadow.Desire(http, "{\"MOTOR\":\"ON\"}");
            await Eventually.Until(
                async () => await Reported(http) is { } reported && (string?)reported["MOTOR"] == "ON" && reported["connected"]?.GetValue<bool>() == true,
                "reported.MOTOR ON and reported.connected true over HTTP",
                Patience);

            if (signal == ChildProcess.SigInt && firmware.Ignores(ChildProcess.SigInt))
            {
                Assert.Inconclusive("This test run ignores SIGINT (started in the background by a non-interactive shell), and the firmware inherits that, so Ctrl+C cannot be tried here.");
            }

            firmware.Signal(signal);
            var exitCode = await firmware.WaitForExitAsync(Patience);
            log = string.Join('\n', firmware.Lines());
            Assert.AreEqual(0, exitCode, log);
        }

        var disconnected = log.IndexOf("Disconnected cleanly", StringComparison.Ordinal);
        var stopped = log.IndexOf("LocalIotCore stopped.", StringComparison.Ordinal);
        Assert.IsTrue(disconnected >= 0 && stopped > disconnected, "the firmware disconnects first, then LocalIotCore stops:\n" + log);

        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "local-certs", "private.pem.key")), "the minted private key is the owner's alone");

        // What the device left behind, read from LocalIotCore's data directory after the process has gone.
        await using (var cloud = await LocalIotCoreServer.StartAsync(new LocalIotCoreOptions { DataDirectory = Path.Combine(data, "localiotcore"), MqttPort = 0, HttpPort = 0 }))
        {
            Assert.IsFalse(PumpShadow.Reported(cloud)!["connected"]!.GetValue<bool>(), "the clean shutdown reported connected=false");
            Assert.AreEqual("CLIENT_INITIATED_DISCONNECT", cloud.Connections.Find(PumpShadow.Thing)?.LastDisconnectReason, "a DISCONNECT, not a dropped link (no Last Will)");
            Assert.IsFalse(cloud.Connections.Find(PumpShadow.Thing)!.Connected);
            // The notifier saw true -> false and waits its grace (300 s) before it would notify anyone.
            Assert.AreEqual(1, cloud.Notifier.PendingChecks);
            Assert.AreEqual(0, cloud.Notifier.Notifications.Count);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [TestMethod]
    [OSCondition(OperatingSystems.Linux | OperatingSystems.OSX)]
    public async Task In_local_mode_the_printed_aws_s3_cp_line_sends_the_device_a_file()
    {
        if (!File.Exists(AwsCli))
        {
            Assert.Inconclusive("Debian's AWS CLI (" + AwsCli + ") is not installed");
        }

        var folder = Path.Combine(Path.GetTempPath(), "fw-onecommand-s3-" + Guid.NewGuid().ToString("N"));
        var data = Path.Combine(folder, "data");
        Directory.CreateDirectory(folder);
        await using (var firmware = ChildProcess.Start("DeviceFirmware", BuiltPrograms.DotnetHost, [BuiltPrograms.Dll("DeviceFirmware"), "--LocalIotCore:MqttPort=0", "--LocalIotCore:HttpPort=0", "--LocalIotCore:HttpsPort=0", "--Device:DataDirectory=" + data], folder))
        {
            await firmware.WaitForLineAsync(line => line.StartsWith("Ctrl+C stops it", StringComparison.Ordinal), Patience, "how to reach it");
            var output = string.Join('\n', firmware.Lines());
            var upload = UploadLine().Match(output).Groups[1].Value;
            var installedAs = InstalledAsLine().Match(output).Groups[1].Value;
            using var http = new HttpClient { BaseAddress = new Uri(HttpApiLine().Match(output).Groups[1].Value) };
            await Eventually.Until(async () => await Reported(http) is { } reported && reported["connected"]?.GetValue<bool>() == true, "reported.connected true", Patience);

            // The printed line as a user pastes it, with their file and key.
            var file = Path.Combine(folder, "pump.json");
            var content = "{\"setpointCelsius\":22}"u8.ToArray();
            await File.WriteAllBytesAsync(file, content);
            const string key = "config/pump.json";
            var command = upload.Replace(" aws ", " " + AwsCli + " ", StringComparison.Ordinal).Replace("FILE", file, StringComparison.Ordinal).Replace("/KEY", "/" + key, StringComparison.Ordinal);
            var (exit, cliOutput) = await RunShellAsync(command, folder);
            Assert.AreEqual(0, exit, command + "\n" + cliOutput);

            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));
            await Eventually.Until(
                async () => await Reported(http) is { } reported && (string?)reported["s3"]?["status"] == "installed" && (string?)reported["s3"]?["hash"] == hash,
                "reported.s3 installed with the uploaded file's SHA-256",
                Patience);
            CollectionAssert.AreEqual(content, await File.ReadAllBytesAsync(installedAs.Replace("KEY", key, StringComparison.Ordinal)), "the file is where the printout said");

            firmware.Signal(ChildProcess.SigTerm);
            Assert.AreEqual(0, await firmware.WaitForExitAsync(Patience));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Debian's AWS CLI; an <c>aws</c> earlier on PATH may be another installation's shim.</summary>
    private const string AwsCli = "/usr/bin/aws";

    /// <summary>Runs a command line through sh, with no AWS configuration of the user's, to its end (a minute at most).</summary>
    private static async Task<(int Exit, string Output)> RunShellAsync(string command, string folder)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    private static async Task<JsonNode?> Reported(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/things/pump-1/shadow", UriKind.Relative));
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())?["state"]?["reported"] : null;
    }

    [GeneratedRegex(@"HTTP API:\s+(http://\S+)", RegexOptions.Multiline)]
    private static partial Regex HttpApiLine();

    [GeneratedRegex(@"Upload:\s+(.+?)\s*$", RegexOptions.Multiline)]
    private static partial Regex UploadLine();

    [GeneratedRegex(@"this device installs it as (\S+)\)", RegexOptions.Multiline)]
    private static partial Regex InstalledAsLine();

    [GeneratedRegex(@"Dashboard:\s+(http://\S+)", RegexOptions.Multiline)]
    private static partial Regex DashboardLine();
}

using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DeviceFirmware.Tests.Support;
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
    private const int Sigint = 2;
    private const int Sigterm = 15;

    /// <summary>Generous: the test waits for events, this only bounds a hang, whatever the machine's speed.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [TestMethod]
    [OSCondition(OperatingSystems.Linux | OperatingSystems.OSX)]
    [UnsupportedOSPlatform("windows")]
    [DataRow(Sigint, DisplayName = "Ctrl+C (SIGINT)")]
    [DataRow(Sigterm, DisplayName = "SIGTERM")]
    public async Task With_no_endpoint_the_firmware_runs_LocalIotCore_switches_the_motor_and_a_signal_stops_it_cleanly(int signal)
    {
        var folder = Path.Combine(Path.GetTempPath(), "fw-onecommand-" + Guid.NewGuid().ToString("N"));
        var data = Path.Combine(folder, "data");
        Directory.CreateDirectory(folder);
        var output = new StringBuilder();
        var httpApi = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        Uri? printedEndpoint = null;
        using var process = new Process
        {
            StartInfo = new ProcessStartInfo(DotnetHost(), [FirmwareDll(), "--LocalIotCore:MqttPort=0", "--LocalIotCore:HttpPort=0", "--Device:DataDirectory=" + data, "--Telemetry:IntervalSeconds=1"])
            {
                WorkingDirectory = folder,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            },
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (HttpApiLine().Match(e.Data) is { Success: true } match)
            {
                printedEndpoint = new Uri(match.Groups[1].Value);
            }
            else if (e.Data.StartsWith("Ctrl+C stops it", StringComparison.Ordinal) && printedEndpoint is not null)
            {
                // The last line of the printout: all of it has arrived.
                httpApi.TrySetResult(printedEndpoint);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        string Output()
        {
            lock (output)
            {
                return output.ToString();
            }
        }

        Assert.IsTrue(process.Start());
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var started = await Task.WhenAny(httpApi.Task, process.WaitForExitAsync()).WaitAsync(Patience);
            Assert.AreSame(httpApi.Task, started, "the firmware exited before it printed how to reach it:\n" + Output());
            var endpoint = await httpApi.Task;
            var shadow = new Uri(endpoint, "/things/pump-1/shadow");
            StringAssert.Contains(Output(), "Thing:      pump-1 (the local-mode default");
            StringAssert.Contains(Output(), "curl -X POST " + shadow + " -d '{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}'");
            StringAssert.Contains(Output(), "curl " + shadow);
            StringAssert.Contains(Output(), "topic things/pump-1/telemetry on the broker");

            using var http = new HttpClient { BaseAddress = endpoint };
            await PumpShadow.Desire(http, "{\"MOTOR\":\"ON\"}");
            await Eventually.Until(
                async () => await Reported(http) is { } reported && (string?)reported["MOTOR"] == "ON" && reported["connected"]?.GetValue<bool>() == true,
                "reported.MOTOR ON and reported.connected true over HTTP",
                Patience);

            if (signal == Sigint && IgnoresSigint(process.Id))
            {
                Assert.Inconclusive("This test run ignores SIGINT (started in the background by a non-interactive shell), and the firmware inherits that, so Ctrl+C cannot be tried here.");
            }

            Assert.AreEqual(0, Kill(process.Id, signal), "kill(2) failed, errno " + Marshal.GetLastPInvokeError());
            await process.WaitForExitAsync().WaitAsync(Patience);
            Assert.AreEqual(0, process.ExitCode, Output());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        var log = Output();
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

    private static async Task<JsonNode?> Reported(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/things/pump-1/shadow", UriKind.Relative));
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())?["state"]?["reported"] : null;
    }

    /// <summary>The DeviceFirmware project's own build output, of the same configuration as this test assembly.</summary>
    private static string FirmwareDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var root = output;
        while (!File.Exists(Path.Combine(root.FullName, "Firmware.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Firmware.sln not found above " + AppContext.BaseDirectory);
        }

        var dll = Path.Combine(root.FullName, "DeviceFirmware", "bin", configuration, framework, "DeviceFirmware.dll");
        Assert.IsTrue(File.Exists(dll), "build the DeviceFirmware project first: " + dll);
        return dll;
    }

    /// <summary>The dotnet host that runs this test (dotnet test sets DOTNET_HOST_PATH).</summary>
    private static string DotnetHost() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    /// <summary>Linux: bit SIGINT-1 of SigIgn in /proc/PID/status. Elsewhere assumed not ignored.</summary>
    private static bool IgnoresSigint(int pid)
    {
        var status = "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/status";
        if (!File.Exists(status))
        {
            return false;
        }

        foreach (var line in File.ReadLines(status))
        {
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
            {
                return (ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (Sigint - 1))) != 0;
            }
        }

        return false;
    }

    [GeneratedRegex(@"^\s*HTTP API:\s+(http://\S+)\s*$")]
    private static partial Regex HttpApiLine();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

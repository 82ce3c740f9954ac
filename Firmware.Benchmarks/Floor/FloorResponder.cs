using System.Diagnostics;
using System.Globalization;
using Firmware.EndToEnd.Harness;

namespace Firmware.Benchmarks.Floor;

/// <summary>
/// floor-responder.c: the least a device can do to answer a motor command (Debian's libmosquitto,
/// same link as the firmware), compiled by the benchmark into a temporary folder and started against a
/// rig's LocalIotCore with the rig's device certificate.
/// </summary>
internal static class FloorResponder
{
    public const string ReadyLine = "subscribed to ";

    private const string Header = "/usr/include/mosquitto.h";

    public static string SourcePath => Path.Combine(BuiltPrograms.RepositoryRoot, "Firmware.Benchmarks", "Floor", "floor-responder.c");

    /// <summary>The command that builds it, as the report quotes it.</summary>
    public static string BuildCommand => "cc -O2 -Wall -o floor-responder Firmware.Benchmarks/Floor/floor-responder.c -lmosquitto";

    /// <summary>Compiles the responder into <paramref name="folder"/>; the executable, or why there is none.</summary>
    public static (string? Executable, string? Problem) Build(string folder)
    {
        if (!File.Exists(Header))
        {
            return (null, "libmosquitto-dev is not installed (no " + Header + "): apt-get install libmosquitto-dev");
        }

        var executable = Path.Combine(folder, "floor-responder");
        var info = new ProcessStartInfo("cc") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-O2", "-Wall", "-o", executable, SourcePath, "-lmosquitto" })
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var compiler = Process.Start(info)!;
            var output = compiler.StandardError.ReadToEndAsync();
            compiler.StandardOutput.ReadToEnd();
            compiler.WaitForExit();
            return compiler.ExitCode == 0 ? (executable, null) : (null, "cc failed: " + output.Result.Trim());
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (null, "no C compiler (cc): " + ex.Message + "; apt-get install gcc");
        }
    }

    /// <summary>Starts it as the rig's thing, straight to the broker's TLS port; returns once it is subscribed to its delta topic.</summary>
    public static async Task<ChildProcess> StartAsync(Rig rig, string executable)
    {
        ArgumentNullException.ThrowIfNull(rig);
        var process = ChildProcess.Start("floor-responder", executable,
            ["localhost", rig.BrokerTlsPort.ToString(CultureInfo.InvariantCulture), rig.Options.Thing, rig.RootCaPath, rig.DeviceCertificatePath, rig.DeviceKeyPath],
            rig.Folder, Path.Combine(rig.LogFolder, "floor-responder.log"));
        try
        {
            await process.WaitForLineAsync(line => line.StartsWith(ReadyLine, StringComparison.Ordinal), TimeSpan.FromSeconds(60), "that it subscribed").ConfigureAwait(false);
            return process;
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

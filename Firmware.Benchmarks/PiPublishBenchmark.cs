using System.Globalization;

namespace Firmware.Benchmarks;

/// <summary>
/// The Raspberry Pi build (docs/raspberry-pi.md) and two smaller variants of it: what each puts on
/// the Pi's SD card, and whether it builds here without warnings. NativeAOT for linux-arm64 needs the
/// cross toolchain from Debian's packages; where it cannot build, the row says why instead.
/// </summary>
internal static class PiPublishBenchmark
{
    private const int MainFiles = 4;

    public static void Run(BenchmarkReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        string[] pi = ["-r", "linux-arm64", "--self-contained", "-p:EmbedLocalIotCore=false"];
        var variants = new (string Name, string[] Arguments)[]
        {
            ("self-contained (JIT)", pi),
            ("self-contained, trimmed", [.. pi, "-p:PublishTrimmed=true"]),
            ("NativeAOT", [.. pi, "-p:PublishAot=true"]),
        };
        var rows = new List<IReadOnlyList<string>>();
        var commands = new List<string>();
        foreach (var (name, arguments) in variants)
        {
            report.Console.WriteLine("Publishing " + name + " for linux-arm64...");
            using var publish = FirmwarePublish.Run(arguments);
            commands.Add("- " + name + ": `" + publish.Command + "`");
            rows.Add(publish.Succeeded
                ? [name, BenchmarkReport.Megabytes(publish.Size()), publish.FileCount.ToString(CultureInfo.InvariantCulture), publish.WarningSummary(), publish.LargestFiles(MainFiles)]
                : [name, "—", "—", publish.WarningSummary(), "publish failed (exit " + publish.ExitCode + "): " + publish.Failure]);
        }

        report.Section("Raspberry Pi publish (linux-arm64)",
            [
                "What `dotnet publish` puts in the folder that is copied to the Pi: total size (including NativeAOT's DeviceFirmware.dbg symbols, which need not be copied), file count, warnings of the publish (warnings are errors in this build, so a warning fails it) and the largest files.",
                .. commands,
            ]);
        report.Table(["build", "folder size", "files", "publish warnings", "main files"], rows);
    }
}

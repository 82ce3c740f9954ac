using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Firmware.EndToEnd.Harness;

namespace Firmware.Benchmarks;

/// <summary>
/// One <c>dotnet publish DeviceFirmware -c Release ...</c> into a temporary folder, as a user would
/// type it, plus an artifacts path of its own so that the publish leaves the work tree's bin/ and obj/
/// (and the programs the rig runs from them) alone.
/// </summary>
internal sealed partial class FirmwarePublish : IDisposable
{
    private readonly string _root;

    private FirmwarePublish(string command, string root, int exitCode, IReadOnlyList<string> output, TimeSpan elapsed)
    {
        Command = command;
        _root = root;
        ExitCode = exitCode;
        Output = output;
        Elapsed = elapsed;
        var warnings = new HashSet<string>(StringComparer.Ordinal);
        var errors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in output)
        {
            // MSBuild may print a diagnostic twice (as it happens and in the summary); distinct lines count once.
            if (Diagnostic().Match(line) is { Success: true } match)
            {
                (match.Groups[1].Value == "warning" ? warnings : errors).Add(line.Trim());
            }
        }

        Warnings = [.. warnings];
        Errors = [.. errors];
    }

    /// <summary>The command as typed, without the benchmark's own --artifacts-path and -o.</summary>
    public string Command { get; }

    /// <summary>The publish folder (-o).</summary>
    public string PublishFolder => Path.Combine(_root, "out");

    public int ExitCode { get; }

    public bool Succeeded => ExitCode == 0;

    public IReadOnlyList<string> Output { get; }

    public TimeSpan Elapsed { get; }

    public IReadOnlyList<string> Warnings { get; }

    public IReadOnlyList<string> Errors { get; }

    /// <summary>Why it failed: the first error lines, or the output's tail when no line says "error".</summary>
    public string Failure => Errors.Count > 0 ? string.Join(" / ", Errors.Take(3)) : string.Join(" / ", Output.Skip(Math.Max(0, Output.Count - 3)));

    /// <summary>The NativeAOT device build for this machine (linux-x64, no embedded LocalIotCore), as the benchmarks run it.</summary>
    public static FirmwarePublish DeviceNativeAot() => Run("-r", "linux-x64", "-p:PublishAot=true", "-p:EmbedLocalIotCore=false");

    /// <summary>Runs the publish (minutes for NativeAOT); the caller disposes the result to delete its folder.</summary>
    public static FirmwarePublish Run(params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var folder = Path.Combine(Path.GetTempPath(), "fw-publish-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var info = new ProcessStartInfo(BuiltPrograms.DotnetHost)
        {
            WorkingDirectory = BuiltPrograms.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] typed = ["publish", "DeviceFirmware", "-c", "Release", .. arguments];
        foreach (var argument in typed)
        {
            info.ArgumentList.Add(argument);
        }

        // Kept apart from the work tree; no build server or MSBuild node outlives the benchmark.
        foreach (var argument in new[] { "--artifacts-path", Path.Combine(folder, "artifacts"), "-o", Path.Combine(folder, "out"), "-tl:off", "-nodeReuse:false", "-p:UseSharedCompilation=false" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        var output = new List<string>();
        var started = Stopwatch.GetTimestamp();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Add(output, e.Data);
        process.ErrorDataReceived += (_, e) => Add(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        return new FirmwarePublish("dotnet " + string.Join(' ', typed), folder, process.ExitCode, output, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Size in bytes of one published file, or of the whole folder when <paramref name="file"/> is null.</summary>
    public long Size(string? file = null)
    {
        if (file is not null)
        {
            return new FileInfo(Path.Combine(PublishFolder, file)).Length;
        }

        var total = 0L;
        foreach (var path in Directory.EnumerateFiles(PublishFolder, "*", SearchOption.AllDirectories))
        {
            total += new FileInfo(path).Length;
        }

        return total;
    }

    public int FileCount => Directory.EnumerateFiles(PublishFolder, "*", SearchOption.AllDirectories).Count();

    /// <summary>The largest published files, "name 1.2 MB" each.</summary>
    public string LargestFiles(int count) =>
        string.Join(", ", new DirectoryInfo(PublishFolder).EnumerateFiles("*", SearchOption.AllDirectories)
            .OrderByDescending(f => f.Length)
            .Take(count)
            .Select(f => Path.GetRelativePath(PublishFolder, f.FullName) + " " + BenchmarkReport.Megabytes(f.Length)));

    /// <summary>"0", or the count and the distinct warning codes.</summary>
    public string WarningSummary()
    {
        if (Warnings.Count == 0)
        {
            return "0";
        }

        var codes = Warnings.Select(w => Diagnostic().Match(w).Groups[2].Value).Distinct(StringComparer.Ordinal);
        return Warnings.Count.ToString(CultureInfo.InvariantCulture) + " (" + string.Join(", ", codes) + ")";
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Add(List<string> output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.Add(line);
            }
        }
    }

    [GeneratedRegex(@":\s(warning|error)\s([A-Z]+[0-9]+)")]
    private static partial Regex Diagnostic();
}

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Firmware.Benchmarks;

/// <summary>
/// What a benchmark run prints: sections of Markdown (a heading, a few lines saying what was
/// measured and how, a table), echoed to the console as they come and written to BENCHMARKS.md with
/// the machine's cores, memory, OS and .NET version at the end of the run.
/// </summary>
public sealed class BenchmarkReport(TextWriter console)
{
    private readonly StringBuilder _markdown = new();

    public TextWriter Console { get; } = console;

    /// <summary>Starts a section: "## title" and the text that says what it measures.</summary>
    public void Section(string title, params string[] explanation)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        Line("## " + title);
        Line();
        foreach (var text in explanation)
        {
            Line(text);
        }

        Line();
    }

    /// <summary>A Markdown table: a header row and rows of cells.</summary>
    public void Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        Line("| " + string.Join(" | ", header) + " |");
        Line("|" + string.Concat(Enumerable.Repeat("---|", header.Count)));
        foreach (var row in rows)
        {
            Line("| " + string.Join(" | ", row) + " |");
        }

        Line();
    }

    public void Line(string text = "")
    {
        _markdown.AppendLine(text);
        Console.WriteLine(text);
    }

    /// <summary>The machine the figures come from, as the top of BENCHMARKS.md says it.</summary>
    public static string Machine()
    {
        var memory = "unknown";
        if (File.Exists("/proc/meminfo"))
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    var kib = long.Parse(line.AsSpan(9).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture);
                    memory = (kib / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " GiB";
                }
            }
        }

        var cpu = "unknown";
        if (File.Exists("/proc/cpuinfo"))
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    cpu = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    break;
                }
            }
        }

        return Environment.ProcessorCount + " cores (" + cpu + "), " + memory + " memory, " + RuntimeInformation.OSDescription + " " + RuntimeInformation.OSArchitecture +
            ", .NET " + Environment.Version;
    }

    /// <summary>Writes BENCHMARKS.md: the machine, the date, and every section of this run.</summary>
    public void Write(string path, string command)
    {
        var text = new StringBuilder()
            .AppendLine("# Benchmarks")
            .AppendLine()
            .AppendLine("Written by `" + command + "` on " + DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) + ".")
            .AppendLine("Machine: " + Machine() + ".")
            .AppendLine()
            .Append(_markdown);
        File.WriteAllText(path, text.ToString());
        Console.WriteLine("Written to " + Path.GetFullPath(path));
    }

    public static string Milliseconds(double ms) => ms.ToString(ms < 10 ? "F2" : "F1", CultureInfo.InvariantCulture) + " ms";

    public static string Megabytes(double bytes) => (bytes / 1024 / 1024).ToString("F1", CultureInfo.InvariantCulture) + " MB";

    /// <summary>The value at the given quantile (0..1) of sorted samples, nearest rank.</summary>
    public static double Percentile(double[] sorted, double quantile)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(quantile * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}

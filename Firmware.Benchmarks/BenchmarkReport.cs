using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Firmware.Benchmarks;

/// <summary>
/// What a benchmark run prints: sections of Markdown (a heading, a few lines saying what was
/// measured and how, a table), echoed to the console as they come and written to BENCHMARKS.md with
/// the machine's cores, memory, OS and .NET version at the end of the run.
/// </summary>
public sealed partial class BenchmarkReport(TextWriter console)
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

    /// <summary>
    /// Writes BENCHMARKS.md: the machine, then every section. A run replaces the sections it wrote (by
    /// title, in place) and keeps the others from the file as they were, so one benchmark run on its own
    /// does not erase the rest; each section ends with the command and time that measured it.
    /// </summary>
    public void Write(string path, string command)
    {
        var measured = Measured(command, DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture), Machine());
        var fresh = new List<(string Title, string Text)>();
        foreach (var (title, lines) in Sections(_markdown.ToString(), out _))
        {
            fresh.Add((title, Join(lines, measured)));
        }

        var merged = new List<(string Title, string Text)>();
        if (File.Exists(path))
        {
            var kept = Sections(File.ReadAllText(path), out var header);
            // Files written before sections carried their own line said it once, at the top.
            var written = header.Select(line => OldHeader().Match(line)).FirstOrDefault(match => match.Success);
            var machine = header.FirstOrDefault(line => line.StartsWith(MachinePrefix, StringComparison.Ordinal));
            var earlier = written is null ? null : Measured(written.Groups[1].Value, written.Groups[2].Value, machine?[MachinePrefix.Length..].TrimEnd('.') ?? "unknown");
            foreach (var (title, lines) in kept)
            {
                var replacement = fresh.FindIndex(f => f.Title == title);
                if (replacement >= 0)
                {
                    merged.Add(fresh[replacement]);
                    fresh.RemoveAt(replacement);
                }
                else
                {
                    merged.Add((title, Join(lines, lines.Exists(l => l.StartsWith("_Measured by ", StringComparison.Ordinal)) ? null : earlier)));
                }
            }
        }

        merged.AddRange(fresh);
        var text = new StringBuilder()
            .AppendLine("# Benchmarks")
            .AppendLine()
            .AppendLine("Written by `dotnet run -c Release --project Firmware.Benchmarks -- <benchmark>` (`all` runs every one); a run rewrites its own sections and keeps the others. Each section ends with the command, time and machine that measured it.")
            .AppendLine();
        foreach (var (_, section) in merged)
        {
            text.Append(section);
        }

        File.WriteAllText(path, text.ToString());
        Console.WriteLine("Written to " + Path.GetFullPath(path));
    }

    private const string MachinePrefix = "Machine: ";

    private static string Measured(string command, string time, string machine) => "_Measured by `" + command + "` on " + time + "; machine: " + machine + "._";

    /// <summary>The "## title" sections of a Markdown text, each with its lines (heading included); the lines before the first are the header.</summary>
    private static List<(string Title, List<string> Lines)> Sections(string markdown, out List<string> header)
    {
        header = [];
        var sections = new List<(string Title, List<string> Lines)>();
        foreach (var line in markdown.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                sections.Add((line[3..].Trim(), [line]));
            }
            else
            {
                (sections.Count == 0 ? header : sections[^1].Lines).Add(line);
            }
        }

        return sections;
    }

    /// <summary>A section's lines without trailing blank ones, then <paramref name="measured"/> (if any) and one blank line.</summary>
    private static string Join(List<string> lines, string? measured)
    {
        var count = lines.Count;
        while (count > 0 && string.IsNullOrWhiteSpace(lines[count - 1]))
        {
            count--;
        }

        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.AppendLine(lines[i]);
        }

        if (measured is not null)
        {
            text.AppendLine().AppendLine(measured);
        }

        return text.AppendLine().ToString();
    }

    [GeneratedRegex(@"^Written by `(.+)` on (.+ UTC)\.$")]
    private static partial Regex OldHeader();

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

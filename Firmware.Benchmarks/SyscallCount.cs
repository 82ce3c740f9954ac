using System.Globalization;
using Firmware.EndToEnd.Harness;

namespace Firmware.Benchmarks;

/// <summary>
/// System calls a running process makes over a window, counted by Debian's strace
/// (<c>strace -f -c -p PID</c>: every thread, a summary table instead of a trace).
/// </summary>
internal sealed class SyscallCount
{
    public const string Executable = "/usr/bin/strace";

    private readonly Dictionary<string, long> _calls;

    private SyscallCount(Dictionary<string, long> calls, TimeSpan window)
    {
        _calls = calls;
        Window = window;
    }

    public static bool Installed => File.Exists(Executable);

    public TimeSpan Window { get; }

    public long Total => _calls.Values.Sum();

    public double PerSecond(string syscall) => (_calls.TryGetValue(syscall, out var calls) ? calls : 0) / Window.TotalSeconds;

    public double TotalPerSecond => Total / Window.TotalSeconds;

    /// <summary>"futex 3.1/s, epoll_wait 1.0/s": the most frequent calls first.</summary>
    public string Top(int count) =>
        _calls.Count == 0 ? "none" : string.Join(", ", _calls.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(count)
            .Select(c => c.Key + " " + Rate(c.Value / Window.TotalSeconds)));

    public static string Rate(double perSecond) => perSecond.ToString(perSecond < 10 ? "F1" : "F0", CultureInfo.InvariantCulture) + "/s";

    /// <summary>Attaches strace to <paramref name="pid"/> for <paramref name="window"/>, then detaches it with SIGINT and reads its summary.</summary>
    public static async Task<SyscallCount> MeasureAsync(int pid, TimeSpan window, string folder)
    {
        var summary = Path.Combine(folder, "strace-" + pid.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6] + ".txt");
        await using var strace = ChildProcess.Start("strace", Executable, ["-f", "-c", "-o", summary, "-p", pid.ToString(CultureInfo.InvariantCulture)], folder);
        // strace says so on stderr once it holds every thread; the window starts there.
        await strace.WaitForLineAsync(line => line.Contains("attached", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "that it attached").ConfigureAwait(false);
        await Task.Delay(window).ConfigureAwait(false);
        strace.Signal(ChildProcess.SigInt);
        await strace.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return new SyscallCount(Parse(File.ReadAllLines(summary)), window);
    }

    /// <summary>
    /// strace -c's table: "% time  seconds  usecs/call  calls  [errors]  syscall" rows between dashed
    /// lines, then a "total" row.
    /// </summary>
    private static Dictionary<string, long> Parse(string[] lines)
    {
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length is not (5 or 6) || fields[^1] == "total" ||
                !double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _) ||
                !long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                continue;
            }

            calls[fields[^1]] = count;
        }

        return calls;
    }
}

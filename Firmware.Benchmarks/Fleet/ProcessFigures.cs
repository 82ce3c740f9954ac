using System.Globalization;
using System.Runtime.InteropServices;

namespace Firmware.Benchmarks.Fleet;

/// <summary>Memory and limits of a process, from Linux's /proc and setrlimit.</summary>
internal static partial class ProcessFigures
{
    private const int ResourceOpenFiles = 7; // RLIMIT_NOFILE on Linux

    /// <summary>VmRSS of a process in bytes (this one by default), or 0 where /proc is missing.</summary>
    public static long ResidentBytes(int? pid = null) => StatusBytes("VmRSS:", pid);

    /// <summary>VmHWM (the peak of VmRSS) of a process in bytes, or 0 where /proc is missing.</summary>
    public static long PeakResidentBytes(int? pid = null) => StatusBytes("VmHWM:", pid);

    /// <summary>A "Key:   1234 kB" line of /proc/PID/status in bytes, or 0 where /proc (or the line) is missing.</summary>
    public static long StatusBytes(string key, int? pid = null)
    {
        var status = "/proc/" + (pid?.ToString(CultureInfo.InvariantCulture) ?? "self") + "/status";
        if (!File.Exists(status))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(status))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(key.Length).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>CPU time (user + system) a process has used so far, from /proc/PID/stat; zero where it is missing.</summary>
    public static TimeSpan CpuTime(int? pid = null)
    {
        var stat = "/proc/" + (pid?.ToString(CultureInfo.InvariantCulture) ?? "self") + "/stat";
        if (!File.Exists(stat))
        {
            return TimeSpan.Zero;
        }

        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15, in clock ticks (100 Hz on Linux).
        var text = File.ReadAllText(stat);
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>
    /// Context switches (voluntary and not) of a process's live threads so far, from
    /// /proc/PID/task/*/status: each time a thread went to sleep or was put off the CPU. Threads that
    /// have exited are not counted.
    /// </summary>
    public static long ContextSwitches(int pid)
    {
        var total = 0L;
        var tasks = "/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/task";
        if (!Directory.Exists(tasks))
        {
            return 0;
        }

        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // The thread exited between the listing and the read.
            }
        }

        return total;
    }

    /// <summary>The load average over 1, 5 and 15 minutes, as /proc/loadavg has it.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>A full, compacting collection that also returns free memory to the OS, so RSS before and after compare.</summary>
    public static long CollectAndMeasureManaged()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    /// <summary>
    /// Raises this process's soft open-file limit to the hard limit (every device holds a socket, and
    /// LocalIotCore, started from here, inherits the limit). Returns the soft limit now in force, or
    /// null where setrlimit is not available.
    /// </summary>
    public static ulong? RaiseOpenFileLimit()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        if (GetLimit(ResourceOpenFiles, out var limit) != 0)
        {
            return null;
        }

        if (limit.Current < limit.Maximum)
        {
            var raised = new ResourceLimit { Current = limit.Maximum, Maximum = limit.Maximum };
            if (SetLimit(ResourceOpenFiles, in raised) == 0)
            {
                return raised.Current;
            }
        }

        return limit.Current;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetLimit(int resource, out ResourceLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetLimit(int resource, in ResourceLimit limit);
}

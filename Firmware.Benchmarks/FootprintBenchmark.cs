using System.Globalization;
using Firmware.Benchmarks.Fleet;
using Firmware.Benchmarks.Floor;
using Firmware.EndToEnd.Harness;

namespace Firmware.Benchmarks;

/// <summary>
/// What an always-on device costs at rest and per command (issue 14): the NativeAOT firmware with the
/// environment of deploy/devicefirmware.service, beside a floor responder in C on libmosquitto that
/// does nothing but answer the delta. Both run in the same run, each against a LocalIotCore of its
/// own; idle windows are measured over the same seconds, commands alternate in chunks, so machine load
/// falls on both and the ratios hold.
/// </summary>
internal static class FootprintBenchmark
{
    private const double IdleCpuGoalMillisecondsPerMinute = 10;
    private const double PeakGoalMegabytes = 15;
    private const double CpuPerCommandGoalRatio = 2;
    private const double LatencyGoalMilliseconds = 0.3;

    /// <summary>"No growth" of VmRSS allows this much: 64 pages, below which a GC's timing moves the figure.</summary>
    private const long GrowthToleranceBytes = 256 * 1024;

    private const string Thing = "pump-1";

    public static async Task RunAsync(BenchmarkReport report, string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(arguments);
        var plan = Plan.From(arguments);
        var loadBefore = ProcessFigures.LoadAverage();
        var tools = Path.Combine(Path.GetTempPath(), "fw-footprint-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(tools);
        try
        {
            var (floorExecutable, floorProblem) = FloorResponder.Build(tools);
            if (floorProblem is not null)
            {
                report.Console.WriteLine("The floor responder was not built: " + floorProblem);
            }

            using var aot = plan.Firmware is null ? Publish(report) : null;
            if (aot is { Succeeded: false })
            {
                report.Section(Title, "The NativeAOT publish failed: " + aot.Failure);
                return;
            }

            var executable = plan.Firmware ?? Path.Combine(aot!.PublishFolder, "DeviceFirmware");
            var built = aot is null ? "`" + executable + "` (given with --firmware)" : "`" + aot.Command + "` (published by the benchmark)";
            await using var firmware = await Subject.StartFirmwareAsync(executable).ConfigureAwait(false);
            await using var floor = floorExecutable is null ? null : await Subject.StartFloorAsync(floorExecutable).ConfigureAwait(false);
            Subject[] subjects = floor is null ? [firmware] : [firmware, floor];
            await MeasureAsync(report, plan, subjects, tools).ConfigureAwait(false);
            Write(report, plan, built, firmware, floor, floorProblem, loadBefore);
        }
        finally
        {
            Directory.Delete(tools, recursive: true);
        }
    }

    private static FirmwarePublish Publish(BenchmarkReport report)
    {
        report.Console.WriteLine("Publishing the NativeAOT firmware (about a minute)...");
        return FirmwarePublish.DeviceNativeAot();
    }

    private static string Title => "Footprint: the firmware at rest and per command, beside a C floor";

    private static async Task MeasureAsync(BenchmarkReport report, Plan plan, Subject[] subjects, string folder)
    {
        foreach (var subject in subjects)
        {
            subject.AtConnect = Memory.Of(subject.Pid);
        }

        report.Console.WriteLine("Idle: settling, then CPU over " + Seconds(plan.IdleWindow) + " s...");
        await Task.Delay(plan.Settle).ConfigureAwait(false);
        var idle = await CpuPerMinuteAsync(subjects, plan.IdleWindow).ConfigureAwait(false);
        for (var i = 0; i < subjects.Length; i++)
        {
            subjects[i].IdleCpuPerMinute = idle[i];
        }

        if (SyscallCount.Installed)
        {
            report.Console.WriteLine("Idle: strace -f -c over " + Seconds(plan.StraceWindow) + " s...");
            var counts = await Task.WhenAll(subjects.Select(s => SyscallCount.MeasureAsync(s.Pid, plan.StraceWindow, folder))).ConfigureAwait(false);
            for (var i = 0; i < subjects.Length; i++)
            {
                subjects[i].Syscalls = counts[i];
            }
        }

        report.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Commands: {plan.Commands} each, alternating in chunks of {plan.Chunk}..."));
        var done = 0;
        var round = 0;
        while (done < plan.Commands)
        {
            var limit = done < plan.FirstCheckpoint ? plan.FirstCheckpoint : plan.Commands;
            var chunk = Math.Min(plan.Chunk, limit - done);
            // Who goes first alternates too, so that neither always follows the other's burst.
            foreach (var subject in round % 2 == 0 ? subjects : subjects.Reverse())
            {
                await subject.CommandAsync(chunk, measured: done >= plan.FirstCheckpoint).ConfigureAwait(false);
            }

            done += chunk;
            round++;
            foreach (var subject in subjects)
            {
                if (done == plan.FirstCheckpoint)
                {
                    subject.AfterFirstCheckpoint = Memory.Of(subject.Pid);
                }
            }
        }

        foreach (var subject in subjects)
        {
            subject.AfterCommands = Memory.Of(subject.Pid);
        }

        report.Console.WriteLine("Idle after the commands: " + Seconds(plan.LongIdle) + " s...");
        var longIdle = await CpuPerMinuteAsync(subjects, plan.LongIdle).ConfigureAwait(false);
        for (var i = 0; i < subjects.Length; i++)
        {
            subjects[i].LongIdleCpuPerMinute = longIdle[i];
            subjects[i].AfterIdle = Memory.Of(subjects[i].Pid);
        }
    }

    /// <summary>CPU milliseconds per minute of each subject over the same window.</summary>
    private static async Task<double[]> CpuPerMinuteAsync(Subject[] subjects, TimeSpan window)
    {
        var before = subjects.Select(s => ProcessFigures.CpuTime(s.Pid)).ToArray();
        await Task.Delay(window).ConfigureAwait(false);
        foreach (var subject in subjects)
        {
            subject.EnsureRunning();
        }

        return subjects.Select((s, i) => (ProcessFigures.CpuTime(s.Pid) - before[i]).TotalMilliseconds / window.TotalMinutes).ToArray();
    }

    private static void Write(BenchmarkReport report, Plan plan, string built, Subject firmware, Subject? floor, string? floorProblem, string loadBefore)
    {
        var first = plan.FirstCheckpoint.ToString("N0", CultureInfo.InvariantCulture);
        var all = plan.Commands.ToString("N0", CultureInfo.InvariantCulture);
        var idleMinutes = plan.LongIdle.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture);
        report.Section(Title,
            "Firmware: " + built + ", started by the end-to-end rig with the environment of deploy/devicefirmware.service (read from the file; SSL_CERT_FILE/SSL_CERT_DIR pointed at the rig's root CA) and --Telemetry:IntervalSeconds=3600, simulated hardware, mutual TLS straight to LocalIotCore's TLS port.",
            "Floor: Firmware.Benchmarks/Floor/floor-responder.c, built with `" + FloorResponder.BuildCommand + "` at run time: the same thing, certificate and link (MQTT 3.1.1, mutual TLS, QoS 1, TCP_NODELAY, keep-alive 30 s); it subscribes to /update/delta and publishes the delta's MOTOR as reported at once, in mosquitto_loop_forever. " +
                (floor is null ? "**Not measured: " + floorProblem + ".**" : ""),
            "Each runs against a LocalIotCore (JIT, its own process) of its own, started fresh. Idle windows cover the same seconds for both; commands alternate between them in chunks of " + plan.Chunk.ToString(CultureInfo.InvariantCulture) + ", so machine load falls on both.",
            "Idle CPU: utime+stime from /proc/PID/stat over " + Seconds(plan.IdleWindow) + " s, from " + Seconds(plan.Settle) + " s after the connect, and again over the " + idleMinutes + " idle minutes after the commands. System calls: `strace -f -c -p PID` over " + Seconds(plan.StraceWindow) + " s right after the first window.",
            "Commands: an application on the plain port publishes desired.MOTOR (toggling) and waits for the /update/accepted carrying that reported.MOTOR, one at a time; " + all + " each. Latency, CPU per command (the device process's CPU delta over its chunks / commands) and context switches per command (the sum over its threads' /proc/PID/task/*/status: the thread hand-offs and wake-ups a command costs) count commands " + (plan.FirstCheckpoint + 1).ToString("N0", CultureInfo.InvariantCulture) + "-" + all + "; the first " + first + " warm up.",
            "Memory: VmHWM (peak) / VmRSS from /proc/PID/status; RssAnon is heaps and stacks, RssFile the pages of the program and its shared libraries (libcrypto, libssl, libc: both have them) mapped in. \"No growth\" allows " + BenchmarkReport.Megabytes(GrowthToleranceBytes) + " (64 pages).",
            "Load average (1, 5, 15 min) at the start " + loadBefore + ", at the end " + ProcessFigures.LoadAverage() + ".",
            plan.Quick ? "**--quick: a smoke run with short windows and fewer commands; the full run is what the goals are judged on.**" : "");
        var growth = firmware.AfterCommands.Resident - firmware.AfterFirstCheckpoint.Resident;
        var peak = firmware.AfterIdle.Peak;
        var cpuRatio = floor is null ? double.NaN : firmware.CpuPerCommandMicroseconds / floor.CpuPerCommandMicroseconds;
        var p50Difference = floor is null ? double.NaN : firmware.Latency(0.5) - floor.Latency(0.5);
        report.Table(["figure", "NativeAOT firmware, unit", "floor (C, libmosquitto)", "firmware vs floor", "goal"], [
            ["idle CPU per minute (" + Seconds(plan.IdleWindow) + " s after connect)", CpuMs(firmware.IdleCpuPerMinute), CpuMs(floor?.IdleCpuPerMinute), "", "≤ " + IdleCpuGoalMillisecondsPerMinute + " ms" + Verdict(firmware.IdleCpuPerMinute <= IdleCpuGoalMillisecondsPerMinute)],
            ["idle CPU per minute (" + idleMinutes + " min after the commands)", CpuMs(firmware.LongIdleCpuPerMinute), CpuMs(floor?.LongIdleCpuPerMinute), "", "≤ " + IdleCpuGoalMillisecondsPerMinute + " ms" + Verdict(firmware.LongIdleCpuPerMinute <= IdleCpuGoalMillisecondsPerMinute)],
            ["system calls, idle", Syscalls(firmware, s => SyscallCount.Rate(s.TotalPerSecond)), Syscalls(floor, s => SyscallCount.Rate(s.TotalPerSecond)), "", ""],
            ["  sched_yield", Syscalls(firmware, s => SyscallCount.Rate(s.PerSecond("sched_yield"))), Syscalls(floor, s => SyscallCount.Rate(s.PerSecond("sched_yield"))), "", ""],
            ["  futex", Syscalls(firmware, s => SyscallCount.Rate(s.PerSecond("futex"))), Syscalls(floor, s => SyscallCount.Rate(s.PerSecond("futex"))), "", ""],
            ["  epoll_wait", Syscalls(firmware, s => SyscallCount.Rate(s.PerSecond("epoll_wait"))), Syscalls(floor, s => SyscallCount.Rate(s.PerSecond("epoll_wait"))), "", ""],
            ["  most frequent", Syscalls(firmware, s => s.Top(4)), Syscalls(floor, s => s.Top(4)), "", ""],
            ["VmHWM / VmRSS at connect", firmware.AtConnect.ToString(), floor?.AtConnect.ToString() ?? "—", "", ""],
            ["after " + first + " commands", firmware.AfterFirstCheckpoint.ToString(), floor?.AfterFirstCheckpoint.ToString() ?? "—", "", ""],
            ["after " + all + " commands", firmware.AfterCommands.ToString(), floor?.AfterCommands.ToString() ?? "—", "", ""],
            ["after " + idleMinutes + " idle minutes", firmware.AfterIdle.ToString(), floor?.AfterIdle.ToString() ?? "—", "", ""],
            ["  of VmRSS: RssAnon / RssFile after the idle minutes", firmware.AfterIdle.Split, floor?.AfterIdle.Split ?? "—", "", ""],
            ["VmRSS growth, " + first + " -> " + all + " commands", SignedMegabytes(growth), floor is null ? "—" : SignedMegabytes(floor.AfterCommands.Resident - floor.AfterFirstCheckpoint.Resident), "", "none" + Verdict(growth <= GrowthToleranceBytes)],
            ["peak (VmHWM at the end)", BenchmarkReport.Megabytes(peak), floor is null ? "—" : BenchmarkReport.Megabytes(floor.AfterIdle.Peak), floor is null ? "" : Times(peak / (double)floor.AfterIdle.Peak), "≤ " + PeakGoalMegabytes + " MB" + Verdict(peak <= PeakGoalMegabytes * 1024 * 1024)],
            ["CPU per command", Microseconds(firmware.CpuPerCommandMicroseconds), floor is null ? "—" : Microseconds(floor.CpuPerCommandMicroseconds), floor is null ? "" : Times(cpuRatio), "≤ " + CpuPerCommandGoalRatio + "x floor" + Verdict(floor is null ? null : cpuRatio <= CpuPerCommandGoalRatio)],
            ["context switches per command (all threads)", PerCommand(firmware.ContextSwitchesPerCommand), floor is null ? "—" : PerCommand(floor.ContextSwitchesPerCommand), floor is null ? "" : Times(firmware.ContextSwitchesPerCommand / floor.ContextSwitchesPerCommand), ""],
            ["actuation p50", BenchmarkReport.Milliseconds(firmware.Latency(0.5)), floor is null ? "—" : BenchmarkReport.Milliseconds(floor.Latency(0.5)), floor is null ? "" : SignedMilliseconds(p50Difference), "≤ floor + " + BenchmarkReport.Milliseconds(LatencyGoalMilliseconds) + Verdict(floor is null ? null : p50Difference <= LatencyGoalMilliseconds)],
            ["actuation p90", BenchmarkReport.Milliseconds(firmware.Latency(0.9)), floor is null ? "—" : BenchmarkReport.Milliseconds(floor.Latency(0.9)), floor is null ? "" : SignedMilliseconds(firmware.Latency(0.9) - floor.Latency(0.9)), ""],
            ["actuation p99", BenchmarkReport.Milliseconds(firmware.Latency(0.99)), floor is null ? "—" : BenchmarkReport.Milliseconds(floor.Latency(0.99)), floor is null ? "" : SignedMilliseconds(firmware.Latency(0.99) - floor.Latency(0.99)), ""],
        ]);
        if (floor is not null)
        {
            var files = firmware.AfterIdle.Files;
            var left = Math.Max(0, (long)(PeakGoalMegabytes * 1024 * 1024) - files);
            report.Line("Of the firmware's VmRSS, " + BenchmarkReport.Megabytes(files) + " are mapped files: the program image and libe_sqlite3.so beside the libraries the floor maps too (" + BenchmarkReport.Megabytes(floor.AfterIdle.Files) + " for the floor). " +
                "A " + PeakGoalMegabytes + " MB peak leaves " + BenchmarkReport.Megabytes(left) + " for heaps and stacks against " + BenchmarkReport.Megabytes(firmware.AfterIdle.Anonymous) + " used" +
                (left < firmware.AfterIdle.Anonymous / 2 ? ": the goal needs a smaller image, not only a smaller heap." : "."));
            report.Line();
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);

    private static string CpuMs(double? milliseconds) => milliseconds is double ms ? ms.ToString("F0", CultureInfo.InvariantCulture) + " ms" : "—";

    private static string Microseconds(double microseconds) => microseconds.ToString("F0", CultureInfo.InvariantCulture) + " µs";

    private static string Times(double ratio) => ratio.ToString("F2", CultureInfo.InvariantCulture) + "x";

    private static string SignedMegabytes(long bytes) => (bytes < 0 ? "-" : "+") + BenchmarkReport.Megabytes(Math.Abs(bytes));

    private static string PerCommand(double count) => count.ToString("F1", CultureInfo.InvariantCulture);

    private static string SignedMilliseconds(double ms) => (ms < 0 ? "-" : "+") + BenchmarkReport.Milliseconds(Math.Abs(ms));

    private static string Syscalls(Subject? subject, Func<SyscallCount, string> figure) =>
        subject is null ? "—" : subject.Syscalls is { } counts ? figure(counts) : "strace not installed (apt-get install strace)";

    private static string Verdict(bool? met) => met switch { true => " (met)", false => " (missed)", null => "" };

    /// <summary>
    /// How long each part lasts: the full run, or --quick's smoke run; --idle-minutes sets the idle after
    /// the commands; --firmware PATH measures a NativeAOT build already published (while changing the firmware).
    /// </summary>
    private sealed record Plan(bool Quick, TimeSpan Settle, TimeSpan IdleWindow, TimeSpan StraceWindow, int FirstCheckpoint, int Commands, int Chunk, TimeSpan LongIdle)
    {
        public string? Firmware { get; init; }

        public static Plan From(string[] arguments)
        {
            var quick = arguments.Contains("--quick");
            var plan = quick
                ? new Plan(true, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), 200, 1_000, 100, TimeSpan.FromSeconds(15))
                : new Plan(false, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30), 1_000, 10_000, 500, TimeSpan.FromMinutes(5));
            var at = Array.IndexOf(arguments, "--idle-minutes");
            if (at >= 0)
            {
                if (at + 1 >= arguments.Length || !double.TryParse(arguments[at + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var minutes) || minutes <= 0)
                {
                    throw new ArgumentException("--idle-minutes takes a number of minutes, e.g. --idle-minutes 5.");
                }

                plan = plan with { LongIdle = TimeSpan.FromMinutes(minutes) };
            }

            at = Array.IndexOf(arguments, "--firmware");
            if (at >= 0)
            {
                plan = plan with { Firmware = at + 1 < arguments.Length && File.Exists(arguments[at + 1]) ? Path.GetFullPath(arguments[at + 1]) : throw new ArgumentException("--firmware takes the path of a published DeviceFirmware executable.") };
            }

            return plan;
        }
    }

    /// <summary>VmHWM and VmRSS, and VmRSS split into anonymous memory (heaps, stacks) and mapped files (the program and its libraries).</summary>
    private readonly record struct Memory(long Peak, long Resident, long Anonymous, long Files)
    {
        public static Memory Of(int pid) => new(ProcessFigures.PeakResidentBytes(pid), ProcessFigures.ResidentBytes(pid), ProcessFigures.StatusBytes("RssAnon:", pid), ProcessFigures.StatusBytes("RssFile:", pid));

        public string Split => BenchmarkReport.Megabytes(Anonymous) + " / " + BenchmarkReport.Megabytes(Files);

        public override string ToString() => BenchmarkReport.Megabytes(Peak) + " / " + BenchmarkReport.Megabytes(Resident);
    }

    /// <summary>A device under measurement: its rig (LocalIotCore), its process and the application that commands it.</summary>
    private sealed class Subject : IAsyncDisposable
    {
        private readonly List<double> _latencies = [];
        private readonly Rig _rig;
        private readonly ChildProcess _process;
        private readonly bool _rigOwnsProcess;
        private readonly MotorCommander _commander;
        private TimeSpan _commandCpu;
        private long _commandSwitches;
        private double[]? _sorted;

        private Subject(Rig rig, ChildProcess process, bool rigOwnsProcess, MotorCommander commander)
        {
            _rig = rig;
            _process = process;
            _rigOwnsProcess = rigOwnsProcess;
            _commander = commander;
        }

        public int Pid => _process.Id;

        public string Name => _process.Name;

        /// <summary>Fails the run if the device process is gone: figures read from /proc would silently be zero.</summary>
        public void EnsureRunning()
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(_process.Name + " exited (code " + _process.ExitCode + ") during the benchmark. Its last lines:\n" + _process.Tail(20) + "\n" + _rig.Describe());
            }
        }

        public Memory AtConnect { get; set; }

        public Memory AfterFirstCheckpoint { get; set; }

        public Memory AfterCommands { get; set; }

        public Memory AfterIdle { get; set; }

        public double IdleCpuPerMinute { get; set; }

        public double LongIdleCpuPerMinute { get; set; }

        public SyscallCount? Syscalls { get; set; }

        public double CpuPerCommandMicroseconds => _commandCpu.TotalMicroseconds / _latencies.Count;

        public double ContextSwitchesPerCommand => _commandSwitches / (double)_latencies.Count;

        public static async Task<Subject> StartFirmwareAsync(string executable)
        {
            var rig = await Rig.StartAsync(new RigOptions { Thing = Thing, ThroughProxy = false, FirmwareExecutable = executable, UnitEnvironment = true }).ConfigureAwait(false);
            try
            {
                var process = rig.StartFirmware("--Telemetry:IntervalSeconds=3600");
                await rig.WaitForFirmwareOnlineAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                return new Subject(rig, process, rigOwnsProcess: true, await MotorCommander.ConnectAsync(rig.PlainPort, Thing, "app-footprint-firmware").ConfigureAwait(false));
            }
            catch
            {
                await rig.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        public static async Task<Subject> StartFloorAsync(string executable)
        {
            var rig = await Rig.StartAsync(new RigOptions { Thing = Thing, ThroughProxy = false }).ConfigureAwait(false);
            try
            {
                var process = await FloorResponder.StartAsync(rig, executable).ConfigureAwait(false);
                try
                {
                    return new Subject(rig, process, rigOwnsProcess: false, await MotorCommander.ConnectAsync(rig.PlainPort, Thing, "app-footprint-floor").ConfigureAwait(false));
                }
                catch
                {
                    await process.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }
            catch
            {
                await rig.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>Latency at a quantile of the measured commands, in milliseconds.</summary>
        public double Latency(double quantile)
        {
            if (_sorted is null || _sorted.Length != _latencies.Count)
            {
                _sorted = [.. _latencies];
                Array.Sort(_sorted);
            }

            return BenchmarkReport.Percentile(_sorted, quantile);
        }

        public async Task CommandAsync(int count, bool measured)
        {
            var cpuBefore = ProcessFigures.CpuTime(Pid);
            var switchesBefore = ProcessFigures.ContextSwitches(Pid);
            for (var i = 0; i < count; i++)
            {
                var milliseconds = await _commander.ToggleAsync().ConfigureAwait(false);
                if (measured)
                {
                    _latencies.Add(milliseconds);
                }
            }

            if (measured)
            {
                _commandCpu += ProcessFigures.CpuTime(Pid) - cpuBefore;
                _commandSwitches += ProcessFigures.ContextSwitches(Pid) - switchesBefore;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _commander.DisposeAsync().ConfigureAwait(false);
            if (!_rigOwnsProcess)
            {
                await _process.DisposeAsync().ConfigureAwait(false);
            }

            await _rig.DisposeAsync().ConfigureAwait(false);
        }
    }
}

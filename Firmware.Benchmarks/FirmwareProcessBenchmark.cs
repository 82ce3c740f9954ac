using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DeviceFirmware.Core.Shadow;
using Firmware.EndToEnd.Harness;
using MQTTnet;
using MQTTnet.Protocol;

namespace Firmware.Benchmarks;

/// <summary>
/// The firmware as a process, JIT (the built DeviceFirmware.dll under dotnet) next to NativeAOT (a
/// publish this benchmark makes): time from spawn to an accepted <c>connected: true</c>, resident
/// memory with telemetry every second, and CPU time while idle. Each runs against LocalIotCore as
/// its own process, started by the end-to-end rig with the same arguments the tests use.
/// </summary>
internal static class FirmwareProcessBenchmark
{
    private const int StartRuns = 10;
    private const double AotStartGoalMilliseconds = 100;
    private const double AotResidentGoalMegabytes = 15;
    private const double JitResidentGoalMegabytes = 45;

    /// <summary>/proc/PID/stat counts CPU time in USER_HZ ticks, 100 per second on every Linux ABI .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Idle CPU is counted from this long after the connect, so that start-up work is not in it.</summary>
    private static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan ConnectPatience = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(BenchmarkReport report, bool quick)
    {
        ArgumentNullException.ThrowIfNull(report);
        var window = TimeSpan.FromSeconds(quick ? 10 : 60);
        var loadBefore = Fleet.ProcessFigures.LoadAverage();
        report.Console.WriteLine("Publishing the NativeAOT firmware (about a minute)...");
        using var aot = FirmwarePublish.DeviceNativeAot();
        var embeddedSize = "not measured (--quick)";
        if (!quick)
        {
            report.Console.WriteLine("Publishing it again with the default EmbedLocalIotCore=true, for its size...");
            using var embedded = FirmwarePublish.Run("-r", "linux-x64", "-p:PublishAot=true");
            embeddedSize = embedded.Succeeded ? BenchmarkReport.Megabytes(embedded.Size("DeviceFirmware")) + ", " + embedded.WarningSummary() + " warnings" : "publish failed: " + embedded.Failure;
        }

        report.Console.WriteLine("Measuring the JIT firmware...");
        var jit = await MeasureAsync(null, window).ConfigureAwait(false);
        ProcessFigures? native = null;
        ProcessFigures? deployed = null;
        if (aot.Succeeded)
        {
            report.Console.WriteLine("Measuring the NativeAOT firmware...");
            native = await MeasureAsync(Path.Combine(aot.PublishFolder, "DeviceFirmware"), window).ConfigureAwait(false);
            report.Console.WriteLine("Measuring the NativeAOT firmware with the system trust store as the systemd unit sets it...");
            deployed = await MeasureAsync(Path.Combine(aot.PublishFolder, "DeviceFirmware"), window, unitEnvironment: true).ConfigureAwait(false);
        }

        var seconds = window.TotalSeconds.ToString(CultureInfo.InvariantCulture);
        report.Section("Firmware process: JIT and NativeAOT",
            "JIT: `dotnet DeviceFirmware.dll` as built by `dotnet build -c Release`. NativeAOT: `" + aot.Command + "`, published by the benchmark (" + aot.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture) + " s).",
            "Both run with the rig's arguments against LocalIotCore as its own process, over mutual TLS through the rig's TCP proxy, with simulated hardware.",
            "\"NativeAOT, unit\": the same binary with the environment of deploy/devicefirmware.service (read from the file: its GC settings, and SSL_CERT_FILE = the root CA and SSL_CERT_DIR = an empty folder; .NET on Linux loads the system certificate store for every chain it builds, even with custom root trust; the firmware trusts only its root CA anyway). That is how the device runs it; the goals are judged on both NativeAOT columns.",
            string.Create(CultureInfo.InvariantCulture, $"Start-up: from process spawn until an application client on the plain port sees `update/accepted` with `state.reported.connected` true; {StartRuns} runs after one unmeasured warm-up run, each stopped with SIGTERM."),
            "Memory: VmHWM (peak) and VmRSS (steady) from /proc/PID/status after " + seconds + " s connected with telemetry every second. " +
            "CPU: utime+stime from /proc/PID/stat over " + seconds + " s, counted from " + IdleSettle.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s after the connect for idle (--Telemetry:IntervalSeconds=3600) and from the connect with telemetry every second.",
            "Load average (1, 5, 15 min) at the start " + loadBefore + ", at the end " + Fleet.ProcessFigures.LoadAverage() + "; the machine is shared, and start-up times move with it.",
            quick ? "**--quick: " + seconds + " s windows instead of 60 s (a smoke run), and no EmbedLocalIotCore=true publish.**" : "Full run: 60 s windows.");
        report.Table(["figure", "JIT", "NativeAOT", "NativeAOT, unit", "goal"], [
            ["start-up to connected accepted, median", Ms(jit, f => f.Median), Ms(native, f => f.Median), Ms(deployed, f => f.Median), "NativeAOT ≤ " + BenchmarkReport.Milliseconds(AotStartGoalMilliseconds) + Verdict(native?.Median <= AotStartGoalMilliseconds, deployed?.Median <= AotStartGoalMilliseconds)],
            ["start-up to connected accepted, max", Ms(jit, f => f.StartMilliseconds[^1]), Ms(native, f => f.StartMilliseconds[^1]), Ms(deployed, f => f.StartMilliseconds[^1]), ""],
            ["peak resident (VmHWM), telemetry 1 s", Mb(jit, f => f.PeakBytes), Mb(native, f => f.PeakBytes), Mb(deployed, f => f.PeakBytes), ResidentGoal(jit, native, deployed, f => f.PeakBytes)],
            ["steady resident (VmRSS), telemetry 1 s", Mb(jit, f => f.ResidentBytes), Mb(native, f => f.ResidentBytes), Mb(deployed, f => f.ResidentBytes), ResidentGoal(jit, native, deployed, f => f.ResidentBytes)],
            ["resident (VmRSS) idle", Mb(jit, f => f.IdleResidentBytes), Mb(native, f => f.IdleResidentBytes), Mb(deployed, f => f.IdleResidentBytes), ""],
            ["CPU per minute, idle", CpuMs(jit, f => f.IdleCpuMillisecondsPerMinute), CpuMs(native, f => f.IdleCpuMillisecondsPerMinute), CpuMs(deployed, f => f.IdleCpuMillisecondsPerMinute), ""],
            ["CPU per minute, telemetry 1 s", CpuMs(jit, f => f.TelemetryCpuMillisecondsPerMinute), CpuMs(native, f => f.TelemetryCpuMillisecondsPerMinute), CpuMs(deployed, f => f.TelemetryCpuMillisecondsPerMinute), ""],
            ["telemetry messages seen in the window", Count(jit), Count(native), Count(deployed), ""],
            ["publish warnings (EmbedLocalIotCore=false)", "—", aot.Succeeded ? aot.WarningSummary() : "publish failed: " + aot.Failure, "(same binary)", "0" + Verdict(aot.Succeeded && aot.Warnings.Count == 0)],
            ["binary size (EmbedLocalIotCore=false)", "—", aot.Succeeded ? BenchmarkReport.Megabytes(aot.Size("DeviceFirmware")) + " (folder " + BenchmarkReport.Megabytes(aot.Size()) + " with libe_sqlite3.so, .dbg excluded: " + BenchmarkReport.Megabytes(aot.Size() - aot.Size("DeviceFirmware.dbg")) + ")" : "—", "(same binary)", ""],
            ["binary size (EmbedLocalIotCore=true, the default)", "—", embeddedSize, "", ""],
        ]);
    }

    private static async Task<ProcessFigures> MeasureAsync(string? executable, TimeSpan window, bool unitEnvironment = false)
    {
        await using var rig = await Rig.StartAsync(new RigOptions { FirmwareExecutable = executable, UnitEnvironment = unitEnvironment }).ConfigureAwait(false);
        await using var watcher = await ConnectedWatcher.ConnectAsync(rig.PlainPort, rig.Options.Thing).ConfigureAwait(false);
        await StartUntilConnectedAsync(rig, watcher).ConfigureAwait(false);
        await StopAsync(rig).ConfigureAwait(false);
        var starts = new double[StartRuns];
        for (var i = 0; i < StartRuns; i++)
        {
            starts[i] = await StartUntilConnectedAsync(rig, watcher).ConfigureAwait(false);
            await StopAsync(rig).ConfigureAwait(false);
        }

        Array.Sort(starts);

        await StartUntilConnectedAsync(rig, watcher).ConfigureAwait(false);
        var pid = rig.Firmware!.Id;
        var firstSeq = rig.Telemetry.HighestSeq;
        var cpuBefore = CpuTicks(pid);
        await Task.Delay(window).ConfigureAwait(false);
        var telemetryCpu = PerMinute(CpuTicks(pid) - cpuBefore, window);
        var peak = StatusBytes(pid, "VmHWM:");
        var resident = StatusBytes(pid, "VmRSS:");
        var telemetryMessages = rig.Telemetry.HighestSeq - firstSeq;
        await StopAsync(rig).ConfigureAwait(false);

        await StartUntilConnectedAsync(rig, watcher, "--Telemetry:IntervalSeconds=3600").ConfigureAwait(false);
        pid = rig.Firmware!.Id;
        await Task.Delay(IdleSettle).ConfigureAwait(false);
        cpuBefore = CpuTicks(pid);
        await Task.Delay(window).ConfigureAwait(false);
        var idleCpu = PerMinute(CpuTicks(pid) - cpuBefore, window);
        var idleResident = StatusBytes(pid, "VmRSS:");
        await StopAsync(rig).ConfigureAwait(false);
        return new ProcessFigures(starts, peak, resident, idleResident, idleCpu, telemetryCpu, telemetryMessages);
    }

    /// <summary>Starts the firmware; milliseconds from the spawn until the watcher saw connected: true accepted.</summary>
    private static async Task<double> StartUntilConnectedAsync(Rig rig, ConnectedWatcher watcher, params string[] extraArguments)
    {
        var connected = watcher.NextConnected();
        var spawned = Stopwatch.GetTimestamp();
        rig.StartFirmware(extraArguments);
        try
        {
            var seen = await connected.WaitAsync(ConnectPatience).ConfigureAwait(false);
            return Stopwatch.GetElapsedTime(spawned, seen).TotalMilliseconds;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("No accepted connected: true within " + ConnectPatience.TotalSeconds + " s of the spawn.\n" + rig.Describe());
        }
    }

    private static async Task StopAsync(Rig rig)
    {
        var exit = await rig.StopFirmwareAsync().ConfigureAwait(false);
        if (exit != 0)
        {
            throw new InvalidOperationException("The firmware exited with " + exit + " on SIGTERM; figures from it would mean nothing.\n" + rig.Describe());
        }
    }

    /// <summary>utime + stime: fields 14 and 15 of /proc/PID/stat, counted after the parenthesised command name.</summary>
    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>A "Key:   1234 kB" line of /proc/PID/status, in bytes.</summary>
    private static long StatusBytes(int pid, string key)
    {
        foreach (var line in File.ReadLines("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(key.Length).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("No " + key + " in /proc/" + pid + "/status.");
    }

    private static double PerMinute(long ticks, TimeSpan window) => ticks / TicksPerSecond * 1000 / window.TotalMinutes;

    private static string ResidentGoal(ProcessFigures jit, ProcessFigures? native, ProcessFigures? deployed, Func<ProcessFigures, long> bytes) =>
        "JIT ≤ " + JitResidentGoalMegabytes + " MB" + Verdict(bytes(jit) <= JitResidentGoalMegabytes * 1024 * 1024) +
        ", NativeAOT ≤ " + AotResidentGoalMegabytes + " MB" + Verdict(native is null ? null : bytes(native) <= AotResidentGoalMegabytes * 1024 * 1024, deployed is null ? null : bytes(deployed) <= AotResidentGoalMegabytes * 1024 * 1024);

    private static string Verdict(bool? met) => met switch { true => " (met)", false => " (missed)", null => "" };

    private static string Verdict(bool? native, bool? unit) =>
        native is null ? "" : " (" + (native.Value ? "met" : "missed") + (unit is bool u ? "; unit: " + (u ? "met" : "missed") : "") + ")";

    private static string Ms(ProcessFigures? figures, Func<ProcessFigures, double> value) => figures is null ? "—" : BenchmarkReport.Milliseconds(value(figures));

    private static string Mb(ProcessFigures? figures, Func<ProcessFigures, long> value) => figures is null ? "—" : BenchmarkReport.Megabytes(value(figures));

    private static string CpuMs(ProcessFigures? figures, Func<ProcessFigures, double> value) => figures is null ? "—" : value(figures).ToString("F0", CultureInfo.InvariantCulture) + " ms";

    private static string Count(ProcessFigures? figures) => figures is null ? "—" : figures.TelemetryMessages.ToString(CultureInfo.InvariantCulture);

    private sealed record ProcessFigures(
        double[] StartMilliseconds,
        long PeakBytes,
        long ResidentBytes,
        long IdleResidentBytes,
        double IdleCpuMillisecondsPerMinute,
        double TelemetryCpuMillisecondsPerMinute,
        long TelemetryMessages)
    {
        public double Median => BenchmarkReport.Percentile(StartMilliseconds, 0.5);
    }

    /// <summary>An application client on the plain port that notes when the shadow accepts connected: true.</summary>
    private sealed class ConnectedWatcher : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly string _topic;
        private TaskCompletionSource<long>? _next;

        private ConnectedWatcher(string thing)
        {
            _topic = new ShadowTopics(thing).UpdateAccepted;
            _client.ApplicationMessageReceivedAsync += e =>
            {
                var seen = Stopwatch.GetTimestamp();
                if (e.ApplicationMessage.Topic == _topic && ReportsConnected(e.ApplicationMessage.Payload))
                {
                    Volatile.Read(ref _next)?.TrySetResult(seen);
                }

                return Task.CompletedTask;
            };
        }

        public static async Task<ConnectedWatcher> ConnectAsync(int plainPort, string thing)
        {
            var watcher = new ConnectedWatcher(thing);
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", plainPort)
                .WithClientId("app-benchmark-" + Guid.NewGuid().ToString("N")[..8])
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
                .Build();
            await watcher._client.ConnectAsync(options).ConfigureAwait(false);
            await watcher._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(watcher._topic, MqttQualityOfServiceLevel.AtMostOnce).Build()).ConfigureAwait(false);
            return watcher;
        }

        /// <summary>The timestamp of the next accepted connected: true from now on.</summary>
        public Task<long> NextConnected()
        {
            var next = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _next, next);
            return next.Task;
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync().ConfigureAwait(false);
            }

            _client.Dispose();
        }

        private static bool ReportsConnected(System.Buffers.ReadOnlySequence<byte> payload)
        {
            using var document = JsonDocument.Parse(payload);
            return document.RootElement.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.Object &&
                state.TryGetProperty("reported", out var reported) && reported.ValueKind == JsonValueKind.Object &&
                reported.TryGetProperty(ShadowKeys.Connected, out var connected) && connected.ValueKind == JsonValueKind.True;
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using DeviceFirmware.Core.Agent;
using Firmware.Benchmarks.Fleet;

namespace Firmware.Benchmarks;

/// <summary>
/// N simulated devices in this process, each with its own mutual-TLS connection, certificate, agent and
/// host loop, against LocalIotCore in its own process: how long the fleet takes to come online, what a
/// device costs in memory, how many shadow updates LocalIotCore sustains, and the actuation latency
/// under that load.
/// </summary>
internal static class FleetBenchmark
{
    private const int Probes = 16;
    private const int MaximumLoadConcurrency = 256;
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LoadWarmup = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(BenchmarkReport report, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(args);
        int[] sizes = [100, 1_000, 5_000];
        var connectRate = SimulatedFleet.DefaultConnectsPerSecond;
        var windowSeconds = 15;
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            switch (args[i])
            {
                case "--sizes":
                    sizes = Array.ConvertAll(args[i + 1].Split(','), s => int.Parse(s, CultureInfo.InvariantCulture));
                    break;
                case "--connect-rate":
                    connectRate = Math.Clamp(int.Parse(args[i + 1], CultureInfo.InvariantCulture), 1, SimulatedFleet.AwsConnectsPerSecond);
                    break;
                case "--seconds":
                    windowSeconds = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException("Unknown fleet argument " + args[i] + " (--sizes 100,1000,5000 --connect-rate 100, at most 500 --seconds 15)");
            }
        }

        var openFiles = ProcessFigures.RaiseOpenFileLimit();
        var folder = Path.Combine(Path.GetTempPath(), "fw-fleet-" + Guid.NewGuid().ToString("N")[..8]);
        var connectRows = new List<IReadOnlyList<string>>();
        var loadRows = new List<IReadOnlyList<string>>();
        var notes = new List<string>();
        try
        {
            foreach (var size in sizes)
            {
                report.Console.WriteLine("fleet: " + size + " devices ...");
                var (connect, load, note) = await RunSizeAsync(Path.Combine(folder, "n" + size.ToString(CultureInfo.InvariantCulture)), size, connectRate, TimeSpan.FromSeconds(windowSeconds), report.Console).ConfigureAwait(false);
                connectRows.Add(connect);
                loadRows.Add(load);
                if (note is not null)
                {
                    notes.Add(note);
                }
            }
        }
        finally
        {
            SimulatedFleet.DeleteFolder(folder);
        }

        report.Section("Fleet: many devices against one LocalIotCore",
            "N simulated devices in one process (thing names fleet-00001...), each the firmware's own DeviceAgent + DeviceAgentService + MqttNetConnection over mutual TLS with its own minted ECDSA P-256 certificate, a SimulatedRelay and NoSensor (no BME280 simulation: the sensor is not what a fleet benchmark measures). " +
            "Telemetry goes through an in-memory queue that publishes at once and drops while offline instead of the SQLite outbox (thousands of outbox files in one process are not what a fleet benchmark measures); interval 60 s (the default). MinimumSwitchInterval is 0 so that back-to-back commands to one device are not deferred.",
            "LocalIotCore runs as its own process on 127.0.0.1, started fresh for each N, so the fleet process's RSS growth is the devices' alone. Devices start at " + connectRate.ToString(CultureInfo.InvariantCulture) + " a second at most (AWS's account quota is 500 CONNECT/s, the most --connect-rate allows; this 2-core machine, with both ends of every handshake on it, sustains about 100); \"connected\" = CONNACK, \"online\" = the device's own connected:true report accepted. " +
            "Memory: VmRSS and GC.GetTotalMemory after an aggressive full GC, once all are online, minus the same before the first device (after one warm-up device connected and stopped, so JIT and TLS set-up are not counted), divided by N. Open-file limit " + (openFiles?.ToString(CultureInfo.InvariantCulture) ?? "unknown") + " (the soft limit is raised to the hard one with setrlimit; LocalIotCore inherits it).",
            "Shadow load: an application client on the plain loopback port sets desired.MOTOR (toggling) on up to " + MaximumLoadConcurrency.ToString(CultureInfo.InvariantCulture) + " devices at once, each waiting for that device's matching reported.MOTOR before its next command (closed loop), for " + windowSeconds.ToString(CultureInfo.InvariantCulture) + " s after a " + LoadWarmup.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s warm-up. " +
            "Updates/s counts every /update/accepted (the desired update and the device's report: two per command). Latency is measured on " + Probes.ToString(CultureInfo.InvariantCulture) + " other devices, one command at a time each, while the load runs: desired update published -> /update/accepted with the matching reported.MOTOR.");
        report.Table(["devices", "all connected", "all online", "RSS / device", "managed / device", "LocalIotCore RSS / device", "threads"], connectRows);
        report.Table(["devices", "load devices in flight", "updates accepted/s", "commands completed/s", "latency p50", "latency p99", "latency max", "commands timed out (10 s)"], loadRows);
        foreach (var note in notes)
        {
            report.Line(note);
            report.Line();
        }
    }

    private static async Task<(IReadOnlyList<string> Connect, IReadOnlyList<string> Load, string? Note)> RunSizeAsync(string folder, int size, int connectRate, TimeSpan window, TextWriter console)
    {
        await using var cloud = new CloudProcess(folder);
        var certificates = Path.Combine(folder, "device-certs");
        var things = SimulatedFleet.ThingNames(size);
        SimulatedFleet.MintCertificates(cloud.Authority, certificates, [.. things, "fleet-warmup"]);
        await cloud.StartAsync().ConfigureAwait(false);
        await using var load = new ShadowLoad();
        await load.ConnectAsync(cloud.PlainPort).ConfigureAwait(false);
        var settings = (string thing) => new AgentSettings(thing) { FirmwareVersion = "fleet", Hardware = "simulated (fleet benchmark)", MinimumSwitchInterval = TimeSpan.Zero };

        // One device first, stopped again: JIT, TLS and MQTTnet set-up are then not counted per device.
        await using (var warmup = new SimulatedFleet(cloud, certificates, settings, Random.Shared.NextDouble))
        {
            await warmup.StartAsync(["fleet-warmup"], connectRate).ConfigureAwait(false);
            await warmup.WaitOnlineAsync(1, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }

        var managedBefore = ProcessFigures.CollectAndMeasureManaged();
        var rssBefore = ProcessFigures.ResidentBytes();
        var cloudBefore = ProcessFigures.ResidentBytes(cloud.ProcessId);
        var fleet = new SimulatedFleet(cloud, certificates, settings, Random.Shared.NextDouble);
        string? note = null;
        try
        {
            var cpuBefore = ProcessFigures.CpuTime();
            var cloudCpuBefore = ProcessFigures.CpuTime(cloud.ProcessId);
            var clock = Stopwatch.StartNew();
            var threads = 0;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    threads = Math.Max(threads, ThreadPool.ThreadCount);
                    await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                }
            }, CancellationToken.None);
            var starting = fleet.StartAsync(things, connectRate);
            TimeSpan? allConnected = null;
            var patience = TimeSpan.FromSeconds(60 + (size / (double)connectRate));
            while (fleet.Log.Online < size && clock.Elapsed < patience)
            {
                if (allConnected is null && fleet.Log.Succeeded >= size)
                {
                    allConnected = clock.Elapsed;
                }

                await Task.Delay(10).ConfigureAwait(false);
            }

            await starting.ConfigureAwait(false);
            allConnected ??= fleet.Log.Succeeded >= size ? clock.Elapsed : null;
            TimeSpan? allOnline = fleet.Log.Online >= size ? clock.Elapsed : null;
            await sampling.CancelAsync().ConfigureAwait(false);
            await sampler.ConfigureAwait(false);
            if (allOnline is null)
            {
                note = "N = " + size.ToString(CultureInfo.InvariantCulture) + ": only " + fleet.Log.Online.ToString(CultureInfo.InvariantCulture) + " devices online after " + patience.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture) + " s (" +
                    fleet.Log.Attempts.Count.ToString(CultureInfo.InvariantCulture) + " connect attempts, " + fleet.Log.Failed.ToString(CultureInfo.InvariantCulture) + " failed).";
            }

            var connectCpu = (ProcessFigures.CpuTime() - cpuBefore).TotalMilliseconds / Math.Max(1, fleet.Log.Attempts.Count);
            var cloudConnectCpu = (ProcessFigures.CpuTime(cloud.ProcessId) - cloudCpuBefore).TotalMilliseconds / Math.Max(1, fleet.Log.Attempts.Count);
            console.WriteLine("  CPU per connect attempt: fleet " + connectCpu.ToString("F2", CultureInfo.InvariantCulture) + " ms, LocalIotCore " + cloudConnectCpu.ToString("F2", CultureInfo.InvariantCulture) + " ms");
            console.WriteLine("  online " + fleet.Log.Online + "/" + size + " after " + clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s; " + fleet.Log.Attempts.Count + " attempts, " + fleet.Log.Failed + " failed");
            if (fleet.Log.Failed > 0)
            {
                console.WriteLine("  failures: " + fleet.Log.TopFailures(3));
            }

            await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            var managedAfter = ProcessFigures.CollectAndMeasureManaged();
            var rssAfter = ProcessFigures.ResidentBytes();
            var cloudAfter = ProcessFigures.ResidentBytes(cloud.ProcessId);
            var online = Math.Max(1, fleet.Log.Online);
            var connectRow = new[]
            {
                size.ToString("N0", CultureInfo.InvariantCulture),
                allConnected is TimeSpan c ? Seconds(c) : "not all (" + fleet.Log.Succeeded.ToString(CultureInfo.InvariantCulture) + ")",
                allOnline is TimeSpan o ? Seconds(o) : "not all (" + fleet.Log.Online.ToString(CultureInfo.InvariantCulture) + ")",
                Kilobytes((rssAfter - rssBefore) / (double)online),
                Kilobytes((managedAfter - managedBefore) / (double)online),
                Kilobytes((cloudAfter - cloudBefore) / (double)online),
                threads.ToString(CultureInfo.InvariantCulture),
            };
            console.WriteLine("  RSS " + BenchmarkReport.Megabytes(rssBefore) + " -> " + BenchmarkReport.Megabytes(rssAfter) + ", managed " + BenchmarkReport.Megabytes(managedBefore) + " -> " + BenchmarkReport.Megabytes(managedAfter) + ", LocalIotCore " + BenchmarkReport.Megabytes(cloudBefore) + " -> " + BenchmarkReport.Megabytes(cloudAfter));
            var loadRow = await RunLoadAsync(load, fleet.Devices, window, console).ConfigureAwait(false);
            return (connectRow, loadRow, note);
        }
        finally
        {
            // Kill the cloud first: 5,000 clean connected:false reports are not what is measured here.
            await cloud.KillAsync().ConfigureAwait(false);
            await fleet.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<IReadOnlyList<string>> RunLoadAsync(ShadowLoad load, IReadOnlyList<FleetDevice> devices, TimeSpan window, TextWriter console)
    {
        var probes = Math.Min(Probes, devices.Count / 4);
        var loaded = devices.Count - probes;
        var concurrency = Math.Min(MaximumLoadConcurrency, loaded);
        using var stop = new CancellationTokenSource();
        var measuring = 0;
        var completed = 0L;
        var timedOut = 0L;
        var latencies = new List<double>();
        var tasks = new List<Task>();
        for (var w = 0; w < concurrency; w++)
        {
            var worker = w;
            tasks.Add(Task.Run(async () =>
            {
                var on = new bool[(loaded / concurrency) + 1];
                for (var round = 0; !stop.IsCancellationRequested; round++)
                {
                    for (var d = probes + worker; d < devices.Count && !stop.IsCancellationRequested; d += concurrency)
                    {
                        var slot = (d - probes) / concurrency;
                        on[slot] = !on[slot];
                        var latency = await load.CommandAsync(devices[d].Thing, on[slot], CommandTimeout).ConfigureAwait(false);
                        if (Volatile.Read(ref measuring) == 1)
                        {
                            Interlocked.Increment(ref latency is null ? ref timedOut : ref completed);
                        }
                    }
                }
            }, CancellationToken.None));
        }

        for (var p = 0; p < probes; p++)
        {
            var device = devices[p];
            tasks.Add(Task.Run(async () =>
            {
                var on = false;
                while (!stop.IsCancellationRequested)
                {
                    on = !on;
                    var latency = await load.CommandAsync(device.Thing, on, CommandTimeout).ConfigureAwait(false);
                    if (Volatile.Read(ref measuring) == 1)
                    {
                        lock (latencies)
                        {
                            latencies.Add(latency?.TotalMilliseconds ?? double.PositiveInfinity);
                        }
                    }

                    await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                }
            }, CancellationToken.None));
        }

        await Task.Delay(LoadWarmup).ConfigureAwait(false);
        var acceptedAtStart = load.Accepted;
        Volatile.Write(ref measuring, 1);
        var clock = Stopwatch.StartNew();
        await Task.Delay(window).ConfigureAwait(false);
        Volatile.Write(ref measuring, 0);
        var accepted = load.Accepted - acceptedAtStart;
        var elapsed = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(tasks).ConfigureAwait(false);
        double[] sorted;
        lock (latencies)
        {
            sorted = [.. latencies];
        }

        Array.Sort(sorted);
        console.WriteLine("  load: " + (accepted / elapsed).ToString("F0", CultureInfo.InvariantCulture) + " accepted/s, " + sorted.Length + " probe samples");
        return
        [
            devices.Count.ToString("N0", CultureInfo.InvariantCulture),
            concurrency.ToString(CultureInfo.InvariantCulture),
            (accepted / elapsed).ToString("F0", CultureInfo.InvariantCulture),
            (Interlocked.Read(ref completed) / elapsed).ToString("F0", CultureInfo.InvariantCulture),
            Latency(BenchmarkReport.Percentile(sorted, 0.5)),
            Latency(BenchmarkReport.Percentile(sorted, 0.99)),
            Latency(sorted.Length > 0 ? sorted[^1] : double.NaN),
            Interlocked.Read(ref timedOut).ToString(CultureInfo.InvariantCulture),
        ];
    }

    private static string Latency(double ms) => double.IsPositiveInfinity(ms) ? "> 10 s" : BenchmarkReport.Milliseconds(ms);

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";

    private static string Kilobytes(double bytes) => (bytes / 1024).ToString("F0", CultureInfo.InvariantCulture) + " KB";
}

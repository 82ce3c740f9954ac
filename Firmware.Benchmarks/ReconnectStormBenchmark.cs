using System.Diagnostics;
using System.Globalization;
using DeviceFirmware.Core.Agent;
using Firmware.Benchmarks.Fleet;

namespace Firmware.Benchmarks;

/// <summary>
/// A reconnect storm: a fleet connected to LocalIotCore, LocalIotCore killed (-9) and started again
/// on the same ports and data folder, and the fleet's connect attempts counted second by second until
/// every device is back online — once with the firmware's full-jitter backoff, once in lockstep.
/// </summary>
internal static class ReconnectStormBenchmark
{
    private static readonly TimeSpan BackoffMaximum = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StableConnection = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryPatience = TimeSpan.FromSeconds(240);

    /// <summary>LocalIotCore stays down this long after the kill before it is started again, the same in both runs.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(BenchmarkReport report, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(args);
        var devices = 1_000;
        var connectRate = SimulatedFleet.DefaultConnectsPerSecond;
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            switch (args[i])
            {
                case "--devices":
                    devices = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--connect-rate":
                    connectRate = Math.Clamp(int.Parse(args[i + 1], CultureInfo.InvariantCulture), 1, SimulatedFleet.AwsConnectsPerSecond);
                    break;
                default:
                    throw new ArgumentException("Unknown storm argument " + args[i] + " (--devices 1000 --connect-rate 100, at most 500)");
            }
        }

        ProcessFigures.RaiseOpenFileLimit();
        var folder = Path.Combine(Path.GetTempPath(), "fw-storm-" + Guid.NewGuid().ToString("N")[..8]);
        Storm jitter, lockstep;
        try
        {
            report.Console.WriteLine("storm: " + devices + " devices, full jitter ...");
            jitter = await RunOnceAsync(Path.Combine(folder, "jitter"), devices, connectRate, Random.Shared.NextDouble, report.Console).ConfigureAwait(false);
            report.Console.WriteLine("storm: " + devices + " devices, no jitter ...");
            // "Always the cap": the largest double below 1 (ReconnectBackoff waits the whole cap for a draw
            // of 1.0 or more, or NaN, too: a broken random source never means an immediate retry).
            lockstep = await RunOnceAsync(Path.Combine(folder, "lockstep"), devices, connectRate, () => Math.BitDecrement(1.0), report.Console).ConfigureAwait(false);
        }
        finally
        {
            SimulatedFleet.DeleteFolder(folder);
        }

        report.Section("Reconnect storm: LocalIotCore killed under a connected fleet",
            devices.ToString("N0", CultureInfo.InvariantCulture) + " simulated devices (as in the fleet benchmark: the firmware's DeviceAgent + DeviceAgentService + MqttNetConnection over mutual TLS, one certificate each) online against LocalIotCore in its own process; then LocalIotCore is killed with SIGKILL and, " + Outage.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s later (the same outage in both runs), started again on the same ports and data folder (it is up once its ready banner is printed). " +
            "Every ConnectAsync call of every device is counted with its time (a counting wrapper around the real connection); second 0 is the kill. \"Back\" = every device's connected:true report accepted again.",
            "The firmware's real ReconnectBackoff through AgentSettings: minimum 1 s (the default), maximum shortened to " + BackoffMaximum.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s (default 120 s) and StableConnection to " + StableConnection.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s (default 30 s; the attempt counter resets after it) so a run stays short. " +
            "Full jitter = the firmware's default random function (Random.Shared.NextDouble): delay uniform in [0, min(max, 1 s x 2^attempt)). No jitter = a function that always returns the largest double below 1, i.e. every device waits the whole cap, in lockstep (ReconnectBackoff waits the cap for a draw of 1.0 or more, or NaN, as well).");
        report.Table(["backoff", "LocalIotCore up again", "connect attempts", "failed attempts", "peak attempts/s", "all back online"],
        [
            Totals("full jitter", jitter),
            Totals("no jitter", lockstep),
        ]);
        report.Table(["second", "attempts (full jitter)", "attempts (no jitter)"], Histogram(jitter, lockstep));
    }

    private static async Task<Storm> RunOnceAsync(string folder, int count, int connectRate, RandomSource random, TextWriter console)
    {
        await using var cloud = new CloudProcess(folder);
        var certificates = Path.Combine(folder, "device-certs");
        var things = SimulatedFleet.ThingNames(count);
        SimulatedFleet.MintCertificates(cloud.Authority, certificates, things);
        await cloud.StartAsync().ConfigureAwait(false);
        var fleet = new SimulatedFleet(cloud, certificates,
            thing => new AgentSettings(thing) { FirmwareVersion = "storm", Hardware = "simulated (storm benchmark)", BackoffMaximum = BackoffMaximum, StableConnection = StableConnection },
            random);
        try
        {
            await fleet.StartAsync(things, connectRate).ConfigureAwait(false);
            if (!await fleet.WaitOnlineAsync(count, TimeSpan.FromSeconds(120)).ConfigureAwait(false))
            {
                throw new TimeoutException("Only " + fleet.Log.Online + " of " + count + " devices came online before the storm.");
            }

            // Past StableConnection, so every device's attempt counter is back at 0.
            await Task.Delay(StableConnection + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            fleet.Log.Reset();
            var kill = Stopwatch.GetTimestamp();
            await cloud.KillAsync().ConfigureAwait(false);
            var down = Outage - Stopwatch.GetElapsedTime(kill);
            if (down > TimeSpan.Zero)
            {
                await Task.Delay(down).ConfigureAwait(false);
            }

            await cloud.StartAsync().ConfigureAwait(false);
            var up = Stopwatch.GetElapsedTime(kill);
            console.WriteLine("  LocalIotCore up again after " + up.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s");
            TimeSpan? back = null;
            while (Stopwatch.GetElapsedTime(kill) < RecoveryPatience)
            {
                if (fleet.Log.Online >= count)
                {
                    back = Stopwatch.GetElapsedTime(kill);
                    break;
                }

                await Task.Delay(20).ConfigureAwait(false);
            }

            console.WriteLine("  back: " + (back?.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "not all (" + fleet.Log.Online + ")") + " s, " + fleet.Log.Attempts.Count + " attempts, " + fleet.Log.Failed + " failed");
            var seconds = new List<int>();
            foreach (var attempt in fleet.Log.Attempts)
            {
                var second = (int)Math.Floor(Stopwatch.GetElapsedTime(kill, attempt).TotalSeconds);
                while (seconds.Count <= second)
                {
                    seconds.Add(0);
                }

                seconds[second]++;
            }

            return new Storm(up, back, fleet.Log.Online, fleet.Log.Attempts.Count, fleet.Log.Failed, seconds);
        }
        finally
        {
            await cloud.KillAsync().ConfigureAwait(false);
            await fleet.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string[] Totals(string name, Storm storm)
    {
        var peak = 0;
        foreach (var n in storm.PerSecond)
        {
            peak = Math.Max(peak, n);
        }

        return
        [
            name,
            Seconds(storm.Up),
            storm.Attempts.ToString("N0", CultureInfo.InvariantCulture),
            storm.Failed.ToString("N0", CultureInfo.InvariantCulture),
            peak.ToString("N0", CultureInfo.InvariantCulture),
            storm.Back is TimeSpan back ? Seconds(back) : "not within " + RecoveryPatience.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s (" + storm.Online.ToString(CultureInfo.InvariantCulture) + " online)",
        ];
    }

    /// <summary>Attempts per second since the kill, both runs side by side; runs of seconds with none in either are one row.</summary>
    private static List<IReadOnlyList<string>> Histogram(Storm a, Storm b)
    {
        var rows = new List<IReadOnlyList<string>>();
        var length = Math.Max(a.PerSecond.Count, b.PerSecond.Count);
        var quietFrom = -1;
        for (var s = 0; s <= length; s++)
        {
            var x = s < a.PerSecond.Count ? a.PerSecond[s] : 0;
            var y = s < b.PerSecond.Count ? b.PerSecond[s] : 0;
            if (x == 0 && y == 0 && s < length)
            {
                quietFrom = quietFrom < 0 ? s : quietFrom;
                continue;
            }

            if (quietFrom >= 0)
            {
                rows.Add([quietFrom == s - 1 ? Invariant(quietFrom) : Invariant(quietFrom) + "–" + Invariant(s - 1), "0", "0"]);
                quietFrom = -1;
            }

            if (s < length)
            {
                rows.Add([Invariant(s), Invariant(x), Invariant(y)]);
            }
        }

        return rows;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s";

    private sealed record Storm(TimeSpan Up, TimeSpan? Back, int Online, int Attempts, int Failed, List<int> PerSecond);
}

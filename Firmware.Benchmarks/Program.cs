using Firmware.Benchmarks;

// Benchmarks print figures; they assert nothing and are not part of the test run.
// Each writes Markdown sections to the report; the run ends by writing BENCHMARKS.md.
var name = args.Length > 0 ? args[0] : "";
var report = new BenchmarkReport(Console.Out);
switch (name)
{
    case "bme280":
        Bme280ReadBenchmark.Run(report);
        break;
    case "actuation":
        await ActuationLatencyBenchmark.RunAsync(report, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000).ConfigureAwait(false);
        break;
    case "fleet":
        await FleetBenchmark.RunAsync(report, args[1..]);
        break;
    case "storm":
        await ReconnectStormBenchmark.RunAsync(report, args[1..]);
        break;
    case "process":
        await FirmwareProcessBenchmark.RunAsync(report, quick: args.Contains("--quick")).ConfigureAwait(false);
        break;
    case "footprint":
        await FootprintBenchmark.RunAsync(report, args[1..]).ConfigureAwait(false);
        break;
    case "publish":
        PiPublishBenchmark.Run(report);
        break;
    case "all":
        // One after another (never two loads at once), into one BENCHMARKS.md.
        Bme280ReadBenchmark.Run(report);
        await ActuationLatencyBenchmark.RunAsync(report, 1_000).ConfigureAwait(false);
        await FirmwareProcessBenchmark.RunAsync(report, quick: false).ConfigureAwait(false);
        await FootprintBenchmark.RunAsync(report, []).ConfigureAwait(false);
        await FleetBenchmark.RunAsync(report, []).ConfigureAwait(false);
        await ReconnectStormBenchmark.RunAsync(report, []).ConfigureAwait(false);
        PiPublishBenchmark.Run(report);
        break;
    default:
        Console.Error.WriteLine("Usage: dotnet run -c Release --project Firmware.Benchmarks -- <benchmark> [options]");
        Console.Error.WriteLine("Benchmarks: all (every one below, in turn, into one BENCHMARKS.md)");
        Console.Error.WriteLine("            bme280 (driver time per forced-mode read against the simulator)");
        Console.Error.WriteLine("            actuation [iterations] (desired -> relay -> reported accepted, 1,000 by default)");
        Console.Error.WriteLine("            process [--quick] (the firmware process, JIT and NativeAOT: start-up, memory, idle CPU)");
        Console.Error.WriteLine("            footprint [--quick] [--idle-minutes 5] [--firmware PATH] (NativeAOT firmware, unit environment, beside a C libmosquitto floor responder: idle CPU and system calls, memory over 10,000 commands and idle, CPU per command, actuation latency)");
        Console.Error.WriteLine("            publish (the Raspberry Pi builds for linux-arm64: sizes, warnings)");
        Console.Error.WriteLine("            fleet [--sizes 100,1000,5000] [--connect-rate 100] [--seconds 15] (N devices over TLS against LocalIotCore: connect time, memory per device, shadow updates/s, actuation latency)");
        Console.Error.WriteLine("            storm [--devices 1000] [--connect-rate 100] (LocalIotCore killed and restarted: connect attempts per second, full jitter vs none)");
        return 2;
}

report.Write(Path.Combine(Firmware.EndToEnd.Harness.BuiltPrograms.RepositoryRoot, "BENCHMARKS.md"), "dotnet run -c Release --project Firmware.Benchmarks -- " + string.Join(' ', args));
return 0;

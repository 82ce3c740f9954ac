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
    case "process":
        await FirmwareProcessBenchmark.RunAsync(report, quick: args.Contains("--quick")).ConfigureAwait(false);
        break;
    case "publish":
        PiPublishBenchmark.Run(report);
        break;
    default:
        Console.Error.WriteLine("Usage: dotnet run -c Release --project Firmware.Benchmarks -- <benchmark>");
        Console.Error.WriteLine("Benchmarks: bme280 (driver time per forced-mode read against the simulator),");
        Console.Error.WriteLine("  process [--quick] (the firmware process, JIT and NativeAOT: start-up, memory, idle CPU),");
        Console.Error.WriteLine("  publish (the Raspberry Pi builds for linux-arm64: sizes, warnings)");
        return 2;
}

report.Write(Path.Combine(BuiltProgramsRoot(), "BENCHMARKS.md"), "dotnet run -c Release --project Firmware.Benchmarks -- " + string.Join(' ', args));
return 0;

static string BuiltProgramsRoot()
{
    for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
    {
        if (File.Exists(Path.Combine(folder.FullName, "Firmware.sln")))
        {
            return folder.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}

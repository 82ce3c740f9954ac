using Firmware.Benchmarks;

// Benchmarks print figures; they assert nothing and are not part of the test run.
var name = args.Length > 0 ? args[0] : "";
switch (name)
{
    case "bme280":
        Bme280ReadBenchmark.Run(Console.Out);
        return 0;
    default:
        Console.Error.WriteLine("Usage: dotnet run -c Release --project Firmware.Benchmarks -- <benchmark>");
        Console.Error.WriteLine("Benchmarks: bme280 (driver time per forced-mode read against the simulator)");
        return 2;
}

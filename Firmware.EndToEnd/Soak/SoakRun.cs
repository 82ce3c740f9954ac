using System.Diagnostics;
using System.Globalization;
using Firmware.EndToEnd.Harness;

namespace Firmware.EndToEnd.Soak;

/// <summary>
/// The soak and chaos command: randomized fault cycles (kill -9, blackhole, reset, broker restart,
/// bad input, and valid commands between them) against the real processes for a given time, then
/// one summary. Not part of the test run; README says how to run it.
/// </summary>
public static class SoakRun
{
    public static async Task<int> MainAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var minutes = 15.0;
        var broker = BrokerKind.LocalIotCore;
        int? seed = null;
        var verbose = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("Missing value after " + args[i]);
            switch (args[i])
            {
                case "soak":
                    break;
                case "--minutes":
                    minutes = double.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--broker":
                    broker = Enum.Parse<BrokerKind>(Next(), ignoreCase: true);
                    break;
                case "--seed":
                    seed = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--verbose-firmware":
                    verbose = true;
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine("Unknown argument '" + args[i] + "'.\n" + Usage);
                    return 2;
            }
        }

        var chosenSeed = seed ?? Environment.TickCount;
        Console.WriteLine("Soak: " + minutes.ToString(CultureInfo.InvariantCulture) + " min against " + broker + ", seed " + chosenSeed + " (programs built in " + BuiltPrograms.Configuration + ").");
        await using var rig = await Rig.StartAsync(new RigOptions { Broker = broker, VerboseFirmware = verbose }).ConfigureAwait(false);
        var chaos = new ChaosCycles(rig, new Random(chosenSeed), Console.Out);
        var summary = await chaos.RunAsync(TimeSpan.FromMinutes(minutes)).ConfigureAwait(false);
        Console.WriteLine();
        Console.WriteLine(summary.Format());
        if (!summary.Passed)
        {
            Console.WriteLine("Logs kept in " + rig.Folder + " (set KEEP_RIG=1 to keep them after a passing run too).");
            Environment.SetEnvironmentVariable("KEEP_RIG", "1");
        }

        return summary.Passed ? 0 : 1;
    }

    private const string Usage = """
        Usage: Firmware.EndToEnd soak [--minutes 15] [--broker LocalIotCore|Mosquitto] [--seed N] [--verbose-firmware]
          Runs randomized fault cycles against LocalIotCore (or mosquitto) and the firmware as real
          processes, then prints one summary. Exit code 1 if telemetry was lost, invalid input moved
          the relay, a program crashed, or a step did not recover in time.
        """;
}

/// <summary>What the soak saw.</summary>
public sealed class SoakSummary
{
    public TimeSpan Duration { get; set; }

    public int Cycles { get; set; }

    public SortedDictionary<string, int> Faults { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, int> BadInputs { get; } = new(StringComparer.Ordinal);

    public int ValidCommands { get; set; }

    public int FlagChecks { get; set; }

    public int FlagChecksCorrect { get; set; }

    public TelemetryTally? Telemetry { get; set; }

    public int ActuationsOnInvalidInput { get; set; }

    public int FirmwareCrashes { get; set; }

    public int UnexpectedExits { get; set; }

    public List<string> Failures { get; } = [];

    public bool Passed =>
        Failures.Count == 0 && ActuationsOnInvalidInput == 0 && FirmwareCrashes == 0 && UnexpectedExits == 0 && Telemetry is { Missing.Count: 0 };

    public string Format()
    {
        var faults = new List<string>();
        foreach (var (kind, count) in Faults)
        {
            faults.Add(kind + " " + count);
        }

        var inputs = new List<string>();
        foreach (var (kind, count) in BadInputs)
        {
            inputs.Add(kind + " " + count);
        }

        var share = FlagChecks == 0 ? 0 : 100.0 * FlagChecksCorrect / FlagChecks;
        var lines = new List<string>
        {
            "==== soak summary ====",
            "duration:                  " + Duration.TotalMinutes.ToString("F1", CultureInfo.InvariantCulture) + " min",
            "cycles:                    " + Cycles + " (" + ValidCommands + " valid motor commands between faults)",
            "faults by kind:            " + string.Join(", ", faults),
            "bad input by kind:         " + string.Join(", ", inputs),
            "connected-flag correctness: " + share.ToString("F1", CultureInfo.InvariantCulture) + " % of " + FlagChecks + " checks matched reality within its bound",
            "telemetry:                 " + (Telemetry is null ? "none" : Telemetry.Distinct + " readings, " + Telemetry.Missing.Count + " lost, " + Telemetry.Duplicates + " duplicates (" + Telemetry + ")"),
            "relay actuations on invalid input: " + ActuationsOnInvalidInput,
            "crashes:                   " + FirmwareCrashes + " unhandled exceptions, " + UnexpectedExits + " unexpected exits",
            "steps that did not recover in time: " + Failures.Count,
        };
        foreach (var failure in Failures)
        {
            lines.Add("  - " + failure);
        }

        lines.Add(Passed ? "result: PASS" : "result: FAIL");
        return string.Join('\n', lines);
    }
}

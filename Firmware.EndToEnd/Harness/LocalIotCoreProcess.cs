namespace Firmware.EndToEnd.Harness;

/// <summary>LocalIotCore's command line (the built LocalIotCore.dll under dotnet) as a process of its own: the rig's and the benchmarks' one way to start it.</summary>
public static class LocalIotCoreProcess
{
    /// <summary>The last line of LocalIotCore's start-up banner (LocalIotCore/Program.cs): everything listens once it is printed.</summary>
    public const string ReadyLine = "Ctrl+C to stop.";

    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);

    /// <summary>Starts LocalIotCore with <paramref name="arguments"/> (after the dll) and waits for its ready banner.</summary>
    public static async Task<ChildProcess> StartAsync(string name, IEnumerable<string> arguments, string workingDirectory, string logPath)
    {
        var process = ChildProcess.Start(name, BuiltPrograms.DotnetHost, [BuiltPrograms.Dll("LocalIotCore"), .. arguments], workingDirectory, logPath);
        await process.WaitForLineAsync(line => line.Contains(ReadyLine, StringComparison.Ordinal), StartPatience, "its ready banner").ConfigureAwait(false);
        return process;
    }
}

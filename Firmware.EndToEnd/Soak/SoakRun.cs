namespace Firmware.EndToEnd.Soak;

public static class SoakRun
{
    public static Task<int> MainAsync(string[] args) => Task.FromResult(args.Length);
}

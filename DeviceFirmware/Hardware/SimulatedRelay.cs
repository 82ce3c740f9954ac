using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Hardware;

/// <summary>A relay without hardware: logs every switch and counts actuations (tests and the soak run read them).</summary>
public sealed class SimulatedRelay : IRelay
{
    private readonly ILogger _log;
    private int _actuations;

    public SimulatedRelay(ILogger<SimulatedRelay> log) => _log = log ?? throw new ArgumentNullException(nameof(log));

    public bool IsOn { get; private set; }

    /// <summary>Times the output actually changed level.</summary>
    public int Actuations => Volatile.Read(ref _actuations);

    public void Set(bool on)
    {
        if (on != IsOn)
        {
            Interlocked.Increment(ref _actuations);
        }

        IsOn = on;
        _log.LogInformation("Simulated relay {State}", on ? "ON" : "OFF");
    }
}

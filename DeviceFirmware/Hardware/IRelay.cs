namespace DeviceFirmware.Hardware;

/// <summary>
/// The motor relay's output pin. Implementations drive the pin to the safe (off) level when
/// they are created, before anything else happens. Policy (minimum switch interval,
/// power-on state, fail-safes) lives in the core, not here.
/// </summary>
public interface IRelay
{
    /// <summary>The level last written to the pin, as on/off.</summary>
    bool IsOn { get; }

    /// <summary>Drives the pin. May throw <see cref="IOException"/> if the GPIO is unavailable.</summary>
    void Set(bool on);
}

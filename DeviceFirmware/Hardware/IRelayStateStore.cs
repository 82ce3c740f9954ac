namespace DeviceFirmware.Hardware;

/// <summary>Remembers the last applied relay state across restarts (power-on state Last).</summary>
public interface IRelayStateStore
{
    /// <summary>The saved state, or null when there is none or it cannot be read (never throws).</summary>
    bool? Load();

    /// <summary>Saves the state durably (atomic replace).</summary>
    void Save(bool on);
}

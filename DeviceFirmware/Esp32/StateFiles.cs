using System;
using DeviceFirmware.Core.Agent;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The relay state for power-on state Last, in <see cref="DeviceFiles.RelayState"/> as "ON" or "OFF"
/// (the Pi's relay state file holds the same words). Written only when the applied state changes.
/// </summary>
internal static class RelayStateFile
{
    private const string On = "ON";
    private const string Off = "OFF";

    public static SavedRelayState Load(SerialLog log)
    {
        var bytes = DeviceFiles.Read(DeviceFiles.RelayState, false, out string? failure);
        if (bytes == null)
        {
            log.Info(SerialLog.HostCategory, "No relay state file (" + failure + "); the relay starts off.");
            return SavedRelayState.None;
        }

        string? text = AsciiText.Decode(bytes, 0, bytes.Length);
        string word = text == null ? "" : text.Trim();
        if (word == On)
        {
            return SavedRelayState.On;
        }

        if (word == Off)
        {
            return SavedRelayState.Off;
        }

        log.Warn(SerialLog.HostCategory, "The relay state file " + DeviceFiles.RelayState + " holds neither ON nor OFF; the relay starts off.");
        return SavedRelayState.None;
    }

    public static void Save(bool on, SerialLog log)
    {
        var bytes = AsciiText.Encode(on ? On : Off);
        if (!DeviceFiles.Write(DeviceFiles.RelayState, bytes, bytes.Length, out string? failure))
        {
            log.Error(SerialLog.HostCategory, "The relay state could not be saved (" + failure + "); power-on state Last may restore an older state.");
        }
    }
}

/// <summary>
/// Keeps telemetry sequence numbers increasing across reboots without writing the flash for every
/// message: the file holds a reserved high mark; at boot the agent continues above it and a new mark
/// <see cref="Block"/> higher is written; while running, the mark moves up a block whenever the
/// sequence reaches it — one flash write per <see cref="Block"/> messages (about 100 minutes at the
/// default interval). A reboot therefore skips up to a block of numbers: a visible gap, never a reuse.
/// </summary>
internal sealed class TelemetrySequenceFile
{
    public const long Block = 100;

    private readonly SerialLog _log;
    private long _reserved;

    public TelemetrySequenceFile(SerialLog log) => _log = log;

    /// <summary>Reads the mark and reserves the next block; returns the highest sequence that may have been used.</summary>
    public long Start()
    {
        long last = 0;
        var bytes = DeviceFiles.Read(DeviceFiles.TelemetrySequence, false, out string? failure);
        string? text = bytes == null ? null : AsciiText.Decode(bytes, 0, bytes.Length);
        if (text != null && long.TryParse(text.Trim(), out long mark) && mark >= 0)
        {
            last = mark;
        }
        else if (bytes != null)
        {
            _log.Warn(SerialLog.HostCategory, DeviceFiles.TelemetrySequence + " does not hold a number; telemetry seq starts again at 1.");
        }
        else
        {
            _log.Info(SerialLog.HostCategory, "No telemetry sequence file (" + failure + "); telemetry seq starts at 1.");
        }

        Reserve(last + Block);
        return last;
    }

    /// <summary>Moves the mark up when <paramref name="sequence"/> reaches it.</summary>
    public void Used(long sequence)
    {
        if (sequence >= _reserved)
        {
            Reserve(sequence + Block);
        }
    }

    private void Reserve(long mark)
    {
        var bytes = AsciiText.Encode(mark.ToString());
        if (DeviceFiles.Write(DeviceFiles.TelemetrySequence, bytes, bytes.Length, out string? failure))
        {
            _reserved = mark;
            return;
        }

        // Without the mark a reboot could reuse numbers: say so; keep counting in RAM.
        _reserved = mark;
        _log.Error(SerialLog.HostCategory, "The telemetry sequence mark could not be saved (" + failure + "); after a reboot seq numbers may repeat.");
    }
}

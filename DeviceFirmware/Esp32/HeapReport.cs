using System;

namespace DeviceFirmware.Esp32;

/// <summary>
/// Free managed heap in the log: at boot, after each connect, then every
/// <see cref="IntervalMilliseconds"/> (verbose only). nanoFramework reports the free bytes after a
/// collection (<c>nanoFramework.Runtime.Native.GC.Run</c>); a number that keeps falling across hours
/// is a leak, one that stays put is the expected steady state (docs/esp32.md, memory).
/// </summary>
internal sealed class HeapReport
{
    public const long IntervalMilliseconds = 10 * 60 * 1000;

    private readonly SerialLog _log;
    private long _nextAt;

    public HeapReport(SerialLog log) => _log = log;

    public void Report(string when)
    {
        uint free = nanoFramework.Runtime.Native.GC.Run(false);
        _log.Info(SerialLog.HostCategory, "Heap " + when + ": " + free.ToString() + " bytes free.");
    }

    public void MaybeReport(long nowMilliseconds)
    {
        if (!_log.Verbose || nowMilliseconds < _nextAt)
        {
            return;
        }

        _nextAt = nowMilliseconds + IntervalMilliseconds;
        uint free = nanoFramework.Runtime.Native.GC.Run(false);
        _log.Detail(SerialLog.HostCategory, "Heap: " + free.ToString() + " bytes free.");
    }
}

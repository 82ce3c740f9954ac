namespace DeviceFirmware.Core;

/// <summary>
/// The firmware's release, the one home of its version: both hosts report it as
/// <c>reported.firmwareVersion</c>, the ESP32 assembly carries it, and a test holds the Pi
/// project's <c>&lt;Version&gt;</c> to it.
/// </summary>
public static class FirmwareRelease
{
    public const string Version = "0.1.0";
}

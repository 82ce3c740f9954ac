using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Link;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The device's configuration, read once at boot from <see cref="DeviceFiles.Configuration"/> by
/// <see cref="Esp32SettingsFile"/>. Section and key names follow the Pi build's appsettings.json
/// (Device, Mqtt, Relay, Telemetry, Reconnect, Logging) plus the ESP32's own Wifi and Bme280 pins.
/// The defaults below are the ESP32's; the agent's defaults stay in <see cref="AgentSettings"/>.
/// </summary>
internal sealed class Esp32Settings
{
    /// <summary>
    /// GPIO 26: an ordinary output on every ESP32 module. Not a strapping pin — GPIO 0, 2, 5, 12 and
    /// 15 are sampled at reset to choose the boot mode, the flash voltage (12!) and the boot log, so a
    /// relay driver pulling one of them can stop the board from booting or switch the motor during
    /// reset; GPIO 6-11 belong to the SPI flash, GPIO 1 and 3 to UART0 (the USB port nanoFramework's
    /// debugger uses), GPIO 34-39 are inputs only, and GPIO 16-17 are the PSRAM lines on WROVER modules.
    /// </summary>
    public const int DefaultRelayPin = 26;

    /// <summary>The ESP32 DevKit wiring of I2C1 (SDA 21, SCL 22), assigned through Hardware.Esp32.</summary>
    public const int DefaultSdaPin = 21;
    public const int DefaultSclPin = 22;

    /// <summary>UART COM2's TX for the 115200-baud serial log; -1 turns it off.</summary>
    public const int DefaultSerialTxPin = 4;

    /// <summary>
    /// Telemetry kept in RAM while offline. Each entry is one telemetry document (about 250 bytes):
    /// 64 entries hold an hour at the default 60 s interval in about 16 KB of heap.
    /// </summary>
    public const int DefaultOutboxCapacity = 64;
    public const int MaximumOutboxCapacity = 256;

    public string ThingName { get; set; } = "";

    public string WifiSsid { get; set; } = "";

    public string WifiPassword { get; set; } = "";

    public string MqttEndpoint { get; set; } = "";

    public int MqttPort { get; set; } = AwsIotMqtt.TlsPort;

    public int KeepAliveSeconds { get; set; } = AwsIotMqtt.DefaultKeepAliveSeconds;

    public int AcknowledgeTimeoutSeconds { get; set; } = AwsIotMqtt.DefaultAcknowledgeTimeoutSeconds;

    public int RelayPin { get; set; } = DefaultRelayPin;

    public bool RelayActiveLow { get; set; }

    public PowerOnState PowerOnState { get; set; } = PowerOnState.Off;

    public int MinimumSwitchIntervalSeconds { get; set; } = AgentSettings.DefaultMinimumSwitchIntervalSeconds;

    public int TelemetryIntervalSeconds { get; set; } = AgentSettings.DefaultTelemetryIntervalSeconds;

    public int OutboxCapacity { get; set; } = DefaultOutboxCapacity;

    public int ReconnectMinimumSeconds { get; set; } = AgentSettings.DefaultBackoffMinimumSeconds;

    public int ReconnectMaximumSeconds { get; set; } = AgentSettings.DefaultBackoffMaximumSeconds;

    public int ReconnectStableSeconds { get; set; } = AgentSettings.DefaultStableConnectionSeconds;

    public int I2cBusId { get; set; } = DeviceFirmware.Core.Bme280.Bme280Settings.DefaultBusId;

    public int SdaPin { get; set; } = DefaultSdaPin;

    public int SclPin { get; set; } = DefaultSclPin;

    public int Bme280Address { get; set; } = DeviceFirmware.Core.Bme280.Bme280Settings.PrimaryAddress;

    public string SntpServer { get; set; } = "";

    public bool Verbose { get; set; }

    public int SerialTxPin { get; set; } = DefaultSerialTxPin;

    /// <summary>The agent's settings from these values (validated by <see cref="Esp32SettingsFile"/>).</summary>
    public AgentSettings ToAgentSettings(string firmwareVersion) =>
        new AgentSettings(ThingName)
        {
            FirmwareVersion = firmwareVersion,
            Hardware = "esp32",
            TelemetryInterval = Seconds(TelemetryIntervalSeconds),
            BackoffMinimum = Seconds(ReconnectMinimumSeconds),
            BackoffMaximum = Seconds(ReconnectMaximumSeconds),
            StableConnection = Seconds(ReconnectStableSeconds),
            PowerOnState = PowerOnState,
            MinimumSwitchInterval = Seconds(MinimumSwitchIntervalSeconds),
            // No S3 downloader on the ESP32 (docs/esp32.md): desired.s3 is reported as
            // "not supported on this device" and nothing is fetched.
            CanFetchS3Objects = false,
        };

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond);
}

using System;
using System.Device.Gpio;
using System.Threading;
using DeviceFirmware.Core;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Shadow;

namespace DeviceFirmware.Esp32;

/// <summary>
/// The ESP32 application's entry point: the relay to its safe level first, then the serial log, the
/// sensor, the outbox, the link worker and the loop — wiring only; the core decides everything else.
/// </summary>
public static class Program
{
    /// <summary>Reported as reported.firmwareVersion, as the Pi build does.</summary>
    public const string FirmwareVersion = FirmwareRelease.Version;

    private const int ConfigurationRetryMilliseconds = 60000;

    public static void Main()
    {
        // 1. The relay before anything else: the configured pin (or the default one when the
        //    configuration cannot be read), driven to its off level.
        var settings = Esp32SettingsFile.Load(out string? settingsError);
        var gpio = new GpioController();
        var relay = settings == null
            ? new RelayPin(gpio, Esp32Settings.DefaultRelayPin, false)
            : new RelayPin(gpio, settings.RelayPin, settings.RelayActiveLow);

        var log = new SerialLog(settings == null ? Esp32Settings.DefaultSerialTxPin : settings.SerialTxPin, settings != null && settings.Verbose);
        log.Info(SerialLog.HostCategory, "DeviceFirmware " + FirmwareVersion + " on nanoFramework (ESP32) starting; relay on GPIO " +
            relay.PinNumber.ToString() + " held " + relay.OffLevelName + " (off).");
        var heap = new HeapReport(log);
        heap.Report("at boot");

        while (settings == null)
        {
            // Without a thing name, endpoint and Wi-Fi there is nothing to run; the relay stays off.
            log.Error(SerialLog.HostCategory, (settingsError ?? "The configuration cannot be read") +
                " Copy a corrected file with nanoff --filedeployment (docs/esp32.md); trying again in 60 s.");
            Thread.Sleep(ConfigurationRetryMilliseconds);
            settings = Esp32SettingsFile.Load(out settingsError);
        }

        if (relay.PinNumber != settings.RelayPin || relay.ActiveLow != settings.RelayActiveLow)
        {
            // The configuration arrived after boot and names another relay pin: hold that one off instead.
            relay.Dispose();
            relay = new RelayPin(gpio, settings.RelayPin, settings.RelayActiveLow);
        }

        log.Info(SerialLog.HostCategory, "Thing " + settings.ThingName + ", endpoint " + settings.MqttEndpoint + ":" + settings.MqttPort.ToString() +
            ", Wi-Fi '" + settings.WifiSsid + "', power-on state " + AgentSettings.Name(settings.PowerOnState) + ".");

        // 2. What the agent starts from: the saved relay state and the telemetry sequence mark.
        var saved = RelayStateFile.Load(log);
        var sequences = new TelemetrySequenceFile(log);
        long lastSequence = sequences.Start();

        var agentSettings = settings.ToAgentSettings(FirmwareVersion);
        var random = new Random();
        var agent = new DeviceAgent(agentSettings, new RandomSource(random.NextDouble));
        var topics = agent.Topics;

        // 3. The Last Will: the core's topic and payload, the same bytes as the Pi's.
        var willPayload = ShadowTopics.WillPayload();
        string? willMessage = AsciiText.Decode(willPayload, 0, willPayload.Length);
        if (willMessage == null)
        {
            throw new InvalidOperationException("The core's Last Will payload is not ASCII; M2Mqtt takes the will as a string.");
        }

        var sensor = new Bme280Sensor(settings, log);
        var outbox = new TelemetryRing(settings.OutboxCapacity);
        var inbox = new EventInbox();
        var link = new LinkWorker(settings, topics.Will, willMessage, inbox, outbox, new NetworkBringUp(settings, log), log);
        link.Start();

        // 4. The loop; it never returns.
        new Esp32Host(agent, inbox, link, relay, sensor, outbox, sequences, heap, log)
            .Run(new AgentStarted(saved, lastSequence, sensor.Model));
    }
}

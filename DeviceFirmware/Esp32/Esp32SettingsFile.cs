using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Link;

namespace DeviceFirmware.Esp32;

/// <summary>
/// Reads <see cref="DeviceFiles.Configuration"/> with the core's JSON reader (bounded, refuses
/// duplicate keys, reports the byte offset of a syntax error) rather than nanoFramework.Json, whose
/// reflection-based deserializer has neither limits nor positions and would add an assembly the
/// shadow path does not need. Every problem is collected, so one boot shows them all.
/// </summary>
internal static class Esp32SettingsFile
{
    private const int MaximumDepth = 4;

    // The keys each section may hold: any other is refused by name, so that a misspelt key cannot
    // leave a setting at its default unnoticed.
    private static readonly string[] Sections = { "Device", "Wifi", "Mqtt", "Relay", "Telemetry", "Reconnect", "Bme280", "Sntp", "Logging" };
    private static readonly string[] DeviceKeys = { "ThingName" };
    private static readonly string[] WifiKeys = { "Ssid", "Password" };
    private static readonly string[] MqttKeys = { "Endpoint", "Port", "KeepAliveSeconds", "ConnectTimeoutSeconds" };
    private static readonly string[] RelayKeys = { "Pin", "ActiveLow", "PowerOnState", "MinimumSwitchIntervalSeconds" };
    private static readonly string[] TelemetryKeys = { "IntervalSeconds", "OutboxCapacity" };
    private static readonly string[] ReconnectKeys = { "MinimumSeconds", "MaximumSeconds", "StableSeconds" };
    private static readonly string[] Bme280Keys = { "BusId", "SdaPin", "SclPin", "Address" };
    private static readonly string[] SntpKeys = { "Server" };
    private static readonly string[] LoggingKeys = { "Verbose", "SerialTxPin" };

    /// <summary>The settings, or null with <paramref name="error"/> listing what is wrong.</summary>
    public static Esp32Settings? Load(out string? error)
    {
        var bytes = DeviceFiles.Read(DeviceFiles.Configuration, false, out string? failure);
        if (bytes == null)
        {
            error = failure;
            return null;
        }

        return Parse(bytes, out error);
    }

    public static Esp32Settings? Parse(byte[] utf8, out string? error)
    {
        var root = JsonReader.Parse(utf8, 0, utf8.Length, new JsonLimits(DeviceFiles.MaximumFileBytes, MaximumDepth), out JsonParseError? parseError);
        if (root == null || root.Kind != JsonKind.Object)
        {
            error = DeviceFiles.Configuration + (parseError == null ? " is not a JSON object" : " is not valid JSON: " + parseError.Message);
            return null;
        }

        var p = new Problems();
        RefuseUnknown(root, "", Sections, p);
        var s = new Esp32Settings();
        var device = Section(root, "Device", DeviceKeys, p);
        s.ThingName = Text(device, "Device", "ThingName", "", true, p);

        var wifi = Section(root, "Wifi", WifiKeys, p);
        s.WifiSsid = Text(wifi, "Wifi", "Ssid", "", true, p);
        s.WifiPassword = Text(wifi, "Wifi", "Password", "", false, p);

        var mqtt = Section(root, "Mqtt", MqttKeys, p);
        s.MqttEndpoint = Text(mqtt, "Mqtt", "Endpoint", "", true, p);
        s.MqttPort = Integer(mqtt, "Mqtt", "Port", s.MqttPort, 1, 65535, p);
        s.KeepAliveSeconds = Integer(mqtt, "Mqtt", "KeepAliveSeconds", s.KeepAliveSeconds, AwsIotMqtt.MinimumKeepAliveSeconds, AwsIotMqtt.MaximumKeepAliveSeconds, p);
        s.AcknowledgeTimeoutSeconds = Integer(mqtt, "Mqtt", "ConnectTimeoutSeconds", s.AcknowledgeTimeoutSeconds, 1, AwsIotMqtt.MaximumAcknowledgeTimeoutSeconds, p);

        var relay = Section(root, "Relay", RelayKeys, p);
        s.RelayPin = Pin(relay, "Relay", "Pin", s.RelayPin, false, false, p);
        if (IsStrappingPin(s.RelayPin))
        {
            p.Add("Relay:Pin = " + s.RelayPin.ToString() + " is an ESP32 strapping pin (0, 2, 5, 12, 15 set the boot mode and flash voltage at reset): a relay driver there can stop the board from booting or pulse the motor, so use another GPIO, e.g. " + Esp32Settings.DefaultRelayPin.ToString());
            s.RelayPin = Esp32Settings.DefaultRelayPin;
        }

        s.RelayActiveLow = Flag(relay, "Relay", "ActiveLow", s.RelayActiveLow, p);
        s.PowerOnState = PowerOn(Text(relay, "Relay", "PowerOnState", AgentSettings.Name(s.PowerOnState), false, p), p);
        s.MinimumSwitchIntervalSeconds = Integer(relay, "Relay", "MinimumSwitchIntervalSeconds", s.MinimumSwitchIntervalSeconds, 0, 3600, p);

        var telemetry = Section(root, "Telemetry", TelemetryKeys, p);
        s.TelemetryIntervalSeconds = Integer(telemetry, "Telemetry", "IntervalSeconds", s.TelemetryIntervalSeconds,
            AgentSettings.MinimumTelemetryIntervalSeconds, AgentSettings.MaximumTelemetryIntervalSeconds, p);
        s.OutboxCapacity = Integer(telemetry, "Telemetry", "OutboxCapacity", s.OutboxCapacity, 1, Esp32Settings.MaximumOutboxCapacity, p);

        var reconnect = Section(root, "Reconnect", ReconnectKeys, p);
        s.ReconnectMinimumSeconds = Integer(reconnect, "Reconnect", "MinimumSeconds", s.ReconnectMinimumSeconds, 1, 3600, p);
        s.ReconnectMaximumSeconds = Integer(reconnect, "Reconnect", "MaximumSeconds", s.ReconnectMaximumSeconds, s.ReconnectMinimumSeconds, 86400, p);
        s.ReconnectStableSeconds = Integer(reconnect, "Reconnect", "StableSeconds", s.ReconnectStableSeconds, 1, 86400, p);

        var bme = Section(root, "Bme280", Bme280Keys, p);
        s.I2cBusId = Integer(bme, "Bme280", "BusId", s.I2cBusId, 1, 2, p);
        s.SdaPin = Pin(bme, "Bme280", "SdaPin", s.SdaPin, false, true, p);
        s.SclPin = Pin(bme, "Bme280", "SclPin", s.SclPin, false, true, p);
        s.Bme280Address = Integer(bme, "Bme280", "Address", s.Bme280Address, 0x76, 0x77, p);

        var sntp = Section(root, "Sntp", SntpKeys, p);
        s.SntpServer = Text(sntp, "Sntp", "Server", "", false, p);

        var logging = Section(root, "Logging", LoggingKeys, p);
        s.Verbose = Flag(logging, "Logging", "Verbose", s.Verbose, p);
        s.SerialTxPin = Pin(logging, "Logging", "SerialTxPin", s.SerialTxPin, true, true, p);

        if (s.RelayPin == s.SdaPin || s.RelayPin == s.SclPin || (s.SerialTxPin >= 0 && (s.SerialTxPin == s.RelayPin || s.SerialTxPin == s.SdaPin || s.SerialTxPin == s.SclPin)))
        {
            p.Add("Relay:Pin, Bme280:SdaPin, Bme280:SclPin and Logging:SerialTxPin must be different GPIOs");
        }

        error = p.Text;
        return error == null ? s : null;
    }

    /// <summary>The section, or null when it is absent or null (every key then takes its default).</summary>
    private static JsonValue? Section(JsonValue root, string name, string[] keys, Problems p)
    {
        var section = root.Find(name);
        if (section == null || section.IsNull)
        {
            return null;
        }

        if (section.Kind != JsonKind.Object)
        {
            p.Add(name + " must be an object");
            return null;
        }

        RefuseUnknown(section, name + ":", keys, p);
        return section;
    }

    private static void RefuseUnknown(JsonValue obj, string prefix, string[] known, Problems p)
    {
        for (int i = 0; i < obj.Count; i++)
        {
            string name = obj.NameAt(i);
            if (Array.IndexOf(known, name) < 0)
            {
                p.Add("unknown key " + prefix + name + " (known here: " + List(known) + ")");
            }
        }
    }

    private static string Text(JsonValue? section, string sectionName, string key, string fallback, bool required, Problems p)
    {
        var value = section == null ? null : section.Find(key);
        if (value == null || value.IsNull)
        {
            if (required)
            {
                p.Add(sectionName + ":" + key + " is required");
            }

            return fallback;
        }

        if (value.Kind != JsonKind.String)
        {
            p.Add(sectionName + ":" + key + " must be a string");
            return fallback;
        }

        string text = value.StringValue;
        if (required && text.Trim().Length == 0)
        {
            p.Add(sectionName + ":" + key + " must not be empty");
        }

        return text;
    }

    private static int Integer(JsonValue? section, string sectionName, string key, int fallback, int minimum, int maximum, Problems p)
    {
        var value = section == null ? null : section.Find(key);
        if (value == null || value.IsNull)
        {
            return fallback;
        }

        if (value.Kind != JsonKind.Integer || value.IntegerValue < minimum || value.IntegerValue > maximum)
        {
            p.Add(sectionName + ":" + key + " must be a whole number from " + minimum.ToString() + " to " + maximum.ToString());
            return fallback;
        }

        return (int)value.IntegerValue;
    }

    /// <summary>A GPIO the ESP32 can drive (-1: none, where the key allows it): not the flash pins
    /// 6-11, not an input-only pin 34-39.</summary>
    private static int Pin(JsonValue? section, string sectionName, string key, int fallback, bool optional, bool heldHighAtReset, Problems p)
    {
        int pin = Integer(section, sectionName, key, fallback, optional ? -1 : 0, 39, p);
        if (pin == -1)
        {
            return pin;
        }

        if ((pin >= 6 && pin <= 11) || pin >= 34)
        {
            p.Add(sectionName + ":" + key + " = " + pin.ToString() + " cannot be used: GPIO 6-11 are the SPI flash, GPIO 34-39 are inputs only");
            return fallback;
        }

        // The I2C lines (pulled up) and a UART TX (idles high) hold their pin high through reset:
        // GPIO 12 high at reset selects 1.8 V flash and the board does not boot. (The other strapping
        // pins boot normally when high; the relay's own pin is checked more strictly by the caller.)
        if (pin == 12 && heldHighAtReset)
        {
            p.Add(sectionName + ":" + key + " = 12 cannot be used: GPIO 12 held high at reset selects 1.8 V flash and the board does not boot");
            return fallback;
        }

        return pin;
    }

    // nanoFramework's string has no Join.
    private static string List(string[] names)
    {
        string text = names[0];
        for (int i = 1; i < names.Length; i++)
        {
            text += ", " + names[i];
        }

        return text;
    }

    private static bool IsStrappingPin(int pin) => pin == 0 || pin == 2 || pin == 5 || pin == 12 || pin == 15;

    private static bool Flag(JsonValue? section, string sectionName, string key, bool fallback, Problems p)
    {
        var value = section == null ? null : section.Find(key);
        if (value == null || value.IsNull)
        {
            return fallback;
        }

        if (value.Kind != JsonKind.True && value.Kind != JsonKind.False)
        {
            p.Add(sectionName + ":" + key + " must be true or false");
            return fallback;
        }

        return value.Kind == JsonKind.True;
    }

    private static PowerOnState PowerOn(string text, Problems p)
    {
        if (text == AgentSettings.Name(PowerOnState.Last))
        {
            return PowerOnState.Last;
        }

        if (text == AgentSettings.Name(PowerOnState.Desired))
        {
            return PowerOnState.Desired;
        }

        if (text != AgentSettings.Name(PowerOnState.Off))
        {
            p.Add("Relay:PowerOnState must be Off, Last or Desired");
        }

        return PowerOnState.Off;
    }

    /// <summary>The problems found so far, joined for one log line.</summary>
    private sealed class Problems
    {
        private string? _text;

        public string? Text => _text == null ? null : DeviceFiles.Configuration + ": " + _text + ".";

        public void Add(string problem) => _text = _text == null ? problem : _text + "; " + problem;
    }
}

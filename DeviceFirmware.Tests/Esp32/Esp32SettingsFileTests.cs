using System.Text;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Esp32;

namespace DeviceFirmware.Tests.Esp32;

/// <summary>
/// DeviceFirmware/Esp32/Esp32SettingsFile.cs: the ESP32 reads I:\device.json once at boot, and a
/// wrong value must stop it with a message naming the key (never boot with a relay on a pin that
/// can stop the board or pulse the motor). Parse takes the file's bytes, so no file system is used.
/// </summary>
[TestClass]
public sealed class Esp32SettingsFileTests
{
    private const string Required =
        "\"Device\": { \"ThingName\": \"pump-1\" }, \"Wifi\": { \"Ssid\": \"home\" }, \"Mqtt\": { \"Endpoint\": \"abc-ats.iot.eu-west-1.amazonaws.com\" }";

    [TestMethod]
    public void The_shipped_example_file_is_accepted_as_written()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Esp32", "device.example.json"));
        var settings = Esp32SettingsFile.Parse(bytes, out var error);

        Assert.IsNull(error);
        Assert.IsNotNull(settings);
        Assert.AreEqual("pump-1", settings.ThingName);
        Assert.AreEqual("your-2.4GHz-network", settings.WifiSsid);
        Assert.AreEqual("your-password", settings.WifiPassword);
        Assert.AreEqual("192.168.1.20", settings.MqttEndpoint);
        Assert.AreEqual(8883, settings.MqttPort);
        Assert.AreEqual(26, settings.RelayPin);
        Assert.AreEqual(118, settings.Bme280Address);
        Assert.AreEqual("pool.ntp.org", settings.SntpServer);
        Assert.AreEqual(4, settings.SerialTxPin);
    }

    [TestMethod]
    public void Every_key_of_a_full_file_is_read()
    {
        var settings = Accepted(
            "{ \"Device\": { \"ThingName\": \"pump-7\" }," +
            " \"Wifi\": { \"Ssid\": \"barn\", \"Password\": \"p@ss\" }," +
            " \"Mqtt\": { \"Endpoint\": \"abc-ats.iot.eu-west-1.amazonaws.com\", \"Port\": 443, \"KeepAliveSeconds\": 1200, \"ConnectTimeoutSeconds\": 300 }," +
            " \"Relay\": { \"Pin\": 27, \"ActiveLow\": true, \"PowerOnState\": \"Last\", \"MinimumSwitchIntervalSeconds\": 0 }," +
            " \"Telemetry\": { \"IntervalSeconds\": 15, \"OutboxCapacity\": 256 }," +
            " \"Reconnect\": { \"MinimumSeconds\": 5, \"MaximumSeconds\": 600, \"StableSeconds\": 90 }," +
            " \"Bme280\": { \"BusId\": 2, \"SdaPin\": 18, \"SclPin\": 19, \"Address\": 119 }," +
            " \"Sntp\": { \"Server\": \"time.example.org\" }," +
            " \"Logging\": { \"Verbose\": true, \"SerialTxPin\": 23 } }");

        Assert.AreEqual("pump-7", settings.ThingName);
        Assert.AreEqual("barn", settings.WifiSsid);
        Assert.AreEqual("p@ss", settings.WifiPassword);
        Assert.AreEqual("abc-ats.iot.eu-west-1.amazonaws.com", settings.MqttEndpoint);
        Assert.AreEqual(443, settings.MqttPort);
        Assert.AreEqual(1200, settings.KeepAliveSeconds);
        Assert.AreEqual(300, settings.AcknowledgeTimeoutSeconds);
        Assert.AreEqual(27, settings.RelayPin);
        Assert.IsTrue(settings.RelayActiveLow);
        Assert.AreEqual(PowerOnState.Last, settings.PowerOnState);
        Assert.AreEqual(0, settings.MinimumSwitchIntervalSeconds);
        Assert.AreEqual(15, settings.TelemetryIntervalSeconds);
        Assert.AreEqual(256, settings.OutboxCapacity);
        Assert.AreEqual(5, settings.ReconnectMinimumSeconds);
        Assert.AreEqual(600, settings.ReconnectMaximumSeconds);
        Assert.AreEqual(90, settings.ReconnectStableSeconds);
        Assert.AreEqual(2, settings.I2cBusId);
        Assert.AreEqual(18, settings.SdaPin);
        Assert.AreEqual(19, settings.SclPin);
        Assert.AreEqual(0x77, settings.Bme280Address);
        Assert.AreEqual("time.example.org", settings.SntpServer);
        Assert.IsTrue(settings.Verbose);
        Assert.AreEqual(23, settings.SerialTxPin);

        var agent = settings.ToAgentSettings("1.2.3");
        Assert.AreEqual("pump-7", agent.ThingName);
        Assert.AreEqual("1.2.3", agent.FirmwareVersion);
        Assert.AreEqual("esp32", agent.Hardware);
        Assert.AreEqual(TimeSpan.FromSeconds(15), agent.TelemetryInterval);
        Assert.AreEqual(TimeSpan.FromSeconds(5), agent.BackoffMinimum);
        Assert.AreEqual(TimeSpan.FromSeconds(600), agent.BackoffMaximum);
        Assert.AreEqual(TimeSpan.FromSeconds(90), agent.StableConnection);
        Assert.AreEqual(PowerOnState.Last, agent.PowerOnState);
        Assert.AreEqual(TimeSpan.Zero, agent.MinimumSwitchInterval);
    }

    [TestMethod]
    public void A_file_with_only_the_required_keys_gets_the_documented_defaults()
    {
        var settings = Accepted("{ " + Required + " }");

        Assert.AreEqual("", settings.WifiPassword, "an open network");
        Assert.AreEqual(8883, settings.MqttPort);
        Assert.AreEqual(30, settings.KeepAliveSeconds);
        Assert.AreEqual(10, settings.AcknowledgeTimeoutSeconds);
        Assert.AreEqual(26, settings.RelayPin);
        Assert.IsFalse(settings.RelayActiveLow);
        Assert.AreEqual(PowerOnState.Off, settings.PowerOnState);
        Assert.AreEqual(AgentSettings.DefaultMinimumSwitchIntervalSeconds, settings.MinimumSwitchIntervalSeconds);
        Assert.AreEqual(60, settings.TelemetryIntervalSeconds);
        Assert.AreEqual(64, settings.OutboxCapacity);
        Assert.AreEqual(1, settings.ReconnectMinimumSeconds);
        Assert.AreEqual(120, settings.ReconnectMaximumSeconds);
        Assert.AreEqual(30, settings.ReconnectStableSeconds);
        Assert.AreEqual(1, settings.I2cBusId);
        Assert.AreEqual(21, settings.SdaPin);
        Assert.AreEqual(22, settings.SclPin);
        Assert.AreEqual(0x76, settings.Bme280Address);
        Assert.AreEqual("", settings.SntpServer);
        Assert.IsFalse(settings.Verbose);
        Assert.AreEqual(4, settings.SerialTxPin);
    }

    [TestMethod]
    public void A_null_value_means_the_default()
    {
        var settings = Accepted("{ " + Required + ", \"Relay\": { \"Pin\": null, \"PowerOnState\": null }, \"Logging\": { \"SerialTxPin\": null } }");
        Assert.AreEqual(26, settings.RelayPin);
        Assert.AreEqual(PowerOnState.Off, settings.PowerOnState);
        Assert.AreEqual(4, settings.SerialTxPin);
    }

    [TestMethod]
    public void A_null_section_means_every_key_of_it_takes_its_default()
    {
        var settings = Accepted("{ " + Required + ", \"Relay\": null, \"Logging\": null }");
        Assert.AreEqual(26, settings.RelayPin);
        Assert.AreEqual(4, settings.SerialTxPin);
    }

    [TestMethod]
    [DataRow("\"Mqtt\": { \"Endpoint\": \"h\", \"KeepAliveSecond\": 60 }", "unknown key Mqtt:KeepAliveSecond (known here: Endpoint, Port, KeepAliveSeconds, ConnectTimeoutSeconds)")]
    [DataRow("\"Mqtt\": { \"Endpoint\": \"h\", \"endpoint\": \"h\" }", "unknown key Mqtt:endpoint")]
    [DataRow("\"Mqtt\": { \"Endpoint\": \"h\" }, \"Relays\": { \"Pin\": 27 }", "unknown key Relays (known here: Device, Wifi, Mqtt, Relay, Telemetry, Reconnect, Bme280, Sntp, Logging)")]
    public void A_misspelt_key_or_section_is_refused_by_name(string rest, string expected)
    {
        var error = Refused("{ \"Device\": { \"ThingName\": \"p\" }, \"Wifi\": { \"Ssid\": \"home\" }, " + rest + " }");
        StringAssert.Contains(error, expected);
        Assert.AreEqual(1, error.Split("; ").Length, "only the one problem is reported: " + error);
    }

    [TestMethod]
    [DataRow("Bme280", "SdaPin")]
    [DataRow("Bme280", "SclPin")]
    [DataRow("Logging", "SerialTxPin")]
    public void A_line_held_high_is_refused_on_gpio_12(string section, string key)
    {
        var error = Refused("{ " + Required + ", \"" + section + "\": { \"" + key + "\": 12 } }");
        StringAssert.Contains(error, section + ":" + key + " = 12 cannot be used: GPIO 12 held high at reset selects 1.8 V flash");
    }

    [TestMethod]
    [DataRow("Off", PowerOnState.Off)]
    [DataRow("Last", PowerOnState.Last)]
    [DataRow("Desired", PowerOnState.Desired)]
    public void Each_power_on_state_is_read(string text, PowerOnState expected)
    {
        var settings = Accepted("{ " + Required + ", \"Relay\": { \"PowerOnState\": \"" + text + "\" } }");
        Assert.AreEqual(expected, settings.PowerOnState);
    }

    [TestMethod]
    public void Serial_tx_pin_minus_one_turns_the_serial_log_off()
    {
        var settings = Accepted("{ " + Required + ", \"Logging\": { \"SerialTxPin\": -1 } }");
        Assert.AreEqual(-1, settings.SerialTxPin);
    }

    [TestMethod]
    [DataRow("", "I:\\device.json is not valid JSON")]
    [DataRow("{ \"Device\": ", "I:\\device.json is not valid JSON")]
    [DataRow("{ \"Device\": { \"ThingName\": \"a\" }, \"Device\": { \"ThingName\": \"b\" } }", "I:\\device.json is not valid JSON")]
    [DataRow("[1, 2]", "I:\\device.json is not a JSON object")]
    [DataRow("\"pump-1\"", "I:\\device.json is not a JSON object")]
    public void A_file_that_is_not_a_json_object_is_refused(string text, string expected)
    {
        var error = Refused(text);
        Assert.StartsWith(expected, error);
    }

    [TestMethod]
    public void A_file_nested_deeper_than_the_settings_is_refused()
    {
        var error = Refused("{ " + Required + ", \"Sntp\": { \"Server\": { \"a\": { \"b\": { \"c\": 1 } } } } }");
        StringAssert.Contains(error, "is not valid JSON");
    }

    [TestMethod]
    [DataRow("{ \"Wifi\": { \"Ssid\": \"home\" }, \"Mqtt\": { \"Endpoint\": \"h\" } }", "Device:ThingName is required")]
    [DataRow("{ \"Device\": { \"ThingName\": \"  \" }, \"Wifi\": { \"Ssid\": \"home\" }, \"Mqtt\": { \"Endpoint\": \"h\" } }", "Device:ThingName must not be empty")]
    [DataRow("{ \"Device\": { \"ThingName\": 7 }, \"Wifi\": { \"Ssid\": \"home\" }, \"Mqtt\": { \"Endpoint\": \"h\" } }", "Device:ThingName must be a string")]
    [DataRow("{ \"Device\": { \"ThingName\": \"p\" }, \"Wifi\": { }, \"Mqtt\": { \"Endpoint\": \"h\" } }", "Wifi:Ssid is required")]
    [DataRow("{ \"Device\": { \"ThingName\": \"p\" }, \"Wifi\": { \"Ssid\": \"\" }, \"Mqtt\": { \"Endpoint\": \"h\" } }", "Wifi:Ssid must not be empty")]
    [DataRow("{ \"Device\": { \"ThingName\": \"p\" }, \"Wifi\": { \"Ssid\": \"home\" } }", "Mqtt:Endpoint is required")]
    [DataRow("{ \"Device\": { \"ThingName\": \"p\" }, \"Wifi\": { \"Ssid\": \"home\" }, \"Mqtt\": \"h\" }", "Mqtt must be an object")]
    [DataRow("{ \"Device\": [\"p\"], \"Wifi\": { \"Ssid\": \"home\" }, \"Mqtt\": { \"Endpoint\": \"h\" } }", "Device must be an object")]
    public void A_missing_or_malformed_required_key_is_refused_by_name(string text, string expected)
    {
        StringAssert.Contains(Refused(text), expected);
    }

    [TestMethod]
    [DataRow("Wifi", "\"Password\": 1234", "Wifi:Password must be a string")]
    [DataRow("Mqtt", "\"Endpoint\": \"h\", \"Port\": 0", "Mqtt:Port must be a whole number from 1 to 65535")]
    [DataRow("Mqtt", "\"Endpoint\": \"h\", \"Port\": 65536", "Mqtt:Port must be a whole number from 1 to 65535")]
    [DataRow("Mqtt", "\"Endpoint\": \"h\", \"Port\": \"8883\"", "Mqtt:Port must be a whole number from 1 to 65535")]
    [DataRow("Mqtt", "\"Endpoint\": \"h\", \"Port\": 8883.5", "Mqtt:Port must be a whole number from 1 to 65535")]
    [DataRow("Mqtt", "\"Endpoint\": \"h\", \"KeepAliveSeconds\": 29", "Mqtt:KeepAliveSeconds must be a whole number from 30 to 1200")]
    [DataRow("Mqtt", "\"Endpoint\": \"h\", \"KeepAliveSeconds\": 1201", "Mqtt:KeepAliveSeconds must be a whole number from 30 to 1200")]
    [DataRow("Mqtt", "\"Endpoint\": \"h\", \"ConnectTimeoutSeconds\": 0", "Mqtt:ConnectTimeoutSeconds must be a whole number from 1 to 300")]
    [DataRow("Mqtt", "\"Endpoint\": \"h\", \"ConnectTimeoutSeconds\": 301", "Mqtt:ConnectTimeoutSeconds must be a whole number from 1 to 300")]
    [DataRow("Relay", "\"Pin\": -1", "Relay:Pin must be a whole number from 0 to 39")]
    [DataRow("Relay", "\"Pin\": 40", "Relay:Pin must be a whole number from 0 to 39")]
    [DataRow("Relay", "\"ActiveLow\": \"yes\"", "Relay:ActiveLow must be true or false")]
    [DataRow("Relay", "\"ActiveLow\": 1", "Relay:ActiveLow must be true or false")]
    [DataRow("Relay", "\"PowerOnState\": \"on\"", "Relay:PowerOnState must be Off, Last or Desired")]
    [DataRow("Relay", "\"PowerOnState\": \"off\"", "Relay:PowerOnState must be Off, Last or Desired")]
    [DataRow("Relay", "\"PowerOnState\": 1", "Relay:PowerOnState must be a string")]
    [DataRow("Relay", "\"MinimumSwitchIntervalSeconds\": -1", "Relay:MinimumSwitchIntervalSeconds must be a whole number from 0 to 3600")]
    [DataRow("Relay", "\"MinimumSwitchIntervalSeconds\": 3601", "Relay:MinimumSwitchIntervalSeconds must be a whole number from 0 to 3600")]
    [DataRow("Telemetry", "\"IntervalSeconds\": 0", "Telemetry:IntervalSeconds must be a whole number from 1 to 86400")]
    [DataRow("Telemetry", "\"IntervalSeconds\": 86401", "Telemetry:IntervalSeconds must be a whole number from 1 to 86400")]
    [DataRow("Telemetry", "\"OutboxCapacity\": 0", "Telemetry:OutboxCapacity must be a whole number from 1 to 256")]
    [DataRow("Telemetry", "\"OutboxCapacity\": 257", "Telemetry:OutboxCapacity must be a whole number from 1 to 256")]
    [DataRow("Reconnect", "\"MinimumSeconds\": 0", "Reconnect:MinimumSeconds must be a whole number from 1 to 3600")]
    [DataRow("Reconnect", "\"MinimumSeconds\": 10, \"MaximumSeconds\": 5", "Reconnect:MaximumSeconds must be a whole number from 10 to 86400")]
    [DataRow("Reconnect", "\"MaximumSeconds\": 86401", "Reconnect:MaximumSeconds must be a whole number from 1 to 86400")]
    [DataRow("Reconnect", "\"StableSeconds\": 0", "Reconnect:StableSeconds must be a whole number from 1 to 86400")]
    [DataRow("Bme280", "\"BusId\": 0", "Bme280:BusId must be a whole number from 1 to 2")]
    [DataRow("Bme280", "\"BusId\": 3", "Bme280:BusId must be a whole number from 1 to 2")]
    [DataRow("Bme280", "\"Address\": 117", "Bme280:Address must be a whole number from 118 to 119")]
    [DataRow("Bme280", "\"Address\": 120", "Bme280:Address must be a whole number from 118 to 119")]
    [DataRow("Bme280", "\"SdaPin\": -1", "Bme280:SdaPin must be a whole number from 0 to 39")]
    [DataRow("Bme280", "\"SclPin\": 40", "Bme280:SclPin must be a whole number from 0 to 39")]
    [DataRow("Sntp", "\"Server\": true", "Sntp:Server must be a string")]
    [DataRow("Logging", "\"Verbose\": \"true\"", "Logging:Verbose must be true or false")]
    [DataRow("Logging", "\"SerialTxPin\": -2", "Logging:SerialTxPin must be a whole number from -1 to 39")]
    public void A_value_out_of_its_range_is_refused_by_name(string section, string members, string expected)
    {
        var text = section switch
        {
            "Wifi" => "{ \"Device\": { \"ThingName\": \"p\" }, \"Wifi\": { \"Ssid\": \"home\", " + members + " }, \"Mqtt\": { \"Endpoint\": \"h\" } }",
            "Mqtt" => "{ \"Device\": { \"ThingName\": \"p\" }, \"Wifi\": { \"Ssid\": \"home\" }, \"Mqtt\": { " + members + " } }",
            _ => "{ " + Required + ", \"" + section + "\": { " + members + " } }",
        };
        var error = Refused(text);
        StringAssert.Contains(error, expected);
        Assert.AreEqual(1, error.Split("; ").Length, "only the one problem is reported: " + error);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(2)]
    [DataRow(5)]
    [DataRow(12)]
    [DataRow(15)]
    public void A_relay_on_a_strapping_pin_is_refused(int pin)
    {
        var error = Refused("{ " + Required + ", \"Relay\": { \"Pin\": " + pin + " } }");
        StringAssert.Contains(error, "Relay:Pin = " + pin + " is an ESP32 strapping pin");
        StringAssert.Contains(error, "use another GPIO, e.g. 26");
        Assert.AreEqual(1, error.Split("; ").Length, "one problem, one separator-free message: " + error);
    }

    [TestMethod]
    [DataRow("Relay", "Pin", 6)]
    [DataRow("Relay", "Pin", 11)]
    [DataRow("Relay", "Pin", 34)]
    [DataRow("Relay", "Pin", 39)]
    [DataRow("Bme280", "SdaPin", 7)]
    [DataRow("Bme280", "SclPin", 35)]
    [DataRow("Logging", "SerialTxPin", 9)]
    [DataRow("Logging", "SerialTxPin", 36)]
    public void A_flash_or_input_only_pin_is_refused(string section, string key, int pin)
    {
        var error = Refused("{ " + Required + ", \"" + section + "\": { \"" + key + "\": " + pin + " } }");
        StringAssert.Contains(error, section + ":" + key + " = " + pin + " cannot be used: GPIO 6-11 are the SPI flash, GPIO 34-39 are inputs only");
    }

    [TestMethod]
    [DataRow("\"Relay\": { \"Pin\": 21 }")]
    [DataRow("\"Relay\": { \"Pin\": 22 }")]
    [DataRow("\"Logging\": { \"SerialTxPin\": 26 }")]
    [DataRow("\"Logging\": { \"SerialTxPin\": 21 }")]
    [DataRow("\"Bme280\": { \"SdaPin\": 4, \"SclPin\": 23 }")]
    public void Two_functions_on_one_gpio_are_refused(string section)
    {
        var error = Refused("{ " + Required + ", " + section + " }");
        StringAssert.Contains(error, "Relay:Pin, Bme280:SdaPin, Bme280:SclPin and Logging:SerialTxPin must be different GPIOs");
    }

    [TestMethod]
    public void Every_problem_is_reported_at_once_in_one_line()
    {
        var error = Refused(
            "{ \"Wifi\": { \"Ssid\": \"home\" }, \"Mqtt\": { \"Endpoint\": \"h\", \"Port\": 0 }," +
            " \"Relay\": { \"Pin\": 12, \"PowerOnState\": \"On\" }, \"Telemetry\": { \"OutboxCapacity\": 1000 } }");

        Assert.StartsWith("I:\\device.json: ", error);
        Assert.EndsWith(".", error);
        StringAssert.Contains(error, "Device:ThingName is required");
        StringAssert.Contains(error, "Mqtt:Port must be");
        StringAssert.Contains(error, "Relay:Pin = 12 is an ESP32 strapping pin");
        StringAssert.Contains(error, "Relay:PowerOnState must be");
        StringAssert.Contains(error, "Telemetry:OutboxCapacity must be");
        Assert.DoesNotContain("\n", error);
    }

    [TestMethod]
    public void The_ESP32_reports_desired_s3_as_not_supported_until_it_has_a_downloader()
    {
        var agent = new Esp32Settings { ThingName = "pump-1" }.ToAgentSettings("1.2.3");
        Assert.AreEqual("not supported on this device", DeviceFirmware.Tests.Core.Files.S3ObjectSyncTests.StatusForAValidDesiredS3(agent));
    }

    private static Esp32Settings Accepted(string text)
    {
        var settings = Esp32SettingsFile.Parse(Encoding.UTF8.GetBytes(text), out var error);
        Assert.IsNull(error, error);
        Assert.IsNotNull(settings);
        return settings;
    }

    /// <summary>Refused: no settings at all (the ESP32 does not boot half-configured), and the reason.</summary>
    private static string Refused(string text)
    {
        var settings = Esp32SettingsFile.Parse(Encoding.UTF8.GetBytes(text), out var error);
        Assert.IsNull(settings, "accepted: " + text);
        Assert.IsNotNull(error);
        Assert.StartsWith("I:\\device.json", error);
        return error;
    }
}

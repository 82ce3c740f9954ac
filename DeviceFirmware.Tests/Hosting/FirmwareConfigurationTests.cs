using DeviceFirmware.Core.Agent;
using DeviceFirmware.Hosting;
using LocalIotCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace DeviceFirmware.Tests.Hosting;

[TestClass]
public sealed class FirmwareConfigurationTests
{
    private static FirmwareConfiguration Bind(params (string Key, string? Value)[] settings)
    {
        // Later settings override earlier ones, as later configuration sources do.
        var pairs = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in settings)
        {
            pairs[key] = value;
        }

        return FirmwareConfiguration.Bind(new ConfigurationBuilder().AddInMemoryCollection(pairs).Build());
    }

    private static string Joined(FirmwareConfiguration configuration) => string.Join("\n", configuration.Validate());

    [TestMethod]
    public void A_missing_certificate_names_the_path_and_points_to_the_certs_readme()
    {
        var configuration = Bind(("Device:ThingName", "pump-1"), ("Mqtt:Endpoint", "example.com"), ("Mqtt:CertificatePath", "nowhere/device.pem.crt"));
        var errors = Joined(configuration);
        StringAssert.Contains(errors, Path.GetFullPath("nowhere/device.pem.crt"));
        StringAssert.Contains(errors, "certs/README.md");
        StringAssert.Contains(errors, "Mqtt:CertificatePath");
    }

    [TestMethod]
    public void Without_an_endpoint_the_firmware_runs_LocalIotCore_itself_as_pump_1()
    {
        // Nothing but appsettings.json's empty endpoint: `dotnet run --project DeviceFirmware`.
        var configuration = Bind(("Mqtt:Endpoint", ""));
        Assert.IsTrue(configuration.IsLocalMode);
        Assert.AreEqual(0, configuration.Validate().Count, "the certificates are minted at start, so none is looked for: " + Joined(configuration));
        Assert.AreEqual("pump-1", configuration.Device.ThingName);
        Assert.IsTrue(configuration.ThingNameIsLocalDefault, "the printout says the name was chosen for the user");
        Assert.AreEqual("pump-1", configuration.Mqtt.ClientId);
        Assert.AreEqual(8883, configuration.LocalIotCore.MqttPort);
        Assert.AreEqual(8080, configuration.LocalIotCore.HttpPort);
        Assert.AreEqual(8443, configuration.LocalIotCore.HttpsPort);
        Assert.IsFalse(configuration.S3.IsConfigured, "S3 is pointed at the embedded LocalIotCore once it runs, on the port it got");
    }

    [TestMethod]
    public void Local_mode_honours_a_given_thing_name()
    {
        var configuration = Bind(("Device:ThingName", "fan-7"));
        Assert.IsTrue(configuration.IsLocalMode);
        Assert.AreEqual("fan-7", configuration.Mqtt.ClientId);
        Assert.IsFalse(configuration.ThingNameIsLocalDefault);
    }

    [TestMethod]
    public void Local_mode_uses_the_stand_alone_LocalIotCore_defaults()
    {
        var standAlone = new LocalIotCoreOptions();
        var embedded = new EmbeddedLocalIotCoreOptions();
        Assert.AreEqual(standAlone.MqttPort, embedded.MqttPort);
        Assert.AreEqual(standAlone.HttpPort, embedded.HttpPort);
        // The library's HTTPS is off unless asked for; the stand-alone command line turns it on at this port.
        Assert.AreEqual(LocalIotCoreOptions.DefaultHttpsPort, embedded.HttpsPort);
        Assert.AreEqual(standAlone.NotifierGrace, TimeSpan.FromSeconds(embedded.GraceSeconds));
    }

    [TestMethod]
    [DataRow("LocalIotCore:MqttPort", "70000", "LocalIotCore:MqttPort is 70000; it must be from 1 to 65535, or 0 for a free port (default 8883)")]
    [DataRow("LocalIotCore:HttpPort", "-1", "LocalIotCore:HttpPort is -1; it must be from 1 to 65535, or 0 for a free port (default 8080)")]
    [DataRow("LocalIotCore:HttpPort", "8883", "LocalIotCore:MqttPort and LocalIotCore:HttpPort are both 8883")]
    [DataRow("LocalIotCore:HttpsPort", "65536", "LocalIotCore:HttpsPort is 65536; it must be from 1 to 65535, or 0 for a free port (default 8443)")]
    [DataRow("LocalIotCore:HttpsPort", "8080", "LocalIotCore:HttpPort and LocalIotCore:HttpsPort are both 8080")]
    [DataRow("LocalIotCore:HttpsPort", "8883", "LocalIotCore:MqttPort and LocalIotCore:HttpsPort are both 8883")]
    [DataRow("LocalIotCore:GraceSeconds", "-5", "LocalIotCore:GraceSeconds is -5")]
    [DataRow("Mqtt:UseTls", "false", "takes devices only over mutual TLS")]
    public void Each_bad_local_mode_setting_gets_a_message_that_names_it(string key, string value, string expected)
    {
        var configuration = Bind((key, value));
        Assert.IsTrue(configuration.IsLocalMode);
        StringAssert.Contains(Joined(configuration), expected);
    }

    [TestMethod]
    public void LocalIotCore_settings_are_not_checked_when_an_endpoint_is_given()
    {
        var configuration = Bind(("Device:ThingName", "pump-1"), ("Mqtt:Endpoint", "localhost"), ("Mqtt:UseTls", "false"), ("LocalIotCore:MqttPort", "70000"));
        Assert.IsFalse(configuration.IsLocalMode);
        Assert.AreEqual(0, configuration.Validate().Count, Joined(configuration));
    }

    [TestMethod]
    public void With_an_endpoint_a_missing_thing_name_is_explained()
    {
        var errors = Joined(Bind(("Mqtt:Endpoint", "localhost"), ("Mqtt:UseTls", "false")));
        StringAssert.Contains(errors, "Device:ThingName is not set");
    }

    [TestMethod]
    public void A_build_without_LocalIotCore_explains_missing_thing_name_and_endpoint()
    {
        // dotnet build -p:EmbedLocalIotCore=false (the Pi / NativeAOT build): no local mode.
        var configuration = FirmwareConfiguration.Bind(new ConfigurationBuilder().Build(), localIotCoreEmbedded: false);
        Assert.IsFalse(configuration.IsLocalMode);
        var errors = Joined(configuration);
        StringAssert.Contains(errors, "Device:ThingName is not set");
        StringAssert.Contains(errors, "Mqtt:Endpoint is not set");
        StringAssert.Contains(errors, "describe-endpoint");
        Assert.IsFalse(errors.Contains("certs/README.md", StringComparison.Ordinal), "no certificate files are asked for before there is an endpoint: " + errors);
    }

    [TestMethod]
    public void Keep_alive_outside_the_AWS_limits_says_the_allowed_range()
    {
        var errors = Joined(Bind(("Device:ThingName", "pump-1"), ("Mqtt:Endpoint", "localhost"), ("Mqtt:UseTls", "false"), ("Mqtt:KeepAliveSeconds", "10")));
        StringAssert.Contains(errors, "Mqtt:KeepAliveSeconds is 10; AWS IoT allows 30 to 1200");
    }

    [TestMethod]
    [DataRow("Device:ThingName", "pump 1", "not a valid AWS IoT thing name")]
    [DataRow("Telemetry:IntervalSeconds", "0", "Telemetry:IntervalSeconds is 0")]
    [DataRow("Relay:Pin", "99", "BCM GPIO number")]
    [DataRow("Relay:MinimumSwitchIntervalSeconds", "-1", "Relay:MinimumSwitchIntervalSeconds is -1")]
    [DataRow("Relay:OfflineFailSafeMinutes", "0", "Relay:OfflineFailSafeMinutes is 0")]
    [DataRow("Reconnect:MaximumSeconds", "0.5", "Reconnect:MaximumSeconds is 0.5")]
    [DataRow("Mqtt:WillTopic", "$aws/things/pump-1/shadow/update", "AWS ignores wills on reserved $ topics")]
    [DataRow("Telemetry:Topic", "things/+/telemetry", "no wildcards")]
    public void Each_bad_setting_gets_a_message_that_names_it(string key, string value, string expected)
    {
        var configuration = Bind(("Device:ThingName", "pump-1"), ("Mqtt:Endpoint", "localhost"), ("Mqtt:UseTls", "false"), (key, value));
        StringAssert.Contains(Joined(configuration), expected);
    }

    [TestMethod]
    public void A_valid_local_configuration_passes_and_maps_to_agent_settings()
    {
        var configuration = Bind(
            ("Device:ThingName", "pump-1"), ("Mqtt:Endpoint", "localhost"), ("Mqtt:UseTls", "false"),
            ("Relay:PowerOnState", "Last"), ("Relay:MaximumOnMinutes", "15"), ("Telemetry:IntervalSeconds", "5"));
        Assert.AreEqual(0, configuration.Validate().Count, Joined(configuration));
        Assert.AreEqual("pump-1", configuration.Mqtt.ClientId, "the client id defaults to the thing name");
        var settings = configuration.ToAgentSettings("1.0.0");
        Assert.AreEqual(PowerOnState.Last, settings.PowerOnState);
        Assert.AreEqual("Simulated", settings.Hardware);
        Assert.AreEqual(TimeSpan.FromMinutes(15), settings.MaximumOnTime);
        Assert.AreEqual(TimeSpan.Zero, settings.OfflineFailSafe, "empty = never");
        Assert.AreEqual(TimeSpan.FromSeconds(5), settings.TelemetryInterval);
        Assert.AreEqual(Path.Combine("data", "outbox.db"), configuration.OutboxPath);
    }

    [TestMethod]
    public void The_Pi_reports_desired_s3_as_not_supported_until_it_has_a_downloader()
    {
        var configuration = Bind(("Device:ThingName", "pump-1"), ("Mqtt:Endpoint", "localhost"), ("Mqtt:UseTls", "false"));
        var status = DeviceFirmware.Tests.Core.Files.S3ObjectSyncTests.StatusForAValidDesiredS3(configuration.ToAgentSettings("1.0.0"));
        Assert.AreEqual("not supported on this device", status);
    }

    [TestMethod]
    public async Task The_program_refuses_to_start_with_the_list_of_problems_and_exit_code_2()
    {
        using var console = new StringWriter();
        var exit = await FirmwareHost.RunAsync(["--Mqtt:KeepAliveSeconds=5"], console);
        Assert.AreEqual(FirmwareHost.ExitConfigurationError, exit);
        StringAssert.Contains(console.ToString(), "fix the configuration first");
        StringAssert.Contains(console.ToString(), "Mqtt:KeepAliveSeconds is 5");
    }

    [TestMethod]
    public async Task Local_mode_with_a_port_in_use_says_which_setting_to_change_and_exits_3()
    {
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;
        var data = Path.Combine(Path.GetTempPath(), "fw-busy-" + Guid.NewGuid().ToString("N"));
        using var console = new StringWriter();
        var exit = await FirmwareHost.RunAsync(["--LocalIotCore:MqttPort=" + port, "--LocalIotCore:HttpPort=0", "--LocalIotCore:HttpsPort=0", "--Device:DataDirectory=" + data], console);
        Assert.AreEqual(FirmwareHost.ExitLocalIotCoreFailed, exit, console.ToString());
        StringAssert.Contains(console.ToString(), "cannot start its LocalIotCore");
        StringAssert.Contains(console.ToString(), "MQTT port " + port);
        StringAssert.Contains(console.ToString(), "--LocalIotCore:MqttPort=");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}

using DeviceFirmware.Core;
using DeviceFirmware.Hosting;
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
    public void Missing_thing_name_and_endpoint_are_explained()
    {
        var errors = Joined(Bind(("Mqtt:UseTls", "false")));
        StringAssert.Contains(errors, "Device:ThingName is not set");
        StringAssert.Contains(errors, "Mqtt:Endpoint is not set");
        StringAssert.Contains(errors, "describe-endpoint");
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
        Assert.IsNull(settings.OfflineFailSafe);
        Assert.AreEqual(TimeSpan.FromSeconds(5), settings.TelemetryInterval);
        Assert.AreEqual(Path.Combine("data", "outbox.db"), configuration.OutboxPath);
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
}

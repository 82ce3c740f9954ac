using DeviceFirmware.Core;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Link;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Core.Sensors;
using DeviceFirmware.Hardware;
using System.Device.I2c;
using DeviceFirmware.Core.Bme280;
using DeviceFirmware.Hardware.Bme280;
using DeviceFirmware.Hardware.Simulation;
using DeviceFirmware.Mqtt;
using DeviceFirmware.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DeviceFirmware.Hosting;

/// <summary>Builds the firmware from its configuration and runs it under the Generic Host.</summary>
public static class FirmwareHost
{
    public const int ExitConfigurationError = 2;

    /// <summary>Local mode: the embedded LocalIotCore could not start (e.g. a port in use).</summary>
    public const int ExitLocalIotCoreFailed = 3;

    public static string FirmwareVersion => FirmwareRelease.Version;

    public static async Task<int> RunAsync(string[] args, TextWriter? console = null)
    {
        console ??= Console.Error;
        var verbose = false;
        var rest = new List<string>();
        foreach (var arg in args)
        {
            if (arg is "--verbose" or "-v")
            {
                verbose = true;
            }
            else if (arg is "--help" or "-h")
            {
                await console.WriteLineAsync(Usage).ConfigureAwait(false);
                return 0;
            }
            else
            {
                rest.Add(arg);
            }
        }

        // An empty builder with the sources and the one logger the firmware uses, in the order
        // Host.CreateApplicationBuilder adds them. Its defaults also add the Debug, EventSource and
        // EventLog loggers (which the firmware removed again), user secrets and metrics: code a
        // device never runs, yet the process loaded (JIT) or carried in its image (NativeAOT).
        // Firmware.Benchmarks process measures what that costs.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [.. rest],
            // appsettings.json ships next to the program; relative paths in it are relative to the working directory.
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration
            .AddEnvironmentVariables("DOTNET_")
            .SetBasePath(builder.Environment.ContentRootPath)
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: true)
            .AddJsonFile("appsettings." + builder.Environment.EnvironmentName + ".json", optional: true, reloadOnChange: true)
            .AddEnvironmentVariables()
            .AddEnvironmentVariables("DeviceFirmware__")
            .AddCommandLine([.. rest]);
        if (verbose)
        {
            builder.Configuration.AddInMemoryCollection([new("Logging:LogLevel:Default", "Debug"), new("Logging:LogLevel:DeviceFirmware", "Debug")]);
        }

        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            // On a Pi this is the serial monitor / journal: one line per event, UTC timestamps.
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
        });
        builder.Services.AddSystemd();

        var configuration = FirmwareConfiguration.Bind(builder.Configuration);
        var errors = configuration.Validate();
        if (errors.Count > 0)
        {
            await console.WriteLineAsync("The firmware cannot start; fix the configuration first:").ConfigureAwait(false);
            foreach (var error in errors)
            {
                await console.WriteLineAsync("  - " + error).ConfigureAwait(false);
            }

            await console.WriteLineAsync("Settings come from appsettings.json, environment variables (DeviceFirmware__Mqtt__Endpoint=...) and the command line (--Mqtt:Endpoint=...). Run with --help for the common ones.").ConfigureAwait(false);
            return ExitConfigurationError;
        }

        var time = TimeProvider.System;
        var services = builder.Services;
        services.AddSingleton(time);
        services.AddSingleton(configuration);
        services.AddSingleton(sp => CreateRelay(configuration, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => CreateSensor(configuration, time, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IMqttConnection>(sp =>
        {
            var topics = new ShadowTopics(configuration.Device.ThingName, configuration.Mqtt.WillTopic, configuration.Telemetry.Topic);
            return new MqttNetConnection(configuration.Mqtt, configuration.Mqtt.ClientId, topics.Will, ShadowTopics.WillPayload(), time, sp.GetRequiredService<ILogger<MqttNetConnection>>());
        });
        services.AddSingleton(sp => new TelemetryOutbox(configuration.OutboxPath, configuration.Telemetry.OutboxCapacity, sp.GetRequiredService<ILoggerFactory>().CreateLogger("DeviceFirmware.Outbox")));
        services.AddSingleton<ITelemetryQueue>(sp => new OutboxPublisher(
            sp.GetRequiredService<TelemetryOutbox>(),
            sp.GetRequiredService<IMqttConnection>().PublishAsync,
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("DeviceFirmware.Outbox")));
        services.AddSingleton(_ => new DeviceAgent(configuration.ToAgentSettings(FirmwareVersion), Random.Shared.NextDouble));
        services.AddHostedService(sp => new DeviceAgentService(
            sp.GetRequiredService<DeviceAgent>(),
            sp.GetRequiredService<IMqttConnection>(),
            sp.GetRequiredService<IRelay>(),
            sp.GetRequiredService<IEnvironmentSensor>(),
            sp.GetRequiredService<ITelemetryQueue>(),
            // Only power-on state Last reads or writes the state file (no needless flash writes otherwise).
            configuration.Relay.PowerOnState == PowerOnState.Last
                ? new RelayStateFile(configuration.RelayStatePath, sp.GetRequiredService<ILogger<RelayStateFile>>())
                : null,
            time,
            sp.GetRequiredService<ILoggerFactory>(),
            Cloud.S3Fetching.Create(configuration.S3, configuration.Mqtt, configuration.Device.DataDirectory, configuration.Device.ThingName, time, sp.GetRequiredService<ILoggerFactory>())));

        using var host = builder.Build();
        // The relay pin goes to its safe (off) level before anything else happens.
        host.Services.GetRequiredService<IRelay>();
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();
        // Local mode: LocalIotCore starts before the host's services (which read the Mqtt options it
        // fills in) and stops after the host has stopped, yet before the host (and its logger factory) is disposed.
        var localIotCore = configuration.IsLocalMode ? await EmbeddedLocalIotCore.TryStartAsync(configuration, loggers, time, console).ConfigureAwait(false) : null;
        if (configuration.IsLocalMode && localIotCore is null)
        {
            return ExitLocalIotCoreFailed;
        }

        try
        {
            loggers.CreateLogger("DeviceFirmware").LogInformation(
                "DeviceFirmware {Version}: thing {Thing}, {Mode} hardware, broker {Endpoint}:{Port} ({Transport}).",
                FirmwareVersion, configuration.Device.ThingName, configuration.Device.HardwareMode, configuration.Mqtt.Endpoint, configuration.Mqtt.Port,
                configuration.Mqtt.UseTls ? "mutual TLS" : "plain TCP");
            await host.StartAsync().ConfigureAwait(false);
            if (localIotCore is not null)
            {
                await Console.Out.WriteLineAsync(localIotCore.Banner(configuration)).ConfigureAwait(false);
            }

            // SIGINT (Ctrl+C) and SIGTERM stop the host (ConsoleLifetime, or systemd's): the agent reports connected=false and disconnects.
            await host.WaitForShutdownAsync().ConfigureAwait(false);
        }
        finally
        {
            if (localIotCore is not null)
            {
                await localIotCore.DisposeAsync().ConfigureAwait(false);
            }
        }

        return 0;
    }

    private static IRelay CreateRelay(FirmwareConfiguration configuration, ILoggerFactory loggers) =>
        configuration.Device.HardwareMode == HardwareMode.RaspberryPi
            ? new GpioRelay(configuration.Relay.Pin, configuration.Relay.ActiveLow)
            : new SimulatedRelay(loggers.CreateLogger<SimulatedRelay>());

    private static IEnvironmentSensor CreateSensor(FirmwareConfiguration configuration, TimeProvider time, ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger<Bme280Sensor>();
        if (configuration.Device.HardwareMode == HardwareMode.RaspberryPi)
        {
            var bus = configuration.Sensor.BusId;
            return new Bme280Sensor(address => I2cDevice.Create(new I2cConnectionSettings(bus, address)), configuration.Sensor, time, log);
        }

        // Simulated hardware still runs the real driver, against a register-level simulated chip.
        var weather = new SimulatedWeather(time.GetUtcNow());
        var chip = new SimulatedBme280(time, address: 0x76) { Environment = weather.At };
        return new Bme280Sensor(_ => chip, configuration.Sensor, time, log);
    }

    // The defaults shown come from where they are defined.
    private static readonly string Usage = $"""
        DeviceFirmware — AWS IoT device firmware (BME280 telemetry, motor relay from the Device Shadow).

        Usage: DeviceFirmware [--verbose] [--Section:Key=value ...]

        Common settings (also in appsettings.json, or as environment variables DeviceFirmware__Section__Key):
          --Device:ThingName=pump-1          AWS IoT thing name (= MQTT client id)
          --Device:HardwareMode=Simulated    Simulated | RaspberryPi
          --Mqtt:Endpoint=host               AWS IoT data endpoint or a local broker; not set = local mode
                                             (unless built with -p:EmbedLocalIotCore=false): LocalIotCore
                                             runs in this process, thing pump-1 unless given
          --LocalIotCore:MqttPort={EmbeddedLocalIotCoreOptions.DefaultMqttPort} --LocalIotCore:HttpPort={EmbeddedLocalIotCoreOptions.DefaultHttpPort} --LocalIotCore:HttpsPort={EmbeddedLocalIotCoreOptions.DefaultHttpsPort}
                                             local mode's ports (0 = a free port); HTTPS serves S3
                                             and the credentials provider desired.s3 files come from
          --Mqtt:Port={AwsIotMqtt.TlsPort}                   {AwsIotMqtt.TlsPort}, or {AwsIotMqtt.AlpnPort} (ALPN {AwsIotMqtt.AlpnProtocol})
          --Mqtt:UseTls=false                plain TCP, only for a local broker
          --Mqtt:RootCaPath / CertificatePath / PrivateKeyPath   PEM files (see certs/README.md)
          --Relay:Pin={RelayOptions.DefaultPin} --Relay:ActiveLow=true --Relay:PowerOnState=Off|Last|Desired
          --Telemetry:IntervalSeconds={AgentSettings.DefaultTelemetryIntervalSeconds}
          --Sensor:Address=0x76|0x77|auto --Sensor:TemperatureOffsetCelsius=-1.5 --Sensor:AltitudeMeters=250
          --verbose                          debug logging for every category
        """;
}

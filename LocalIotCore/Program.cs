using System.Globalization;
using LocalIotCore.Certificates;
using LocalIotCore.Hosting;
using Microsoft.Extensions.Logging;

if (args.Length > 0 && args[0] == "mint-device-cert")
{
    return CertificateCommands.MintDeviceCertificate(args[1..], Console.Out);
}

if (args.Length > 0 && args[0] == "mint-app-cert")
{
    return CertificateCommands.MintApplicationCertificate(args[1..], Console.Out);
}

// Stand-alone, the HTTP API is also served over HTTPS (AWS's clients speak https to the data plane).
var options = new LocalIotCoreOptions { HttpsPort = LocalIotCoreOptions.DefaultHttpsPort };
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException("Missing value after " + args[i]);
    try
    {
        switch (args[i])
        {
            case "--data-dir":
                options.DataDirectory = Next();
                break;
            case "--mqtt-port":
                options.MqttPort = int.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--http-port":
                options.HttpPort = int.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--https-port":
                var https = Next();
                options.HttpsPort = https == "off" ? null : int.Parse(https, CultureInfo.InvariantCulture);
                break;
            case "--shadow-rate":
                // Shadow requests per second per thing on the HTTP data plane, then 429 ThrottlingException.
                options.ShadowRequestsPerSecondPerThing = double.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--plain-port":
                options.PlainApplicationPort = int.Parse(Next(), CultureInfo.InvariantCulture);
                break;
            case "--grace-seconds":
                options.NotifierGrace = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
                break;
            case "--webhook":
                options.WebhookUrl = new Uri(Next());
                break;
            case "--bind":
                // A LAN address for a device on the network (an ESP32); loopback when not given.
                options.BindAddress = System.Net.IPAddress.Parse(Next());
                break;
            case "--external-broker":
                options.ExternalBroker = Next();
                break;
            case "--help" or "-h":
                Console.WriteLine(Usage());
                return 0;
            default:
                Console.Error.WriteLine("Unknown argument '" + args[i] + "'.\n" + Usage());
                return 2;
        }
    }
    catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException or UriFormatException)
    {
        Console.Error.WriteLine("Bad argument: " + ex.Message + "\n" + Usage());
        return 2;
    }
}

using var loggers = LoggerFactory.Create(logging => logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.UseUtcTimestamp = true;
    o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
}).AddFilter("Microsoft", LogLevel.Warning));
LocalIotCoreServer started;
try
{
    started = await LocalIotCoreServer.StartAsync(options, loggers);
}
catch (InvalidDataException ex)
{
    // A file in the data directory LocalIotCore cannot use (e.g. a rule whose SQL does not parse): say which and where.
    Console.Error.WriteLine("LocalIotCore cannot start: " + ex.Message);
    return 2;
}

await using var server = started;
Console.WriteLine("LocalIotCore — a local stand-in for AWS IoT Core");
Console.WriteLine(options.ExternalBroker is null
    ? "  MQTT (mutual TLS): mqtts://" + server.Host + ":" + server.MqttPort + (server.PlainApplicationPort is int plain ? "   plain (applications, loopback): 127.0.0.1:" + plain : "")
    : "  MQTT: served through the external broker at " + options.ExternalBroker);
Console.WriteLine("  Dashboard:         " + server.DashboardUrl);
Console.WriteLine("  HTTP API:          http://" + server.Host + ":" + server.HttpPort + "  (GET /api/things, GET|POST|DELETE /things/<thing>/shadow)");
Console.WriteLine("  AWS IoT control:   aws iot list-things --endpoint-url http://" + server.Host + ":" + server.HttpPort + "  (any credentials)");
if (server.HttpsPort is int httpsPort)
{
    Console.WriteLine("  HTTPS API:         https://" + server.Host + ":" + httpsPort + "  (the same API over TLS; trust the root CA below, e.g. aws --endpoint-url https://localhost:" + httpsPort + " --ca-bundle <root CA>)");
    Console.WriteLine("  S3 (path-style):   https://" + server.Host + ":" + httpsPort + "  keys " + options.S3.AdministratorAccessKeyId + " / " + options.S3.AdministratorSecretAccessKey
        + "  (AWS_ACCESS_KEY_ID=" + options.S3.AdministratorAccessKeyId + " AWS_SECRET_ACCESS_KEY=" + options.S3.AdministratorSecretAccessKey + " aws s3 cp FILE s3://BUCKET/KEY --endpoint-url https://localhost:" + httpsPort + " --ca-bundle <root CA>)");
    Console.WriteLine("  Credentials:       https://" + server.Host + ":" + httpsPort + "/role-aliases/<alias>/credentials  (device certificate + x-amzn-iot-thingname; aliases in " + LocalIotCore.CredentialsProvider.RoleAliasTable.FileName + ")");
}

Console.WriteLine("  Root CA:           " + server.CaCertificatePath);
Console.WriteLine("  Data directory:    " + server.DataDirectory);
Console.WriteLine("  Device certificate: dotnet run --project LocalIotCore -- mint-device-cert <thing> --data-dir " + options.DataDirectory);
Console.WriteLine("Ctrl+C to stop."); // the last banner line: Firmware.EndToEnd's LocalIotCoreProcess waits for it
var stop = new TaskCompletionSource();
// SIGINT (Ctrl+C) and SIGTERM (kill, systemd) stop the server gracefully.
using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});
await stop.Task;
Console.WriteLine("LocalIotCore stopping.");
return 0;

static string Usage() => """
    Usage: LocalIotCore [--data-dir DIR] [--mqtt-port 8883] [--http-port 8080] [--https-port 8443|off] [--plain-port PORT] [--shadow-rate N]
                        [--grace-seconds 300] [--webhook URL] [--external-broker HOST:PORT]
                        [--bind ADDRESS]   (TLS MQTT and HTTP on ADDRESS instead of loopback; the plain port stays on loopback)
           LocalIotCore mint-device-cert <thing> [--out DIR] [--data-dir DIR]
           LocalIotCore mint-app-cert <name> [--out DIR] [--data-dir DIR]   (an application: any client id, every topic)
    """;

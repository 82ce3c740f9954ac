using System.Net.Sockets;
using LocalIotCore.Broker;
using LocalIotCore.Certificates;

namespace Firmware.EndToEnd.Harness;

/// <summary>
/// A real mosquitto (Debian's package) as the broker: a mutual-TLS listener for devices, whose
/// certificate CN becomes the user name and an ACL that keeps a device to its own topics (AWS's
/// thing policy), and a plain loopback listener for LocalIotCore's bridge and applications. As on
/// AWS, only the shadow service (LocalIotCore's bridge, user <see cref="ExternalBrokerBridge.UserName"/>)
/// may publish a shadow's replies and lifecycle events: devices and applications may only read them.
/// </summary>
public sealed class Mosquitto : IAsyncDisposable
{
    private readonly string _configPath;
    private readonly string _logPath;
    private ChildProcess? _process;

    public Mosquitto(string folder, LocalCertificateAuthority authority, int tlsPort, int plainPort)
    {
        ArgumentNullException.ThrowIfNull(authority);
        Directory.CreateDirectory(folder);
        TlsPort = tlsPort;
        PlainPort = plainPort;
        var ca = Path.Combine(folder, "ca.pem");
        var cert = Path.Combine(folder, "server.pem");
        var key = Path.Combine(folder, "server.key");
        var acl = Path.Combine(folder, "acl");
        var plainAcl = Path.Combine(folder, "acl-plain");
        authority.WriteCertificatePem(ca);
        using (var server = authority.IssueServerCertificate())
        {
            LocalCertificateAuthority.WritePem(server, cert, key);
        }

        // mosquitto's ACLs only grant (no deny): a write grant is given for each request topic and
        // never for a reply. '#' does not match topics that begin with '$', so $aws/... is listed.
        File.WriteAllText(acl, """
            # Devices (user = certificate CN = thing name) use only their own topics, like AWS's thing policy,
            # and publish shadow requests, never the shadow service's replies.
            pattern read $aws/things/%u/shadow/#
            pattern write $aws/things/%u/shadow/update
            pattern write $aws/things/%u/shadow/get
            pattern write $aws/things/%u/shadow/delete
            pattern write $aws/things/%u/shadow/name/+/update
            pattern write $aws/things/%u/shadow/name/+/get
            pattern write $aws/things/%u/shadow/name/+/delete
            pattern readwrite things/%u/#
            """ + "\n");
        File.WriteAllText(plainAcl, $"""
            # Applications (anonymous): every ordinary topic, shadow requests for any thing, and read-only
            # shadow replies and lifecycle events.
            topic readwrite #
            topic read $aws/things/#
            topic read $aws/events/#
            topic write $aws/things/+/shadow/update
            topic write $aws/things/+/shadow/get
            topic write $aws/things/+/shadow/delete
            topic write $aws/things/+/shadow/name/+/update
            topic write $aws/things/+/shadow/name/+/get
            topic write $aws/things/+/shadow/name/+/delete

            # LocalIotCore's bridge is the shadow service: it publishes the replies and the events.
            user {ExternalBrokerBridge.UserName}
            topic readwrite #
            topic readwrite $aws/#
            """ + "\n");
        _configPath = Path.Combine(folder, "mosquitto.conf");
        _logPath = Path.Combine(folder, "mosquitto.log");
        File.WriteAllText(_configPath, string.Join('\n',
            "per_listener_settings true",
            "persistence false",
            // Started as root (CI is), mosquitto would switch to user 'mosquitto', which cannot read the key.
            Environment.UserName == "root" ? "user root" : "",
            "log_dest stdout",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            "",
            "listener " + plainPort + " 127.0.0.1",
            "allow_anonymous true",
            "acl_file " + plainAcl,
            "",
            "listener " + tlsPort + " 127.0.0.1",
            "cafile " + ca,
            "certfile " + cert,
            "keyfile " + key,
            "require_certificate true",
            "use_identity_as_username true",
            "acl_file " + acl,
            "") + "\n");
    }

    public int TlsPort { get; }

    public int PlainPort { get; }

    public static string Executable
    {
        get
        {
            foreach (var path in new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" })
            {
                if (File.Exists(path))
                {
                    return path;
                }
            }

            throw new FileNotFoundException("mosquitto is not installed; .ci/run installs it (apt-get install mosquitto).");
        }
    }

    public async Task StartAsync()
    {
        _process = ChildProcess.Start("mosquitto", Executable, ["-c", _configPath], Path.GetDirectoryName(_configPath)!, _logPath);
        await WaitForPortAsync(PlainPort, _process).ConfigureAwait(false);
        await WaitForPortAsync(TlsPort, _process).ConfigureAwait(false);
    }

    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    internal static async Task WaitForPortAsync(int port, ChildProcess process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(25).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                throw new InvalidOperationException(process.Name + " is not listening on " + port + ". Its output:\n" + process.Tail(20));
            }
        }
    }
}

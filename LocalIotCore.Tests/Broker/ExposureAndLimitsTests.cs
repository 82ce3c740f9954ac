using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Broker;

/// <summary>Issue 17, holes 3 and 4: what LocalIotCore listens on, and how much and how long it waits for a client.</summary>
[TestClass]
public sealed class ExposureAndLimitsTests
{
    private const int AwsMessageLimitBytes = 128 * 1024;

    private readonly CapturedLog _log = new();
    private CloudInFolder _cloud = null!;

    [TestInitialize]
    public async Task Init() => _cloud = await CloudInFolder.StartAsync("limits", _log);

    [TestCleanup]
    public async Task Cleanup() => await _cloud.DisposeAsync();

    [TestMethod]
    public void Every_listener_is_on_loopback_of_both_families_and_nowhere_else()
    {
        var server = _cloud.Server;
        foreach (var (name, port) in new[] { ("TLS MQTT", server.MqttPort), ("plain MQTT", server.PlainApplicationPort!.Value), ("HTTP", server.HttpPort) })
        {
            var addresses = ListeningAddresses(port);
            CollectionAssert.Contains(addresses, IPAddress.Loopback, name + " listens on 127.0.0.1");
            if (Socket.OSSupportsIPv6 && File.Exists("/proc/net/tcp6"))
            {
                CollectionAssert.Contains(addresses, IPAddress.IPv6Loopback, name + " listens on ::1");
            }

            foreach (var address in addresses)
            {
                Assert.IsTrue(IPAddress.IsLoopback(address), name + " (port " + port + ") listens on " + address + ", which is not loopback");
            }
        }
    }

    [TestMethod]
    public async Task An_explicit_bind_address_carries_TLS_and_HTTP_and_is_in_the_certificate_while_the_plain_port_stays_on_loopback()
    {
        // 127.0.0.2 stands in for a LAN address (an ESP32 on the developer's network): another address
        // than the default loopback ones, still on this machine.
        var lan = IPAddress.Parse("127.0.0.2");
        await using var cloud = await CloudInFolder.StartAsync("bind", _log, options => options.BindAddress = lan);
        var server = cloud.Server;
        CollectionAssert.AreEquivalent(new[] { lan }, ListeningAddresses(server.MqttPort), "TLS MQTT on the bind address only");
        CollectionAssert.AreEquivalent(new[] { lan }, ListeningAddresses(server.HttpPort), "HTTP on the bind address only");
        foreach (var address in ListeningAddresses(server.PlainApplicationPort!.Value))
        {
            Assert.IsTrue(IPAddress.IsLoopback(address) && !address.Equals(lan), "the unauthenticated plain port stays on 127.0.0.1/::1, not " + address);
        }

        StringAssert.Contains(server.DashboardUrl, "127.0.0.2");

        // A device that checks the server's name against the address it dialled (as mbedTLS does) accepts it.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(lan, server.MqttPort);
        await using var tls = new SslStream(tcp.GetStream());
        using var issued = server.Authority.IssueDeviceCertificate("pump-1");
        using var certificate = X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
        var errors = SslPolicyErrors.None;
        X509Certificate2? seen = null;
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.2",
            ClientCertificates = new X509CertificateCollection { certificate },
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, cert, _, e) =>
            {
                errors = e;
                seen = cert is null ? null : X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                return true;
            },
        });
        Assert.IsNotNull(seen);
        Assert.IsTrue(seen.MatchesHostname("127.0.0.2"), "the server certificate names the bind address");
        Assert.AreEqual(SslPolicyErrors.None, errors & SslPolicyErrors.RemoteCertificateNameMismatch, "no name mismatch for the bind address");
        seen.Dispose();
    }

    [TestMethod]
    public async Task A_message_over_128_KB_is_refused_and_its_sender_disconnected_and_one_of_128_KB_is_delivered()
    {
        var port = _cloud.Server.PlainApplicationPort!.Value;
        await using var observer = await TestClient.ApplicationAsync(port, "apps/big");
        await using var sender = await TestClient.ApplicationAsync(port);
        await sender.PublishAsync("apps/big", new byte[AwsMessageLimitBytes]);
        Assert.AreEqual(AwsMessageLimitBytes, (await observer.NextAsync("apps/big")).Payload.Length, "a message of exactly 128 KB is delivered");

        await PublishIgnoringTheDropAsync(sender, "apps/big", new byte[AwsMessageLimitBytes + 1]);
        await sender.Disconnected.Task.WaitAsync(TestClient.Patience);
        await _cloud.Server.PublishAsync([new LocalIotCore.Shadows.ShadowMessage("apps/big", "marker"u8.ToArray())]);
        Assert.AreEqual("marker", (await observer.NextAsync("apps/big")).Payload, "the oversized message was not delivered");
        await _log.WaitForAsync(line => line.Contains("OversizedPacket", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task A_20_MB_publish_is_stopped_at_its_length_field()
    {
        await using var device = await TestClient.DeviceAsync(_cloud.Server.Authority, _cloud.Server.MqttPort, "pump-1");
        await PublishIgnoringTheDropAsync(device, "things/pump-1/telemetry", new byte[20 * 1024 * 1024]);
        await device.Disconnected.Task.WaitAsync(TestClient.Patience);
        var line = await _log.WaitForAsync(l => l.Contains("OversizedPacket", StringComparison.Ordinal));
        StringAssert.Contains(line, "larger than the", "refused by the packet-size limit, before the body was read");
    }

    [TestMethod]
    public async Task A_connection_that_never_sends_a_ClientHello_is_closed_after_the_handshake_deadline()
    {
        await using var cloud = await CloudInFolder.StartAsync("handshake-deadline", _log, options => options.MqttLimits.HandshakeDeadline = TimeSpan.FromSeconds(1));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", cloud.Server.MqttPort);
        var started = DateTime.UtcNow;
        Assert.IsTrue(await RawMqtt.ClosedByBrokerAsync(tcp.GetStream()), "closed by the broker");
        Assert.IsTrue(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9), "not before the deadline");
        await _log.WaitForAsync(line => line.Contains("HandshakeDeadline", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task A_connection_that_never_sends_CONNECT_is_closed_after_the_connect_deadline_on_either_port()
    {
        await using var cloud = await CloudInFolder.StartAsync("connect-deadline", _log, options => options.MqttLimits.ConnectDeadline = TimeSpan.FromSeconds(1));
        using var plain = new TcpClient();
        await plain.ConnectAsync("127.0.0.1", cloud.Server.PlainApplicationPort!.Value);
        Assert.IsTrue(await RawMqtt.ClosedByBrokerAsync(plain.GetStream()), "the plain port closed the silent connection");

        // Over TLS: a complete handshake with a valid device certificate, then silence.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", cloud.Server.MqttPort);
        await using var tls = new SslStream(tcp.GetStream());
        using var issued = cloud.Server.Authority.IssueDeviceCertificate("pump-1");
        using var certificate = X509CertificateLoader.LoadPkcs12(issued.Export(X509ContentType.Pkcs12), null);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = new X509CertificateCollection { certificate },
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        });
        Assert.IsTrue(await RawMqtt.ClosedByBrokerAsync(tls), "the TLS port closed the silent connection");
        await _log.WaitForAsync(line => line.Contains("ConnectDeadline", StringComparison.Ordinal));
    }

    /// <summary>The addresses listening on a TCP port, from the kernel's tables (/proc/net/tcp and tcp6).</summary>
    private static List<IPAddress> ListeningAddresses(int port)
    {
        const string Listen = "0A";
        var addresses = new List<IPAddress>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = fields[1].Split(':');
                if (fields[3] == Listen && int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    addresses.Add(KernelAddress(local[0]));
                }
            }
        }

        return addresses;
    }

    /// <summary>The kernel writes an address as 32-bit words in host (little-endian) byte order.</summary>
    private static IPAddress KernelAddress(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        return new IPAddress(bytes);
    }

    private static async Task PublishIgnoringTheDropAsync(TestClient client, string topic, byte[] payload)
    {
        try
        {
            await client.PublishAsync(topic, payload);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            // The broker closes the connection instead of answering.
        }
    }
}

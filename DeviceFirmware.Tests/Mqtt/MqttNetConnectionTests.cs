using System.Text;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Mqtt;
using DeviceFirmware.Tests.Support;
using Firmware.EndToEnd.Harness;
using LocalIotCore.Certificates;
using Microsoft.Extensions.Logging.Abstractions;

namespace DeviceFirmware.Tests.Mqtt;

[TestClass]
public sealed class MqttNetConnectionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static MqttNetConnection Connection(TestPki pki, int port, string thing = "pump-1", int connectTimeoutSeconds = 10) => new(
        new MqttConnectionOptions
        {
            Endpoint = "localhost",
            Port = port,
            RootCaPath = pki.RootCaPath,
            CertificatePath = pki.CertificatePath,
            PrivateKeyPath = pki.PrivateKeyPath,
            ConnectTimeoutSeconds = connectTimeoutSeconds,
        },
        thing,
        ShadowTopics.DefaultWillTopic(thing),
        ShadowTopics.WillPayload(),
        TimeProvider.System,
        NullLogger<MqttNetConnection>.Instance);

    [TestMethod]
    public async Task The_CONNECT_carries_the_configured_keep_alive_although_MQTTnet_gets_zero()
    {
        using var pki = new TestPki();
        await using var broker = new TestBroker(pki);
        await broker.StartAsync();
        await using var device = Connection(pki, broker.TlsPort);

        await device.ConnectAsync(CancellationToken.None);

        Assert.AreEqual((ushort)MqttConnectionOptions.DefaultKeepAliveSeconds, await broker.ConnectKeepAliveSeconds.Task.WaitAsync(Patience));
    }

    [TestMethod]
    public async Task Connects_with_mutual_TLS_subscribes_and_publishes_both_ways()
    {
        using var pki = new TestPki();
        await using var broker = new TestBroker(pki);
        await broker.StartAsync();
        await using var observer = await broker.ObserveAsync("things/pump-1/telemetry");
        await using var device = Connection(pki, broker.TlsPort);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.MessageReceived += (topic, payload) => received.TrySetResult(topic + " " + Encoding.UTF8.GetString(payload.Span));

        await device.ConnectAsync(CancellationToken.None);
        Assert.IsTrue(device.IsConnected);
        await device.SubscribeAsync(["$aws/things/pump-1/shadow/update/delta"], CancellationToken.None);
        await device.PublishAsync("things/pump-1/telemetry", "{\"seq\":1}"u8.ToArray(), CancellationToken.None);
        var telemetry = await observer.NextAsync(Patience);
        Assert.AreEqual("{\"seq\":1}", telemetry.Payload);

        await observer.PublishAsync("$aws/things/pump-1/shadow/update/delta", "{\"state\":{\"MOTOR\":\"ON\"}}");
        Assert.AreEqual("$aws/things/pump-1/shadow/update/delta {\"state\":{\"MOTOR\":\"ON\"}}", await received.Task.WaitAsync(Patience));
    }

    [TestMethod]
    public async Task The_will_is_delivered_after_an_abrupt_drop_and_the_device_notices()
    {
        using var pki = new TestPki();
        await using var broker = new TestBroker(pki);
        await broker.StartAsync();
        await using var proxy = new FaultProxy(broker.TlsPort);
        await using var observer = await broker.ObserveAsync("things/+/lwt");
        await using var device = Connection(pki, proxy.Port);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.ConnectionLost += reason => lost.TrySetResult(reason);
        await device.ConnectAsync(CancellationToken.None);

        proxy.Inject(NetworkFault.Reset);

        var will = await observer.NextAsync(Patience);
        Assert.AreEqual("things/pump-1/lwt", will.Topic);
        Assert.AreEqual("{\"state\":{\"reported\":{\"connected\":false}}}", will.Payload);
        Assert.IsFalse(string.IsNullOrEmpty(await lost.Task.WaitAsync(Patience)));
    }

    /// <summary>
    /// Keep-alive 30 s (AWS's minimum) cannot catch this: MQTTnet 5 pings only after a keep-alive
    /// period with nothing sent. Measured before the PUBACK deadline existed: with a publish started
    /// every second, still "connected" after 70 s; with one publish at a time, lost after 45 s (the
    /// PINGREQ after 30 s of silence, then 15 s for its PINGRESP). With the deadline: about the
    /// PUBACK timeout (3 s here), which is what this test bounds generously by 1.5 x keep-alive.
    /// </summary>
    [TestMethod]
    public async Task A_silent_blackhole_is_detected_by_the_missing_PUBACK_while_publishing_every_second()
    {
        using var pki = new TestPki();
        await using var broker = new TestBroker(pki);
        await broker.StartAsync();
        await using var proxy = new FaultProxy(broker.TlsPort);
        await using var device = Connection(pki, proxy.Port, connectTimeoutSeconds: 3);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.ConnectionLost += reason => lost.TrySetResult(reason);
        await device.ConnectAsync(CancellationToken.None);
        await device.PublishAsync("things/pump-1/telemetry", "{\"seq\":0}"u8.ToArray(), CancellationToken.None);

        using var stop = new CancellationTokenSource();
        var publishing = PublishEverySecondAsync(device, stop.Token);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        proxy.Inject(NetworkFault.Blackhole);
        var why = await lost.Task.WaitAsync(TimeSpan.FromSeconds(1.5 * MqttConnectionOptions.MinimumKeepAliveSeconds));
        Console.WriteLine("Blackhole detected after " + watch.Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s: " + why);
        await stop.CancelAsync();
        await publishing;

        Assert.AreEqual("no PUBACK within 3 s; the link is presumed dead", why);
        Assert.IsFalse(device.IsConnected, "the zombie client is gone");
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => device.PublishAsync("things/pump-1/telemetry", "{}"u8.ToArray(), CancellationToken.None));

        // Once the path works again, the same connection object connects anew.
        proxy.Heal();
        await device.ConnectAsync(CancellationToken.None);
        await device.PublishAsync("things/pump-1/telemetry", "{\"seq\":99}"u8.ToArray(), CancellationToken.None);
    }

    /// <summary>Starts a publish every second without waiting for the previous one's PUBACK, the way
    /// telemetry and shadow reports overlap; their failures are expected once the link dies.</summary>
    private static async Task PublishEverySecondAsync(MqttNetConnection device, CancellationToken stop)
    {
        var pending = new List<Task>();
        for (var seq = 1; !stop.IsCancellationRequested; seq++)
        {
            pending.Add(device.PublishAsync("things/pump-1/telemetry", Encoding.UTF8.GetBytes("{\"seq\":" + seq + "}"), CancellationToken.None));
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        foreach (var publish in pending)
        {
            await publish.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [TestMethod]
    public async Task No_will_after_a_clean_disconnect()
    {
        using var pki = new TestPki();
        await using var broker = new TestBroker(pki);
        await broker.StartAsync();
        await using var observer = await broker.ObserveAsync("things/+/lwt");
        await using var device = Connection(pki, broker.TlsPort);
        var lost = false;
        device.ConnectionLost += _ => lost = true;
        await device.ConnectAsync(CancellationToken.None);

        await device.DisconnectAsync(CancellationToken.None);
        await broker.ClientDisconnected.Task.WaitAsync(Patience);
        // Anything the broker published for the disconnect is queued before this marker.
        await observer.PublishAsync("things/marker/lwt", "marker");
        var first = await observer.NextAsync(Patience);
        Assert.AreEqual("marker", first.Payload, "no Last Will after a clean DISCONNECT");
        Assert.IsFalse(lost, "a requested disconnect is not a lost connection");
    }

    [TestMethod]
    public async Task Connect_fails_readably_while_the_broker_is_down_and_succeeds_after_it_restarts()
    {
        using var pki = new TestPki();
        var port = LocalIotCore.Broker.FreeTcpPort.Next();
        await using var broker = new TestBroker(pki, port);
        await broker.StartAsync();
        await using var device = Connection(pki, port);
        await device.ConnectAsync(CancellationToken.None);
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.ConnectionLost += reason => lost.TrySetResult(reason);

        await broker.StopAsync();
        await lost.Task.WaitAsync(Patience);
        var down = await Assert.ThrowsExactlyAsync<MqttConnectException>(() => device.ConnectAsync(CancellationToken.None));
        StringAssert.Contains(down.Message, "connection refused");

        await broker.StartAsync();
        await device.ConnectAsync(CancellationToken.None);
        Assert.IsTrue(device.IsConnected);
    }

    [TestMethod]
    public async Task A_broker_certificate_from_another_CA_is_refused_with_a_plain_reason()
    {
        using var pki = new TestPki();
        using var rogue = LocalCertificateAuthority.Create("Rogue CA");
        using var rogueServer = TestPki.Reloaded(rogue.IssueServerCertificate());
        using var roguePki = new TestPki();
        await using var broker = new TestBroker(pki);
        await broker.StartAsync();
        // The device trusts only its own CA; point it at a broker whose CA differs.
        await using var device = Connection(roguePki, broker.TlsPort);
        var refused = await Assert.ThrowsExactlyAsync<MqttConnectException>(() => device.ConnectAsync(CancellationToken.None));
        StringAssert.Contains(refused.Message, "not signed by the configured root CA");
    }

    [TestMethod]
    public async Task A_device_certificate_the_broker_does_not_trust_is_refused_in_the_handshake()
    {
        using var pki = new TestPki();
        using var other = new TestPki();
        await using var broker = new TestBroker(pki);
        await broker.StartAsync();
        // Trust the broker's CA, but present a certificate from another CA.
        File.Copy(pki.RootCaPath, other.RootCaPath, overwrite: true);
        await using var device = Connection(other, broker.TlsPort);
        var refused = await Assert.ThrowsExactlyAsync<MqttConnectException>(() => device.ConnectAsync(CancellationToken.None));
        StringAssert.Contains(refused.Message, "refused the device certificate");
    }

    [TestMethod]
    public async Task A_certificate_not_yet_valid_blames_the_clock()
    {
        using var pki = new TestPki();
        pki.MintDevice("pump-1", pki.CertificatePath, pki.PrivateKeyPath, notBefore: DateTimeOffset.UtcNow.AddDays(30));
        await using var device = Connection(pki, LocalIotCore.Broker.FreeTcpPort.Next());
        var refused = await Assert.ThrowsExactlyAsync<MqttConnectException>(() => device.ConnectAsync(CancellationToken.None));
        StringAssert.Contains(refused.Message, "system clock reads");
        StringAssert.Contains(refused.Message, "real-time clock");
    }

    [TestMethod]
    public async Task An_expired_certificate_says_so()
    {
        using var pki = new TestPki();
        pki.MintDevice("pump-1", pki.CertificatePath, pki.PrivateKeyPath, notBefore: DateTimeOffset.UtcNow.AddDays(-60), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        await using var device = Connection(pki, LocalIotCore.Broker.FreeTcpPort.Next());
        var refused = await Assert.ThrowsExactlyAsync<MqttConnectException>(() => device.ConnectAsync(CancellationToken.None));
        StringAssert.Contains(refused.Message, "expired");
    }

    [TestMethod]
    public async Task A_key_that_does_not_match_the_certificate_says_so()
    {
        using var pki = new TestPki();
        var otherCert = Path.Combine(pki.Folder, "other.pem.crt");
        var otherKey = Path.Combine(pki.Folder, "other.pem.key");
        pki.MintDevice("pump-1", otherCert, otherKey);
        File.Copy(otherKey, pki.PrivateKeyPath, overwrite: true);
        await using var device = Connection(pki, LocalIotCore.Broker.FreeTcpPort.Next());
        var refused = await Assert.ThrowsExactlyAsync<MqttConnectException>(() => device.ConnectAsync(CancellationToken.None));
        StringAssert.Contains(refused.Message, "cannot be used together");
    }

    [TestMethod]
    public async Task A_refused_CONNACK_explains_the_client_id_policy()
    {
        using var pki = new TestPki();
        var data = Path.Combine(pki.Folder, "localiotcore");
        await using var cloud = await LocalIotCore.Hosting.LocalIotCoreServer.StartAsync(new LocalIotCore.Hosting.LocalIotCoreOptions { DataDirectory = data, MqttPort = 0, HttpPort = 0 });
        cloud.MintDeviceCertificate("pump-1", pki.CertificatePath, pki.PrivateKeyPath, pki.RootCaPath);
        // The certificate says pump-1; connecting as pump-9 breaks AWS's thing policy.
        await using var device = Connection(pki, cloud.MqttPort, thing: "pump-9");
        var refused = await Assert.ThrowsExactlyAsync<MqttConnectException>(() => device.ConnectAsync(CancellationToken.None));
        StringAssert.Contains(refused.Message, "NotAuthorized");
        StringAssert.Contains(refused.Message, "client id 'pump-9'");
        Assert.IsFalse(device.IsConnected);
    }

    [TestMethod]
    public async Task Certificate_files_are_read_at_each_connect_so_a_rotated_certificate_needs_no_rebuild()
    {
        using var pki = new TestPki();
        using var other = new TestPki();
        await using var broker = new TestBroker(pki);
        await broker.StartAsync();
        // Start with a certificate the broker does not trust.
        File.Copy(other.CertificatePath, pki.CertificatePath, overwrite: true);
        File.Copy(other.PrivateKeyPath, pki.PrivateKeyPath, overwrite: true);
        await using var device = Connection(pki, broker.TlsPort);
        await Assert.ThrowsExactlyAsync<MqttConnectException>(() => device.ConnectAsync(CancellationToken.None));

        // Rotate the files in place; the same connection object picks them up on its next attempt.
        pki.MintDevice("pump-1", pki.CertificatePath, pki.PrivateKeyPath);
        await device.ConnectAsync(CancellationToken.None);
        Assert.IsTrue(device.IsConnected);
    }
}

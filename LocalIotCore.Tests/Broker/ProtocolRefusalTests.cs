using System.Net.Sockets;
using System.Text;
using LocalIotCore.Tests.Support;
using MQTTnet;

namespace LocalIotCore.Tests.Broker;

/// <summary>Issue 17, hole 5: the MQTT specification's refusals, and a log line for each kind of refused input.</summary>
[TestClass]
public sealed class ProtocolRefusalTests
{
    private readonly CapturedLog _log = new();
    private CloudInFolder _cloud = null!;

    private int PlainPort => _cloud.Server.PlainApplicationPort!.Value;

    [TestInitialize]
    public async Task Init() => _cloud = await CloudInFolder.StartAsync("protocol", _log);

    [TestCleanup]
    public async Task Cleanup() => await _cloud.DisposeAsync();

    [TestMethod]
    public async Task A_subscription_to_an_empty_topic_filter_is_refused()
    {
        using var tcp = await RawMqtt.ConnectedAsync(PlainPort, "empty-filter");
        var stream = tcp.GetStream();
        await stream.WriteAsync(RawMqtt.Subscribe([]));
        var suback = new byte[5];
        await stream.ReadExactlyAsync(suback).AsTask().WaitAsync(TestClient.Patience);
        Assert.AreEqual(0x90, suback[0], "SUBACK");
        Assert.AreEqual(0x80, suback[4], "failure, not a granted QoS");
        await _log.WaitForAsync(line => line.Contains("SubscribeRefused", StringComparison.Ordinal) && line.Contains("empty topic filter", StringComparison.Ordinal));
    }

    [TestMethod]
    [DataRow("publish", "NUL", new byte[] { (byte)'a', 0x00, (byte)'b' })]
    [DataRow("publish", "overlong encoding", new byte[] { (byte)'a', 0xC0, 0xAF })]
    [DataRow("publish", "lone continuation byte", new byte[] { (byte)'a', 0x80 })]
    [DataRow("publish", "surrogate half", new byte[] { 0xED, 0xA0, 0x80 })]
    [DataRow("subscribe", "NUL", new byte[] { (byte)'a', 0x00, (byte)'#' })]
    [DataRow("subscribe", "invalid UTF-8", new byte[] { (byte)'a', 0xFF, (byte)'b' })]
    public async Task A_topic_with_NUL_or_invalid_UTF8_closes_the_connection(string packet, string what, byte[] topic)
    {
        using var tcp = await RawMqtt.ConnectedAsync(PlainPort, "bad-topic");
        var stream = tcp.GetStream();
        await stream.WriteAsync(packet == "publish" ? RawMqtt.Publish(topic, "{}"u8.ToArray()) : RawMqtt.Subscribe(topic));
        Assert.IsTrue(await RawMqtt.ClosedByBrokerAsync(stream), "a " + packet + " with a topic with " + what + " closes the connection");
        await _log.WaitForAsync(line => line.Contains("InvalidTopic", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task A_well_formed_non_ASCII_topic_still_works()
    {
        await using var observer = await TestClient.ApplicationAsync(PlainPort, "apps/pompe-\u00e9t\u00e9/\u6c34");
        using var tcp = await RawMqtt.ConnectedAsync(PlainPort, "utf8-topic");
        await tcp.GetStream().WriteAsync(RawMqtt.Publish(Encoding.UTF8.GetBytes("apps/pompe-\u00e9t\u00e9/\u6c34"), "ok"u8.ToArray()));
        Assert.AreEqual("ok", (await observer.NextAsync("apps/pompe-\u00e9t\u00e9/\u6c34")).Payload);
    }

    [TestMethod]
    public async Task Plaintext_on_the_TLS_port_is_logged()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _cloud.Server.MqttPort);
        await tcp.GetStream().WriteAsync(RawMqtt.Connect("plain-on-tls"));
        Assert.IsTrue(await RawMqtt.ClosedByBrokerAsync(tcp.GetStream()));
        StringAssert.Contains(await _log.WaitForAsync(line => line.Contains("PlaintextOnTlsPort", StringComparison.Ordinal)), "an MQTT CONNECT");
    }

    [TestMethod]
    public async Task An_old_TLS_version_is_refused_and_logged()
    {
        // A TLS 1.0 ClientHello (record and handshake version 3.1, one cipher suite, no extensions).
        byte[] hello =
        [
            0x16, 0x03, 0x01, 0x00, 0x2D,
            0x01, 0x00, 0x00, 0x29, 0x03, 0x01,
            .. new byte[32],
            0x00, 0x00, 0x02, 0x00, 0x2F, 0x01, 0x00,
        ];
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _cloud.Server.MqttPort);
        await tcp.GetStream().WriteAsync(hello);
        Assert.IsTrue(await RawMqtt.ClosedByBrokerAsync(tcp.GetStream()));
        await _log.WaitForAsync(line => line.Contains("TlsHandshake", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task A_malformed_packet_is_logged()
    {
        using var tcp = await RawMqtt.ConnectedAsync(PlainPort, "malformed");
        // A PUBLISH whose topic length (0x7FFF) runs past its 3-byte body.
        await tcp.GetStream().WriteAsync(new byte[] { 0x30, 0x03, 0x7F, 0xFF, 0x61 });
        Assert.IsTrue(await RawMqtt.ClosedByBrokerAsync(tcp.GetStream()));
        await _log.WaitForAsync(line => line.Contains("MalformedPacket", StringComparison.Ordinal));
    }

    [TestMethod]
    public async Task A_reserved_packet_type_is_logged_as_malformed()
    {
        using var tcp = await RawMqtt.ConnectedAsync(PlainPort, "reserved-type");
        await tcp.GetStream().WriteAsync(new byte[] { 0x00, 0x00 });
        Assert.IsTrue(await RawMqtt.ClosedByBrokerAsync(tcp.GetStream()));
        await _log.WaitForAsync(line => line.Contains("MalformedPacket", StringComparison.Ordinal));
    }
}

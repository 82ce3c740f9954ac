using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Hosting;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Broker;

[TestClass]
public sealed class KeepAliveAndFloodTests
{
    private string _folder = "";
    private LocalIotCoreServer _server = null!;

    [TestInitialize]
    public async Task Init()
    {
        _folder = Path.Combine(Path.GetTempPath(), "localiotcore-ka-" + Guid.NewGuid().ToString("N"));
        _server = await LocalIotCoreServer.StartAsync(new LocalIotCoreOptions { DataDirectory = _folder, MqttPort = 0, HttpPort = 0, PlainApplicationPort = 0 });
    }

    [TestCleanup]
    public async Task Cleanup()
    {
        await _server.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [TestMethod]
    public async Task A_client_silent_past_one_and_a_half_keep_alives_is_dropped()
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync("127.0.0.1", _server.PlainApplicationPort!.Value);
        var stream = socket.GetStream();
        // MQTT 3.1.1 CONNECT, client id "silent", keep-alive 1 s, then nothing at all (no PINGREQ).
        byte[] connect = [0x10, 0x12, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x01, 0x00, 0x06, (byte)'s', (byte)'i', (byte)'l', (byte)'e', (byte)'n', (byte)'t'];
        await stream.WriteAsync(connect);
        var connack = new byte[4];
        await stream.ReadExactlyAsync(connack);
        Assert.AreEqual(0x20, connack[0], "CONNACK");
        Assert.AreEqual(0, connack[3], "accepted");

        var started = DateTime.UtcNow;
        using var timeout = new CancellationTokenSource(TestClient.Patience);
        var read = await stream.ReadAsync(new byte[1], timeout.Token);
        Assert.AreEqual(0, read, "the broker closed the silent connection");
        Assert.IsTrue(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1), "not before the keep-alive period");
    }

    [TestMethod]
    public async Task A_flood_of_updates_is_answered_one_for_one_and_the_shadow_stays_consistent()
    {
        await using var device = await TestClient.DeviceAsync(_server.Authority, _server.MqttPort, "pump-1");
        await device.SubscribeAsync("$aws/things/pump-1/shadow/update/accepted");
        await device.SubscribeAsync("$aws/things/pump-1/shadow/update/rejected");
        const int count = 500;
        var sends = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var payload = i % 10 == 9 ? "{\"state\":" : "{\"state\":{\"reported\":{\"n\":" + i + "}}}";
            sends.Add(device.PublishAsync("$aws/things/pump-1/shadow/update", payload));
        }

        await Task.WhenAll(sends);
        var accepted = 0;
        var rejected = 0;
        while (accepted + rejected < count)
        {
            var reply = await device.NextAsync(t => t.StartsWith("$aws/things/pump-1/shadow/update/", StringComparison.Ordinal));
            if (reply.Topic.EndsWith("/accepted", StringComparison.Ordinal))
            {
                accepted++;
            }
            else
            {
                rejected++;
            }
        }

        Assert.AreEqual(count / 10 * 9, accepted);
        Assert.AreEqual(count / 10, rejected, "every malformed one rejected, none lost");
        var shadow = JsonNode.Parse(_server.Shadows.Get(new LocalIotCore.Shadows.ShadowId("pump-1", null), []).Body)!;
        Assert.AreEqual(accepted, (int)shadow["version"]!);
        Assert.IsTrue(device.Client.IsConnected);
    }
}

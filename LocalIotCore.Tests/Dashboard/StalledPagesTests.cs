using System.Net.Sockets;
using System.Text;
using LocalIotCore.Dashboard;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Dashboard;

/// <summary>
/// Issue 17, hole 4 (the dashboard's part): live-feed readers that never read must not hold up the
/// broker. Their number is bounded, and a page whose write does not complete in time is dropped.
/// </summary>
[TestClass]
public sealed class StalledPagesTests
{
    private const int Readers = 300;

    [TestMethod]
    public async Task Hundreds_of_stalled_pages_do_not_keep_a_new_device_from_connecting()
    {
        await using var cloud = await CloudInFolder.StartAsync("stalled-pages");
        var pages = new List<Socket>();
        try
        {
            var opened = 0;
            var refused = 0;
            for (var i = 0; i < Readers; i++)
            {
                var page = await OpenStalledPageAsync(cloud.Server.HttpPort);
                pages.Add(page);
                var status = await StatusAsync(page);
                opened += status == 200 ? 1 : 0;
                refused += status == 503 ? 1 : 0;
            }

            Assert.AreEqual(LiveFeed.DefaultMaximumSubscribers, opened, "pages up to the bound get their stream");
            Assert.AreEqual(Readers - LiveFeed.DefaultMaximumSubscribers, refused, "the rest are told to retry later");
            Assert.AreEqual(LiveFeed.DefaultMaximumSubscribers, cloud.Server.Feed.SubscriberCount);

            // The open pages hear every change but read none of it.
            await using var device = await TestClient.DeviceAsync(cloud.Server.Authority, cloud.Server.MqttPort, "pump-1");
            await device.SubscribeAsync("$aws/things/pump-1/shadow/update/accepted");
            var pad = new string('x', 3000);
            for (var i = 0; i < 100; i++)
            {
                await device.PublishAsync("$aws/things/pump-1/shadow/update", "{\"state\":{\"reported\":{\"i\":" + i + ",\"pad\":\"" + pad + "\"}}}");
            }

            // A new device still gets its CONNACK, and its shadow request its answer.
            await using var newcomer = await TestClient.DeviceAsync(cloud.Server.Authority, cloud.Server.MqttPort, "pump-2").WaitAsync(TestClient.Patience);
            await newcomer.SubscribeAsync("$aws/things/pump-2/shadow/update/accepted");
            await newcomer.PublishAsync("$aws/things/pump-2/shadow/update", "{\"state\":{\"reported\":{\"ok\":true}}}");
            await newcomer.NextAsync("$aws/things/pump-2/shadow/update/accepted");
        }
        finally
        {
            foreach (var page in pages)
            {
                page.Dispose();
            }
        }
    }

    [TestMethod]
    public async Task A_page_that_stops_reading_is_dropped_at_the_write_deadline()
    {
        var log = new CapturedLog();
        await using var cloud = await CloudInFolder.StartAsync("stalled-page", log, options =>
        {
            options.LivePageWriteDeadline = TimeSpan.FromSeconds(1);
            // A queue long enough that only the write deadline can cut this page off (on a busy machine
            // the page's writer may lag the changes by more than the default 1,024 events).
            options.LivePageQueueLength = 1_000_000;
        });
        using var page = await OpenStalledPageAsync(cloud.Server.HttpPort);
        Assert.AreEqual(200, await StatusAsync(page));
        await using var device = await TestClient.DeviceAsync(cloud.Server.Authority, cloud.Server.MqttPort, "pump-1");

        // Changes until the page's buffers are full and a write waits past the deadline.
        var dropped = log.WaitForAsync(line => line.Contains("dropped: a write did not complete", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
        var pad = new string('x', 6000);
        // About 2,000 changes (12 MB) fill the page's buffers here; 20,000 leave room for other machines.
        for (var i = 0; i < 20_000 && !dropped.IsCompleted; i++)
        {
            await device.PublishAsync("$aws/things/pump-1/shadow/update", "{\"state\":{\"reported\":{\"i\":" + i + ",\"pad\":\"" + pad + "\"}}}");
        }

        await dropped;
        using var stream = new NetworkStream(page, ownsSocket: false);
        Assert.IsTrue(await RawMqtt.ClosedByBrokerAsync(stream), "the dropped page's connection was closed (after what was already buffered)");
    }

    /// <summary>Asks for the live feed with a tiny receive buffer, and from then on reads nothing but the status line.</summary>
    private static async Task<Socket> OpenStalledPageAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
        await socket.ConnectAsync("127.0.0.1", port);
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /api/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"));
        return socket;
    }

    private static async Task<int> StatusAsync(Socket page)
    {
        var statusLine = new byte["HTTP/1.1 200".Length];
        using var timeout = new CancellationTokenSource(TestClient.Patience);
        var read = 0;
        while (read < statusLine.Length)
        {
            var n = await page.ReceiveAsync(statusLine.AsMemory(read), timeout.Token);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return int.Parse(Encoding.ASCII.GetString(statusLine, 9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using LocalIotCore.Dashboard;
using LocalIotCore.Hosting;
using LocalIotCore.Telemetry;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Dashboard;

/// <summary>The dashboard's server side, in-process: the page's files, telemetry history, connection events and the live feed.</summary>
[TestClass]
public sealed class DashboardApiTests
{
    private CloudInFolder _cloud = null!;

    private LocalIotCoreServer _server => _cloud.Server;

    private HttpClient _http => _cloud.Http;

    [TestInitialize]
    public async Task Init() => _cloud = await CloudInFolder.StartAsync("dashboard");

    [TestCleanup]
    public async Task Cleanup() => await _cloud.DisposeAsync();

    private Task<TestClient> Device(string thing) =>
        TestClient.DeviceAsync(_server.Authority, _server.MqttPort, thing, willTopic: "things/" + thing + "/lwt");

    [TestMethod]
    public async Task The_page_and_its_files_are_served_from_the_root()
    {
        using var page = await _http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, page.StatusCode);
        Assert.AreEqual("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        StringAssert.Contains(html, "/dashboard.js");
        StringAssert.Contains(html, "/dashboard.css");
        Assert.AreEqual("http://127.0.0.1:" + _server.HttpPort + "/", _server.DashboardUrl);

        using var script = await _http.GetAsync(new Uri("/dashboard.js", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, script.StatusCode);
        Assert.AreEqual("text/javascript", script.Content.Headers.ContentType?.MediaType);
        StringAssert.Contains(await script.Content.ReadAsStringAsync(), "new EventSource(\"/api/events\")");
        using var style = await _http.GetAsync(new Uri("/dashboard.css", UriKind.Relative));
        Assert.AreEqual("text/css", style.Content.Headers.ContentType?.MediaType);
    }

    [TestMethod]
    public async Task A_device_s_telemetry_is_kept_and_served_since_a_time()
    {
        await using var device = await Device("pump-1");
        await device.PublishAsync("things/pump-1/telemetry", "{\"seq\":1,\"temperatureC\":21.5,\"humidityPct\":40.25,\"pressureHpa\":1013.2}");
        await device.PublishAsync("things/pump-1/telemetry", "{\"seq\":2,\"temperatureC\":21.6}");

        var points = await UntilAsync(async () =>
        {
            var answer = await GetJson("/api/things/pump-1/telemetry");
            var list = answer["points"]!.AsArray();
            return list.Count >= 2 ? list : null;
        });
        Assert.AreEqual(2, points.Count);
        Assert.AreEqual(1, points[0]!["data"]!["seq"]!.GetValue<int>(), "oldest first");
        Assert.AreEqual(21.5, points[0]!["data"]!["temperatureC"]!.GetValue<double>());
        Assert.AreEqual(40.25, points[0]!["data"]!["humidityPct"]!.GetValue<double>());
        var receivedAt = points[1]!["receivedAt"]!.GetValue<long>();

        var later = await GetJson("/api/things/pump-1/telemetry?since=" + (receivedAt + 1));
        Assert.AreEqual(0, later["points"]!.AsArray().Count, "nothing after the newest point");
        var iso = DateTimeOffset.FromUnixTimeMilliseconds(receivedAt).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var sinceIso = await GetJson("/api/things/pump-1/telemetry?since=" + Uri.EscapeDataString(iso));
        var sinceMilliseconds = await GetJson("/api/things/pump-1/telemetry?since=" + receivedAt);
        // Both points may share a millisecond: compare the two forms rather than assume which points fall after it.
        CollectionAssert.AreEqual(Seqs(sinceMilliseconds), Seqs(sinceIso), "an ISO-8601 since works like milliseconds");
        Assert.AreEqual(2, Seqs(sinceIso)[^1], "the newest point is at or after its own time");
        var limited = await GetJson("/api/things/pump-1/telemetry?since=0&limit=1");
        Assert.AreEqual(2, limited["points"]![0]!["data"]!["seq"]!.GetValue<int>(), "a limit keeps the newest points");
        Assert.AreEqual(0, (await GetJson("/api/things/pump-2/telemetry?since=0"))["points"]!.AsArray().Count, "another thing has none");
    }

    private static int[] Seqs(JsonNode answer) => answer["points"]!.AsArray().Select(p => p!["data"]!["seq"]!.GetValue<int>()).ToArray();

    [TestMethod]
    public async Task A_bad_since_or_limit_is_a_400_that_says_why()
    {
        using var since = await _http.GetAsync(new Uri("/api/things/pump-1/telemetry?since=yesterday", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.BadRequest, since.StatusCode);
        StringAssert.Contains(JsonNode.Parse(await since.Content.ReadAsStringAsync())!["message"]!.GetValue<string>(), "since must be Unix milliseconds or an ISO-8601 time");
        using var limit = await _http.GetAsync(new Uri("/api/things/pump-1/telemetry?limit=-3", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.BadRequest, limit.StatusCode);
        using var events = await _http.GetAsync(new Uri("/api/connection-events?limit=x", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.BadRequest, events.StatusCode);
    }

    [TestMethod]
    public async Task Telemetry_that_is_not_a_JSON_object_is_not_kept_and_the_device_stays_connected()
    {
        await using var device = await Device("pump-1");
        await device.PublishAsync("things/pump-1/telemetry", "not json");
        await device.PublishAsync("things/pump-1/telemetry", "[1,2]");
        await device.PublishAsync("things/pump-1/telemetry", new byte[TelemetryHistory.MaximumPayloadBytes + 1]);
        await device.PublishAsync("things/pump-1/telemetry", "{\"seq\":9}");
        var points = await UntilAsync(async () =>
        {
            var list = (await GetJson("/api/things/pump-1/telemetry"))["points"]!.AsArray();
            return list.Count >= 1 ? list : null;
        });
        Assert.AreEqual(1, points.Count, "only the JSON object was kept");
        Assert.AreEqual(9, points[0]!["data"]!["seq"]!.GetValue<int>());
        Assert.IsTrue(device.Client.IsConnected);
    }

    [TestMethod]
    public async Task The_live_feed_pushes_shadow_connection_and_telemetry_changes()
    {
        await using var feed = await FeedReader.OpenAsync(_http);
        Assert.AreEqual("hello", (await feed.NextAsync()).Kind, "the stream opens with hello, the page's cue to load everything");

        await using (var device = await Device("pump-1"))
        {
            var connected = await feed.NextAsync(LiveFeed.Connection);
            Assert.AreEqual("pump-1", connected.Data["thing"]!.GetValue<string>());
            Assert.AreEqual("connected", connected.Data["eventType"]!.GetValue<string>());

            await device.PublishAsync("$aws/things/pump-1/shadow/update", "{\"state\":{\"reported\":{\"MOTOR\":\"OFF\",\"connected\":true}}}");
            var reported = await feed.NextAsync(LiveFeed.Shadow);
            Assert.AreEqual("OFF", reported.Data["document"]!["state"]!["reported"]!["MOTOR"]!.GetValue<string>());

            // The page's toggle: the data-plane API; the feed shows the document with desired and its metadata.
            using var toggle = await _http.PostAsync(new Uri("/things/pump-1/shadow", UriKind.Relative), new StringContent("{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}", Encoding.UTF8, "application/json"));
            Assert.AreEqual(HttpStatusCode.OK, toggle.StatusCode);
            var desired = await feed.NextAsync(LiveFeed.Shadow);
            Assert.AreEqual("ON", desired.Data["document"]!["state"]!["desired"]!["MOTOR"]!.GetValue<string>());
            Assert.IsNotNull(desired.Data["document"]!["metadata"]!["desired"]!["MOTOR"]!["timestamp"]);

            await device.PublishAsync("things/pump-1/telemetry", "{\"seq\":7,\"temperatureC\":19.75}");
            var telemetry = await feed.NextAsync(LiveFeed.Telemetry);
            Assert.AreEqual(19.75, telemetry.Data["data"]!["temperatureC"]!.GetValue<double>());
            Assert.IsTrue(telemetry.Data["receivedAt"]!.GetValue<long>() > 0);
        }

        var disconnected = await feed.NextAsync(LiveFeed.Connection);
        Assert.AreEqual("disconnected", disconnected.Data["eventType"]!.GetValue<string>());
        Assert.AreEqual("CLIENT_INITIATED_DISCONNECT", disconnected.Data["disconnectReason"]!.GetValue<string>());
    }

    [TestMethod]
    public async Task Recent_connection_events_are_listed_newest_first_and_survive_a_restart()
    {
        await using (var device = await Device("pump-1"))
        {
            await UntilAsync(() => Task.FromResult(_server.Connections.Find("pump-1")?.Connected == true ? "" : null));
        }

        await UntilAsync(() => Task.FromResult(_server.Connections.Find("pump-1")?.Connected == false ? "" : null));
        var events = (await GetJson("/api/connection-events"))["events"]!.AsArray();
        Assert.AreEqual(2, events.Count);
        Assert.AreEqual("disconnected", events[0]!["eventType"]!.GetValue<string>(), "newest first");
        Assert.AreEqual("connected", events[1]!["eventType"]!.GetValue<string>());
        Assert.AreEqual(events[0]!["sessionIdentifier"]!.GetValue<string>(), events[1]!["sessionIdentifier"]!.GetValue<string>());

        await _cloud.RestartAsync();
        Assert.AreEqual(2, (await GetJson("/api/connection-events?limit=10"))["events"]!.AsArray().Count);
    }

    [TestMethod]
    public async Task Stopping_LocalIotCore_ends_an_open_page_s_stream_at_once()
    {
        await using var feed = await FeedReader.OpenAsync(_http);
        Assert.AreEqual("hello", (await feed.NextAsync()).Kind);
        var stop = _cloud.StopAsync();
        // Without ending the streams, the HTTP host would wait its whole shutdown timeout (30 s) for the page.
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsTrue(await feed.EndedAsync(TimeSpan.FromSeconds(10)), "the page's stream ended");
    }

    private async Task<JsonNode> GetJson(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, path);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow + TestClient.Patience;
        while (true)
        {
            if (await probe() is T value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new AssertFailedException("not within " + TestClient.Patience.TotalSeconds + " s");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Reads a Server-Sent Events stream as a browser's EventSource does: "event:" and "data:" lines, a blank line ends an event.</summary>
    private sealed class FeedReader : IAsyncDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly Channel<(string Kind, JsonNode Data)> _events = Channel.CreateUnbounded<(string, JsonNode)>();
        private readonly Task _pump;
        private readonly CancellationTokenSource _stop = new();

        private FeedReader(HttpResponseMessage response, Stream body)
        {
            _response = response;
            _pump = PumpAsync(body);
        }

        public static async Task<FeedReader> OpenAsync(HttpClient http)
        {
            var response = await http.GetAsync(new Uri("/api/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
            Assert.AreEqual("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new FeedReader(response, await response.Content.ReadAsStreamAsync());
        }

        public async Task<(string Kind, JsonNode Data)> NextAsync(string? kind = null)
        {
            using var timeout = new CancellationTokenSource(TestClient.Patience);
            while (true)
            {
                var next = await _events.Reader.ReadAsync(timeout.Token);
                if (kind is null || next.Kind == kind)
                {
                    return next;
                }
            }
        }

        public async Task<bool> EndedAsync(TimeSpan within)
        {
            try
            {
                await _pump.WaitAsync(within);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _response.Dispose();
            try
            {
                await _pump;
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or HttpRequestException)
            {
                // The stream was cut by the dispose.
            }

            _stop.Dispose();
        }

        private async Task PumpAsync(Stream body)
        {
            using var reader = new StreamReader(body, Encoding.UTF8);
            string kind = "message";
            var data = new StringBuilder();
            try
            {
                while (await reader.ReadLineAsync(_stop.Token) is string line)
                {
                    if (line.Length == 0)
                    {
                        if (data.Length > 0)
                        {
                            _events.Writer.TryWrite((kind, JsonNode.Parse(data.ToString())!));
                        }

                        kind = "message";
                        data.Clear();
                    }
                    else if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        kind = line["event: ".Length..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        data.Append(line, "data: ".Length, line.Length - "data: ".Length);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                // The server ended the stream abruptly: that is an end too.
            }
        }
    }
}

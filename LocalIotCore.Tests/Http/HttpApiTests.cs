using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Hosting;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Http;

[TestClass]
public sealed class HttpApiTests
{
    private CloudInFolder _cloud = null!;

    private LocalIotCoreServer _server => _cloud.Server;

    private HttpClient _http => _cloud.Http;

    [TestInitialize]
    public async Task Init() => _cloud = await CloudInFolder.StartAsync("http");

    [TestCleanup]
    public async Task Cleanup() => await _cloud.DisposeAsync();

    private async Task<(int Status, JsonNode Body)> Send(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    /// <summary>Timestamps differ between runs; everything else must match.</summary>
    private static JsonNode? WithoutTimestamps(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var pair in obj)
                {
                    copy[pair.Key] = pair.Key == "timestamp" ? 0 : WithoutTimestamps(pair.Value);
                }

                return copy;
            case JsonArray array:
                var items = new JsonArray();
                foreach (var item in array)
                {
                    items.Add(WithoutTimestamps(item));
                }

                return items;
            default:
                return node?.DeepClone();
        }
    }

    [TestMethod]
    public async Task The_HTTP_data_plane_answers_exactly_like_the_MQTT_path()
    {
        var cases = new (string Operation, string Payload)[]
        {
            ("get", ""),
            ("update", "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"},\"reported\":{\"MOTOR\":\"OFF\"}},\"clientToken\":\"c1\"}"),
            ("update", "{\"state\":{\"reported\":{\"MOTOR\":\"ON\"}},\"version\":1}"),
            ("update", "{\"state\":{\"reported\":{\"x\":1}},\"version\":9,\"clientToken\":\"stale\"}"),
            ("update", "{\"state\":"),
            ("update", "{\"state\":{\"desired\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":1}}}}}}}}}"),
            ("update", "{\"state\":{\"desired\":{\"blob\":\"" + new string('x', 8300) + "\"}}}"),
            ("get", "{\"clientToken\":\"g\"}"),
            ("delete", ""),
            ("get", ""),
        };
        await using var app = await TestClient.ApplicationAsync(_server.PlainApplicationPort!.Value, "$aws/things/viaMqtt/shadow/+/+");
        foreach (var (operation, payload) in cases)
        {
            var method = operation switch { "get" => HttpMethod.Get, "update" => HttpMethod.Post, _ => HttpMethod.Delete };
            var (status, httpBody) = await Send(method, "/things/viaHttp/shadow", operation == "get" && payload.Length == 0 ? null : payload);

            await app.PublishAsync("$aws/things/viaMqtt/shadow/" + operation, payload);
            var reply = await app.NextAsync(t => t.StartsWith("$aws/things/viaMqtt/shadow/" + operation + "/", StringComparison.Ordinal) && !t.EndsWith("/delta", StringComparison.Ordinal) && !t.EndsWith("/documents", StringComparison.Ordinal));
            var mqttBody = JsonNode.Parse(reply.Payload.Replace("viaMqtt", "viaHttp", StringComparison.Ordinal))!;
            var mqttStatus = reply.Topic.EndsWith("/accepted", StringComparison.Ordinal) ? 200 : (int)mqttBody["code"]!;

            Assert.AreEqual(mqttStatus, status, operation + " " + payload[..Math.Min(40, payload.Length)]);
            Assert.IsTrue(JsonNode.DeepEquals(WithoutTimestamps(mqttBody), WithoutTimestamps(httpBody)),
                "MQTT " + mqttBody.ToJsonString()[..Math.Min(300, mqttBody.ToJsonString().Length)] + "\nHTTP " + httpBody.ToJsonString()[..Math.Min(300, httpBody.ToJsonString().Length)]);
        }
    }

    [TestMethod]
    public async Task An_HTTP_update_reaches_devices_as_a_delta()
    {
        await using var device = await TestClient.DeviceAsync(_server.Authority, _server.MqttPort, "pump-1");
        await device.SubscribeAsync("$aws/things/pump-1/shadow/update/delta");
        var (status, _) = await Send(HttpMethod.Post, "/things/pump-1/shadow", "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}");
        Assert.AreEqual(200, status);
        var delta = JsonNode.Parse((await device.NextAsync("$aws/things/pump-1/shadow/update/delta")).Payload)!;
        Assert.AreEqual("ON", (string)delta["state"]!["MOTOR"]!);
    }

    [TestMethod]
    public async Task Things_lists_shadows_with_connection_state_and_fan_out_writes_every_thing()
    {
        await using var device = await TestClient.DeviceAsync(_server.Authority, _server.MqttPort, "pump-1");
        await Send(HttpMethod.Post, "/things/pump-1/shadow", "{\"state\":{\"reported\":{\"connected\":true}}}");
        await Send(HttpMethod.Post, "/things/pump-2/shadow", "{\"state\":{\"reported\":{\"connected\":false}}}");
        await Send(HttpMethod.Post, "/things/pump-2/shadow?name=config", "{\"state\":{\"reported\":{\"rate\":1}}}");

        var (_, things) = await Send(HttpMethod.Get, "/api/things");
        var list = things["things"]!.AsArray();
        Assert.AreEqual(2, list.Count, "classic shadows, one entry per thing");
        Assert.AreEqual("pump-1", (string)list[0]!["thing"]!);
        Assert.IsTrue((bool)list[0]!["connection"]!["connected"]!);
        Assert.IsTrue((bool)list[0]!["shadow"]!["state"]!["reported"]!["connected"]!);
        Assert.IsNull(list[1]!["connection"], "pump-2 never connected");

        var (status, fanout) = await Send(HttpMethod.Post, "/api/fanout", "{\"desired\":{\"s3\":{\"url\":\"s3://bucket/fw.bin\",\"hash\":\"abc\"}}}");
        Assert.AreEqual(200, status);
        var results = fanout["results"]!.AsArray();
        Assert.AreEqual(2, results.Count);
        foreach (var result in results)
        {
            Assert.AreEqual(200, (int)result!["status"]!);
        }

        var (_, pump2) = await Send(HttpMethod.Get, "/things/pump-2/shadow");
        Assert.AreEqual("abc", (string)pump2["state"]!["desired"]!["s3"]!["hash"]!);
        Assert.AreEqual(400, (await Send(HttpMethod.Post, "/api/fanout", "{\"nope\":1}")).Status);

        var (notificationsStatus, notifications) = await Send(HttpMethod.Get, "/api/notifications");
        Assert.AreEqual(200, notificationsStatus);
        Assert.AreEqual(0, notifications["notifications"]!.AsArray().Count);
    }

    [TestMethod]
    public async Task Shadows_and_connection_state_survive_a_restart()
    {
        var device = await TestClient.DeviceAsync(_server.Authority, _server.MqttPort, "pump-1");
        await Send(HttpMethod.Post, "/things/pump-1/shadow", "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}");
        var (_, before) = await Send(HttpMethod.Get, "/things/pump-1/shadow");
        await device.DisposeAsync();
        await _cloud.RestartAsync();
        var (status, after) = await Send(HttpMethod.Get, "/things/pump-1/shadow");
        Assert.AreEqual(200, status);
        Assert.IsTrue(JsonNode.DeepEquals(WithoutTimestamps(before), WithoutTimestamps(after)), after.ToJsonString());
        var (_, things) = await Send(HttpMethod.Get, "/api/things");
        Assert.AreEqual("CLIENT_INITIATED_DISCONNECT", (string)things["things"]![0]!["connection"]!["lastDisconnectReason"]!);
        await using var again = await TestClient.DeviceAsync(_server.Authority, _server.MqttPort, "pump-1");
        Assert.IsTrue(again.Client.IsConnected, "the CA persisted, so the device's certificate is still trusted");
    }
}

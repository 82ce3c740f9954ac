using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Http;
using LocalIotCore.Tests.Support;
using MQTTnet;
using MQTTnet.Protocol;

namespace LocalIotCore.Tests.Http;

/// <summary>The data plane's Publish, GetRetainedMessage and ListRetainedMessages, seen from MQTT clients and from boto3.</summary>
[TestClass]
public sealed class PublishEndpointsTests
{
    private CloudInFolder _cloud = null!;

    [TestInitialize]
    public async Task Init() => _cloud = await CloudInFolder.StartAsync("publish");

    [TestCleanup]
    public async Task Cleanup() => await _cloud.DisposeAsync();

    private int PlainPort => _cloud.Server.PlainApplicationPort!.Value;

    private async Task<(int Status, string? Type, JsonNode? Body)> SendAsync(HttpMethod method, string path, byte[]? payload = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = payload is null ? null : new ByteArrayContent(payload) };
        using var response = await _cloud.Http.SendAsync(request);
        var type = response.Headers.TryGetValues(AwsError.ErrorTypeHeader, out var values) ? string.Join(",", values) : null;
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, type, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private Task<(int Status, string? Type, JsonNode? Body)> PublishAsync(string topic, string payload, string query = "") =>
        SendAsync(HttpMethod.Post, "/topics/" + Uri.EscapeDataString(topic) + query, Encoding.UTF8.GetBytes(payload));

    [TestMethod]
    public async Task A_published_message_reaches_MQTT_subscribers_a_device_and_an_application()
    {
        await using var app = await TestClient.ApplicationAsync(PlainPort, "data/#");
        // A device whose policy allows its own command topic (the default device policy names only shadow topics).
        await using var device = await TestClient.DeviceAsync(_cloud.Server.Authority, _cloud.Server.MqttPort, "pump-1", register: c => TestPrincipals.RegisterThing(_cloud.Server.Registry, c, "pump-1"));
        await device.SubscribeAsync("things/pump-1/cmd");

        var (status, type, body) = await PublishAsync("data/temperature", "{\"t\":21.5}", "?qos=1");
        Assert.AreEqual((200, (string?)null, "{}"), (status, type, body!.ToJsonString()));
        Assert.AreEqual(("data/temperature", "{\"t\":21.5}"), await app.NextAsync("data/temperature"));

        Assert.AreEqual(200, (await PublishAsync("things/pump-1/cmd", "run")).Status);
        Assert.AreEqual("run", (await device.NextAsync("things/pump-1/cmd")).Payload);
    }

    [TestMethod]
    public async Task A_publish_to_a_shadow_topic_updates_the_shadow_as_an_MQTT_publish_would()
    {
        await using var app = await TestClient.ApplicationAsync(PlainPort, "$aws/things/pump-1/shadow/update/accepted");
        Assert.AreEqual(200, (await PublishAsync("$aws/things/pump-1/shadow/update", "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}", "?qos=1")).Status);
        await app.NextAsync("$aws/things/pump-1/shadow/update/accepted");
        var (status, _, shadow) = await SendAsync(HttpMethod.Get, "/things/pump-1/shadow");
        Assert.AreEqual((200, "ON"), (status, (string?)shadow!["state"]!["desired"]!["MOTOR"]));
    }

    [TestMethod]
    public async Task Bad_requests_get_AWS_error_types()
    {
        Assert.AreEqual((400, "InvalidRequestException"), Head(await PublishAsync("data/x", "1", "?qos=2")));
        Assert.AreEqual((400, "InvalidRequestException"), Head(await PublishAsync("data/x", "1", "?retain=maybe")));
        Assert.AreEqual((400, "InvalidRequestException"), Head(await PublishAsync("data/+", "1")));
        Assert.AreEqual((400, "InvalidRequestException"), Head(await PublishAsync(new string('t', 300), "1")));
        Assert.AreEqual((413, "RequestEntityTooLargeException"), Head(await PublishAsync("data/x", new string('x', 128 * 1024 + 1))));
        Assert.AreEqual((403, "ForbiddenException"), Head(await PublishAsync("$aws/things/pump-1/shadow/update/delta", "{}")), "only the shadow service publishes there");
        Assert.AreEqual((405, "MethodNotAllowedException"), Head(await SendAsync(HttpMethod.Get, "/topics/data%2Fx")));
        Assert.AreEqual((404, "ResourceNotFoundException"), Head(await SendAsync(HttpMethod.Get, "/retainedMessage/" + Uri.EscapeDataString("data/none"))));
        Assert.AreEqual((400, "InvalidRequestException"), Head(await SendAsync(HttpMethod.Get, "/retainedMessage?maxResults=0")));
        Assert.AreEqual(200, (await PublishAsync("data/x", new string('x', 128 * 1024))).Status, "128 KB is allowed");
    }

    private static (int, string?) Head((int Status, string? Type, JsonNode? Body) response) => (response.Status, response.Type);

    [TestMethod]
    public async Task A_retained_publish_is_kept_given_to_new_subscribers_and_cleared_by_an_empty_one()
    {
        Assert.AreEqual(200, (await PublishAsync("status/pump-1", "{\"ok\":true}", "?qos=1&retain=true")).Status);
        await using (var late = await TestClient.ApplicationAsync(PlainPort, "status/+"))
        {
            Assert.AreEqual("{\"ok\":true}", (await late.NextAsync("status/pump-1")).Payload, "a new subscriber gets the retained message");
        }

        var (status, _, body) = await SendAsync(HttpMethod.Get, "/retainedMessage/" + Uri.EscapeDataString("status/pump-1"));
        Assert.AreEqual(200, status);
        Assert.AreEqual("status/pump-1", (string?)body!["topic"]);
        Assert.AreEqual("{\"ok\":true}", Encoding.UTF8.GetString(Convert.FromBase64String((string)body["payload"]!)));
        Assert.AreEqual(1, (int)body["qos"]!);
        Assert.IsGreaterThan(0L, (long)body["lastModifiedTime"]!);

        Assert.AreEqual(200, (await PublishAsync("status/pump-1", "", "?retain=true")).Status);
        Assert.AreEqual(404, (await SendAsync(HttpMethod.Get, "/retainedMessage/" + Uri.EscapeDataString("status/pump-1"))).Status, "an empty retained publish clears it");
    }

    [TestMethod]
    public async Task A_device_retained_message_survives_a_restart()
    {
        await using (var device = await TestClient.DeviceAsync(_cloud.Server.Authority, _cloud.Server.MqttPort, "pump-1", register: c => TestPrincipals.RegisterThing(_cloud.Server.Registry, c, "pump-1")))
        {
            await device.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("things/pump-1/status").WithPayload("online").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build());
        }

        await _cloud.RestartAsync();
        var (status, _, body) = await SendAsync(HttpMethod.Get, "/retainedMessage/" + Uri.EscapeDataString("things/pump-1/status"));
        Assert.AreEqual((200, "online"), (status, Encoding.UTF8.GetString(Convert.FromBase64String((string)body!["payload"]!))));
        await using var late = await TestClient.ApplicationAsync(PlainPort, "things/+/status");
        Assert.AreEqual("online", (await late.NextAsync("things/pump-1/status")).Payload, "MQTT subscribers get it after the restart too");
    }

    [TestMethod]
    public async Task Retained_topics_are_listed_page_by_page()
    {
        foreach (var topic in new[] { "r/b", "r/a", "r/c" })
        {
            Assert.AreEqual(200, (await PublishAsync(topic, "12345", "?retain=true")).Status);
        }

        var (_, _, first) = await SendAsync(HttpMethod.Get, "/retainedMessage?maxResults=2");
        var page = first!["retainedTopics"]!.AsArray();
        CollectionAssert.AreEqual(new[] { "r/a", "r/b" }, page.Select(t => (string?)t!["topic"]).ToArray());
        Assert.AreEqual(5, (long)page[0]!["payloadSize"]!);
        Assert.AreEqual(0, (int)page[0]!["qos"]!);
        var token = (string?)first["nextToken"];
        Assert.IsNotNull(token);

        var (_, _, second) = await SendAsync(HttpMethod.Get, "/retainedMessage?maxResults=2&nextToken=" + WebUtility.UrlEncode(token));
        CollectionAssert.AreEqual(new[] { "r/c" }, second!["retainedTopics"]!.AsArray().Select(t => (string?)t!["topic"]).ToArray());
        Assert.IsNull((string?)second["nextToken"]);
    }

    [TestMethod]
    public async Task Boto3_publishes_to_an_MQTT_subscriber_and_reads_retained_messages()
    {
        await AwsClients.RequireBoto3Async();
        await using var app = await TestClient.ApplicationAsync(PlainPort, "data/#");
        const string script = """
            import sys, boto3
            client = boto3.client("iot-data", endpoint_url=sys.argv[1], region_name="us-east-1",
                                  aws_access_key_id="x", aws_secret_access_key="x")
            client.publish(topic="data/temperature", qos=1, payload=b'{"t":21.5}')
            for topic in ("data/a", "data/b", "data/c"):
                client.publish(topic=topic, qos=1, retain=True, payload=topic.encode())
            message = client.get_retained_message(topic="data/b")
            print(message["topic"], message["payload"].decode(), message["qos"])
            try:
                client.get_retained_message(topic="data/none")
            except client.exceptions.ResourceNotFoundException:
                print("ResourceNotFoundException")
            pages = client.get_paginator("list_retained_messages").paginate(PaginationConfig={"PageSize": 2})
            print(";".join(",".join(t["topic"] for t in page["retainedTopics"]) for page in pages))
            """;
        var (exit, output, error) = await AwsClients.RunPythonAsync(script, "http://127.0.0.1:" + _cloud.Server.HttpPort);
        Assert.AreEqual(0, exit, error);
        CollectionAssert.AreEqual(new[] { "data/b data/b 1", "ResourceNotFoundException", "data/a,data/b;data/c" }, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), output + error);
        Assert.AreEqual("{\"t\":21.5}", (await app.NextAsync("data/temperature")).Payload, "boto3's publish reached the MQTT subscriber");
    }
}

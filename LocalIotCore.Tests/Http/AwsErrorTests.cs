using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Http;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Http;

/// <summary>Every data-plane error carries x-amzn-ErrorType, so SDKs raise their modelled exceptions.</summary>
[TestClass]
public sealed class AwsErrorTests
{
    private CloudInFolder _cloud = null!;

    [TestInitialize]
    public async Task Init() => _cloud = await CloudInFolder.StartAsync("awserror");

    [TestCleanup]
    public async Task Cleanup() => await _cloud.DisposeAsync();

    private async Task<(int Status, string? Type, JsonNode Body)> Send(HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await _cloud.Http.SendAsync(request);
        var type = response.Headers.TryGetValues(AwsError.ErrorTypeHeader, out var values) ? string.Join(",", values) : null;
        return ((int)response.StatusCode, type, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [TestMethod]
    public async Task Shadow_errors_keep_their_body_and_gain_the_error_type()
    {
        var (status, type, body) = await Send(HttpMethod.Get, "/things/nobody/shadow");
        Assert.AreEqual((404, "ResourceNotFoundException"), (status, type));
        Assert.AreEqual(404, (int)body["code"]!);
        Assert.IsFalse(string.IsNullOrEmpty((string?)body["message"]));

        (status, type, body) = await Send(HttpMethod.Post, "/things/pump-1/shadow", Json("{\"state\":"));
        Assert.AreEqual((400, "InvalidRequestException", 400), (status, type, (int)body["code"]!));

        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/pump-1/shadow", Json("{\"state\":{\"reported\":{\"a\":1}}}"))).Status);
        (status, type, body) = await Send(HttpMethod.Post, "/things/pump-1/shadow", Json("{\"state\":{\"reported\":{\"a\":2}},\"version\":7}"));
        Assert.AreEqual((409, "ConflictException", 409), (status, type, (int)body["code"]!));

        using var latin1 = new ByteArrayContent([(byte)'{', (byte)'"', 0xE9, (byte)'"', (byte)':', (byte)'1', (byte)'}']);
        (status, type, _) = await Send(HttpMethod.Post, "/things/pump-1/shadow", latin1);
        Assert.AreEqual((415, "UnsupportedDocumentEncodingException"), (status, type));

        (status, type, _) = await Send(HttpMethod.Get, "/things/pump-1/shadow");
        Assert.AreEqual((200, (string?)null), (status, type), "successes carry no error type");
    }

    [TestMethod]
    public async Task Oversized_payloads_unknown_paths_and_wrong_methods_answer_as_AWS_does()
    {
        var (status, type, body) = await Send(HttpMethod.Post, "/things/pump-1/shadow", Json("{\"x\":\"" + new string('x', 200_000) + "\"}"));
        Assert.AreEqual((413, "RequestEntityTooLargeException"), (status, type));
        Assert.IsFalse(string.IsNullOrEmpty((string?)body["message"]));

        (status, type, body) = await Send(HttpMethod.Put, "/things/pump-1/shadow", Json("{}"));
        Assert.AreEqual((405, "MethodNotAllowedException"), (status, type));
        Assert.IsFalse(string.IsNullOrEmpty((string?)body["message"]));

        (status, type, _) = await Send(HttpMethod.Post, "/api/things/shadow/ListNamedShadowsForThing/pump-1");
        Assert.AreEqual((405, "MethodNotAllowedException"), (status, type));

        (status, type, body) = await Send(HttpMethod.Get, "/things/pump-1/nothing/here");
        Assert.AreEqual((404, "ResourceNotFoundException"), (status, type));
        Assert.IsFalse(string.IsNullOrEmpty((string?)body["message"]));

        (status, type, _) = await Send(HttpMethod.Post, "/api/fanout", Json("{\"nope\":1}"));
        Assert.AreEqual((400, "InvalidRequestException"), (status, type));
    }

    [TestMethod]
    public async Task Named_shadows_are_listed_page_by_page()
    {
        foreach (var name in new[] { "cfg", "alpha", "zeta" })
        {
            Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/pump-1/shadow?name=" + name, Json("{\"state\":{\"reported\":{\"a\":1}}}"))).Status);
        }

        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/pump-1/shadow", Json("{\"state\":{\"reported\":{\"a\":1}}}"))).Status);
        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/pump-2/shadow?name=other", Json("{\"state\":{\"reported\":{\"a\":1}}}"))).Status);

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var (status, _, body) = await Send(HttpMethod.Get, "/api/things/shadow/ListNamedShadowsForThing/pump-1?pageSize=1" + (token is null ? "" : "&nextToken=" + Uri.EscapeDataString(token)));
            Assert.AreEqual(200, status);
            var results = body["results"]!.AsArray();
            Assert.AreEqual(1, results.Count);
            Assert.IsTrue((long)body["timestamp"]! > 1_600_000_000);
            seen.Add((string)results[0]!);
            token = (string?)body["nextToken"];
            pages++;
        }
        while (token is not null && pages < 10);

        CollectionAssert.AreEqual(new[] { "alpha", "cfg", "zeta" }, seen);

        var (allStatus, _, all) = await Send(HttpMethod.Get, "/api/things/shadow/ListNamedShadowsForThing/pump-1");
        Assert.AreEqual(200, allStatus);
        Assert.AreEqual(3, all["results"]!.AsArray().Count);
        Assert.IsNull(all["nextToken"]);

        var (badStatus, badType, _) = await Send(HttpMethod.Get, "/api/things/shadow/ListNamedShadowsForThing/pump-1?pageSize=0");
        Assert.AreEqual((400, "InvalidRequestException"), (badStatus, badType));
    }

    [TestMethod]
    public async Task Boto3_raises_its_modelled_exceptions_and_lists_named_shadows()
    {
        await AwsClients.RequireBoto3Async();
        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/pump-1/shadow?name=cfg", Json("{\"state\":{\"reported\":{\"a\":1}}}"))).Status);
        const string script = """
            import sys, boto3
            client = boto3.client("iot-data", endpoint_url=sys.argv[1], region_name="us-east-1",
                                  aws_access_key_id="x", aws_secret_access_key="x")
            try:
                client.get_thing_shadow(thingName="nobody")
                print("no exception")
            except client.exceptions.ResourceNotFoundException:
                print("ResourceNotFoundException")
            print(",".join(client.list_named_shadows_for_thing(thingName="pump-1")["results"]))
            """;
        var (exit, output, error) = await AwsClients.RunPythonAsync(script, "http://127.0.0.1:" + _cloud.Server.HttpPort);
        Assert.AreEqual(0, exit, error);
        CollectionAssert.AreEqual(new[] { "ResourceNotFoundException", "cfg" }, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), output + error);
    }
}

using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Http;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Rules;

/// <summary>The topic-rules operations in AWS's REST shapes, against LocalIotCore in-process.</summary>
[TestClass]
public sealed class TopicRulesApiTests
{
    private const string CopyRule = """
        { "sql": "SELECT current.state AS state FROM '$aws/things/+/shadow/update/documents'", "ruleDisabled": false, "awsIotSqlVersion": "2016-03-23",
          "actions": [ { "republish": { "topic": "$$aws/things/copy_${topic(3)}/shadow/update", "qos": 1 } } ] }
        """;

    private CloudInFolder _cloud = null!;

    [TestInitialize]
    public async Task Init() => _cloud = await CloudInFolder.StartAsync("topicrules");

    [TestCleanup]
    public async Task Cleanup() => await _cloud.DisposeAsync();

    private async Task<(int Status, string? Type, string Body)> Send(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await _cloud.Http.SendAsync(request);
        var type = response.Headers.TryGetValues(AwsError.ErrorTypeHeader, out var values) ? string.Join(",", values) : null;
        return ((int)response.StatusCode, type, await response.Content.ReadAsStringAsync());
    }

    [TestMethod]
    public async Task A_created_rule_runs_is_listed_and_survives_a_restart()
    {
        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/rules/copyShadow", CopyRule)).Status);

        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/pump_1/shadow", """{"state":{"reported":{"speed":3}}}""")).Status);
        var copy = await Send(HttpMethod.Get, "/things/copy_pump_1/shadow");
        Assert.AreEqual(200, copy.Status, "the rule republished the documents to the copy's shadow");
        Assert.AreEqual(3, (int)JsonNode.Parse(copy.Body)!["state"]!["reported"]!["speed"]!);

        StringAssert.Contains(File.ReadAllText(Path.Combine(_cloud.Server.DataDirectory, "rules.json")), "FROM '$aws/things/+/shadow/update/documents'", "rules.json stays readable");
        await _cloud.RestartAsync();
        var (status, _, body) = await Send(HttpMethod.Get, "/rules/copyShadow");
        Assert.AreEqual(200, status);
        var got = JsonNode.Parse(body)!;
        Assert.AreEqual("arn:aws:iot:us-east-1:000000000000:rule/copyShadow", (string?)got["ruleArn"]);
        Assert.AreEqual("copyShadow", (string?)got["rule"]!["ruleName"]);
        StringAssert.StartsWith((string?)got["rule"]!["sql"], "SELECT current.state AS state");
        Assert.IsNotNull(got["rule"]!["createdAt"]);

        var list = JsonNode.Parse((await Send(HttpMethod.Get, "/rules")).Body)!["rules"]!.AsArray();
        CollectionAssert.AreEqual(new[] { "lastWillToShadow", "disconnectNotifier", "connectionTable", "copyShadow" }, list.Select(r => (string?)r!["ruleName"]).ToArray());
        Assert.AreEqual("$aws/things/+/shadow/update/documents", (string?)list[3]!["topicPattern"]);
    }

    [TestMethod]
    public async Task A_created_rule_fires_on_a_devices_mqtt_publish_with_its_client_id()
    {
        const string rule = """
            { "sql": "SELECT temperature, clientid() AS client FROM 'things/+/telemetry' WHERE temperature > 30",
              "actions": [ { "republish": { "topic": "alerts/${topic(2)}", "roleArn": "arn:aws:iam::000000000000:role/unused" } } ] }
            """;
        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/rules/hot", rule)).Status);
        await using var app = await TestClient.ApplicationAsync(_cloud.Server.PlainApplicationPort!.Value, "alerts/#");
        await using var device = await TestClient.DeviceAsync(_cloud.Server.Authority, _cloud.Server.MqttPort, "pump-1");

        await device.PublishAsync("things/pump-1/telemetry", """{"temperature":20}""");
        await device.PublishAsync("things/pump-1/telemetry", """{"temperature":35}""");

        var alert = await app.NextAsync("alerts/pump-1");
        Assert.AreEqual("""{"temperature":35,"client":"pump-1"}""", alert.Payload, "only the hot reading, with the publishing client's id");
    }

    [TestMethod]
    public async Task Errors_have_AWSs_types()
    {
        var bad = await Send(HttpMethod.Post, "/rules/broken", """{ "sql": "SELECT * FRM 'a'", "actions": [] }""");
        Assert.AreEqual((400, "SqlParseException"), (bad.Status, bad.Type));
        StringAssert.Contains(bad.Body, "offset 9");

        Assert.AreEqual((400, "InvalidRequestException"), Pick(await Send(HttpMethod.Post, "/rules/noActions", """{ "sql": "SELECT * FROM 'a'" }""")));
        Assert.AreEqual((409, "ResourceAlreadyExistsException"), Pick(await Send(HttpMethod.Post, "/rules/lastWillToShadow", CopyRule)));
        Assert.AreEqual((401, "UnauthorizedException"), Pick(await Send(HttpMethod.Get, "/rules/nothing")));
        Assert.AreEqual((401, "UnauthorizedException"), Pick(await Send(HttpMethod.Patch, "/rules/nothing", CopyRule)));
        Assert.AreEqual((401, "UnauthorizedException"), Pick(await Send(HttpMethod.Delete, "/rules/nothing")));
        Assert.AreEqual((400, "InvalidRequestException"), Pick(await Send(HttpMethod.Get, "/rules?maxResults=0")));
    }

    [TestMethod]
    public async Task Replace_disables_and_delete_removes_a_rule()
    {
        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/rules/copyShadow", CopyRule)).Status);
        Assert.AreEqual(200, (await Send(HttpMethod.Patch, "/rules/copyShadow", CopyRule.Replace("\"ruleDisabled\": false", "\"ruleDisabled\": true", StringComparison.Ordinal))).Status);

        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/pump_2/shadow", """{"state":{"reported":{"speed":1}}}""")).Status);
        Assert.AreEqual(404, (await Send(HttpMethod.Get, "/things/copy_pump_2/shadow")).Status, "a disabled rule does not run");
        var disabled = JsonNode.Parse((await Send(HttpMethod.Get, "/rules?ruleDisabled=true")).Body)!["rules"]!.AsArray();
        Assert.HasCount(1, disabled);

        Assert.AreEqual(200, (await Send(HttpMethod.Delete, "/rules/copyShadow")).Status);
        Assert.AreEqual(401, (await Send(HttpMethod.Get, "/rules/copyShadow")).Status);
    }

    [TestMethod]
    public async Task List_pages_with_next_token()
    {
        var first = JsonNode.Parse((await Send(HttpMethod.Get, "/rules?maxResults=1")).Body)!;
        Assert.AreEqual("lastWillToShadow", (string?)first["rules"]![0]!["ruleName"]);
        var token = (string?)first["nextToken"];
        Assert.IsNotNull(token);

        var second = JsonNode.Parse((await Send(HttpMethod.Get, "/rules?maxResults=1&nextToken=" + token)).Body)!;
        Assert.AreEqual("disconnectNotifier", (string?)second["rules"]![0]!["ruleName"]);
        token = (string?)second["nextToken"];
        Assert.IsNotNull(token);

        var third = JsonNode.Parse((await Send(HttpMethod.Get, "/rules?maxResults=1&nextToken=" + token)).Body)!;
        Assert.AreEqual("connectionTable", (string?)third["rules"]![0]!["ruleName"]);
        Assert.IsNull(third["nextToken"]);
    }

    private static (int, string?) Pick((int Status, string? Type, string Body) response) => (response.Status, response.Type);
}

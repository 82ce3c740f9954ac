using System.Text.Json.Nodes;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Rules;

/// <summary>Topic rules driven by AWS's own clients (AWS CLI v2, boto3), as a user points them at LocalIotCore.</summary>
[TestClass]
public sealed class TopicRulesAwsClientsTests
{
    private CloudInFolder _cloud = null!;

    [TestInitialize]
    public async Task Init() => _cloud = await CloudInFolder.StartAsync("rules-aws");

    [TestCleanup]
    public async Task Cleanup() => await _cloud.DisposeAsync();

    private string Endpoint => "http://127.0.0.1:" + _cloud.Server.HttpPort;

    [TestMethod]
    public async Task The_AWS_CLI_creates_reads_lists_replaces_and_deletes_a_rule()
    {
        AwsClients.RequireAwsCli();
        const string payload = """{"sql":"SELECT temperature FROM 'things/+/telemetry' WHERE temperature > 30","actions":[{"republish":{"topic":"alerts/${topic(2)}","roleArn":"arn:aws:iam::000000000000:role/r"}}]}""";

        await Cli("iot", "create-topic-rule", "--rule-name", "hot", "--topic-rule-payload", payload);
        var got = JsonNode.Parse(await Cli("iot", "get-topic-rule", "--rule-name", "hot"))!;
        Assert.AreEqual("SELECT temperature FROM 'things/+/telemetry' WHERE temperature > 30", (string?)got["rule"]!["sql"]);
        Assert.AreEqual("alerts/${topic(2)}", (string?)got["rule"]!["actions"]![0]!["republish"]!["topic"]);

        await Cli("iot", "replace-topic-rule", "--rule-name", "hot", "--topic-rule-payload", payload.Replace("\"actions\"", "\"ruleDisabled\":true,\"actions\"", StringComparison.Ordinal));
        var disabled = JsonNode.Parse(await Cli("iot", "list-topic-rules", "--rule-disabled"))!["rules"]!.AsArray();
        Assert.AreEqual("hot", (string?)disabled.Single()!["ruleName"]);

        await Cli("iot", "delete-topic-rule", "--rule-name", "hot");
        var missing = await AwsClients.RunAwsCliAsync("iot", "get-topic-rule", "--rule-name", "hot", "--endpoint-url", Endpoint);
        Assert.AreNotEqual(0, missing.Exit);
        StringAssert.Contains(missing.Error, "UnauthorizedException");

        var bad = await AwsClients.RunAwsCliAsync("iot", "create-topic-rule", "--rule-name", "bad", "--topic-rule-payload", """{"sql":"SELECT * FROM","actions":[]}""", "--endpoint-url", Endpoint);
        StringAssert.Contains(bad.Error, "SqlParseException");
        StringAssert.Contains(bad.Error, "offset 13");
    }

    [TestMethod]
    public async Task A_rule_created_with_boto3_fires_on_a_devices_publish_and_errors_are_boto3s_exceptions()
    {
        await AwsClients.RequireBoto3Async();
        const string script = """
            import sys, boto3
            iot = boto3.client("iot", endpoint_url=sys.argv[1])
            rule = {"sql": "SELECT temperature, clientid() AS client FROM 'things/+/telemetry' WHERE temperature > 30",
                    "actions": [{"republish": {"topic": "alerts/${topic(2)}", "roleArn": "arn:aws:iam::000000000000:role/r"}}]}
            iot.create_topic_rule(ruleName="hot", topicRulePayload=rule)
            try:
                iot.create_topic_rule(ruleName="hot", topicRulePayload=rule)
            except iot.exceptions.ResourceAlreadyExistsException:
                print("ResourceAlreadyExistsException")
            try:
                iot.create_topic_rule(ruleName="bad", topicRulePayload={"sql": "SELECT * FROM 'a' WHERE", "actions": []})
            except iot.exceptions.SqlParseException:
                print("SqlParseException")
            try:
                iot.get_topic_rule(ruleName="none")
            except iot.exceptions.UnauthorizedException:
                print("UnauthorizedException")
            pages = iot.get_paginator("list_topic_rules").paginate(PaginationConfig={"PageSize": 1})
            print(",".join(r["ruleName"] for page in pages for r in page["rules"]))
            """;
        var (exit, output, error) = await AwsClients.RunPythonAsync(script, Endpoint);
        Assert.AreEqual(0, exit, error);
        CollectionAssert.AreEqual(
            new[] { "ResourceAlreadyExistsException", "SqlParseException", "UnauthorizedException", "lastWillToShadow,disconnectNotifier,connectionTable,hot" },
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), output + error);

        await using var app = await TestClient.ApplicationAsync(_cloud.Server.PlainApplicationPort!.Value, "alerts/#");
        await using var device = await TestClient.DeviceAsync(_cloud.Server.Authority, _cloud.Server.MqttPort, "pump-1");
        await device.PublishAsync("things/pump-1/telemetry", """{"temperature":35}""");
        Assert.AreEqual("""{"temperature":35,"client":"pump-1"}""", (await app.NextAsync("alerts/pump-1")).Payload);
    }

    private async Task<string> Cli(params string[] arguments)
    {
        var (exit, output, error) = await AwsClients.RunAwsCliAsync([.. arguments, "--endpoint-url", Endpoint]);
        Assert.AreEqual(0, exit, string.Join(" ", arguments) + ": " + error);
        return output;
    }
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LocalIotCore.Rules;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Rules;

[TestClass]
public sealed partial class RulesConfigurationTests
{
    private readonly TemporaryFolder _folder = new("rules");

    [TestCleanup]
    public void Cleanup() => _folder.Dispose();

    private static string Sql(TopicRule rule) => (string)rule.Payload["sql"]!;

    [TestMethod]
    public void The_rules_in_docs_aws_setup_are_the_default_rules_LocalIotCore_runs()
    {
        var doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "aws-setup.md"));
        var lastWill = Section(doc, "## 2. Rule");
        var notifier = Section(doc, "## 3. Rule");
        var connections = Section(doc, "## 3b. Rule");
        var rules = RulesConfiguration.Default().Rules;

        Assert.HasCount(3, rules);
        Assert.AreEqual(SqlBlock().Match(lastWill).Groups["sql"].Value.TrimEnd('\n'), Sql(rules[0]), "Copy the SQL of docs/aws-setup.md section 2 into Rules/default-rules.json (or the other way round).");
        Assert.AreEqual(SqlBlock().Match(notifier).Groups["sql"].Value.TrimEnd('\n'), Sql(rules[1]), "Copy the SQL of docs/aws-setup.md section 3 into Rules/default-rules.json (or the other way round).");

        var republish = (RepublishAction)rules[0].Actions[0];
        StringAssert.Contains(lastWill, "Republish action topic: `" + republish.Topic.Text + "` (QoS " + republish.Qos + ")");
        Assert.IsInstanceOfType<LocalDisconnectNotifierAction>(rules[1].Actions[0]);
        StringAssert.Contains(notifier, "`" + LocalDisconnectNotifierAction.Key + "`");
        Assert.AreEqual(SqlBlock().Match(connections).Groups["sql"].Value.TrimEnd('\n'), Sql(rules[2]), "Copy the SQL of docs/aws-setup.md section 3b into Rules/default-rules.json (or the other way round).");
        Assert.IsInstanceOfType<LocalConnectionTableAction>(rules[2].Actions[0]);
        StringAssert.Contains(connections, "`" + LocalConnectionTableAction.Key + "`");
    }

    [TestMethod]
    public void The_first_run_writes_the_default_rules_file_as_it_is_shipped()
    {
        var path = _folder.File("rules.json");

        var rules = RulesConfiguration.LoadOrCreate(path);

        Assert.AreEqual(RulesConfiguration.DefaultText, File.ReadAllText(path));
        Assert.AreEqual("lastWillToShadow", rules.Rules[0].Name);
        Assert.AreEqual("things/+/lwt", rules.Rules[0].Statement.TopicFilter);
    }

    [TestMethod]
    public void A_bad_sql_statement_fails_start_up_naming_the_file_the_rule_and_the_position()
    {
        var path = Write("""
            { "rules": [ { "ruleName": "broken", "topicRulePayload": { "sql": "SELECT * FROM 'a' WHERE x = = 1", "actions": [] } } ] }
            """);

        var refused = Assert.ThrowsExactly<InvalidDataException>(() => RulesConfiguration.LoadOrCreate(path));

        StringAssert.Contains(refused.Message, path);
        StringAssert.Contains(refused.Message, "Rule 'broken'");
        StringAssert.Contains(refused.Message, "offset 28");
        StringAssert.Contains(refused.Message, "Expected a value");
    }

    [TestMethod]
    [DataRow("""{ "rules": [ { "ruleName": "r", "topicRulePayload": { "sql": "SELECT * FROM 'a'", "actions": [ { "lambda": { "functionArn": "x" } } ] } } ] }""", "Rule 'r', actions[0]: LocalIotCore has no 'lambda' action")]
    [DataRow("""{ "rules": [ { "ruleName": "r", "topicRulePayload": { "sql": "SELECT * FROM 'a'", "actions": [ { "republish": { "qos": 1 } } ] } } ] }""", "republish.topic (a string) is missing")]
    [DataRow("""{ "rules": [ { "ruleName": "r", "topicRulePayload": { "sql": "SELECT * FROM 'a'", "actions": [ { "republish": { "topic": "b/${topic(}" } } ] } } ] }""", "bad substitution template")]
    [DataRow("""{ "rules": [ { "ruleName": "r", "topicRulePayload": { "sql": "SELECT * FROM 'a'", "actions": [ { "http": { "url": "ftp://x" } } ] } } ] }""", "http.url must be an http:// or https:// URL")]
    [DataRow("""{ "rules": [ { "ruleName": "r", "topicRulePayload": { "sql": "SELECT * FROM 'a'", "awsIotSqlVersion": "2015-10-08", "actions": [] } } ] }""", "awsIotSqlVersion '2015-10-08' is not supported")]
    [DataRow("""{ "rules": [ { "ruleName": "bad-name", "topicRulePayload": { "sql": "SELECT * FROM 'a'", "actions": [] } } ] }""", "letters, digits and underscores")]
    [DataRow("""{ "rules": [ { "ruleName": "r", "topicRulePayload": { "sql": "SELECT * FROM 'a'", "actions": [] } }, { "ruleName": "r", "topicRulePayload": { "sql": "SELECT * FROM 'b'", "actions": [] } } ] }""", "Rule 'r' is defined twice")]
    [DataRow("""{ "rule": [] }""", "no \"rules\" array")]
    public void A_bad_rule_is_refused_saying_what_is_wrong(string json, string expected)
    {
        var refused = Assert.ThrowsExactly<InvalidDataException>(() => RulesConfiguration.Parse(json));

        StringAssert.Contains(refused.Message, expected);
    }

    [TestMethod]
    public void A_rules_file_of_the_earlier_shape_is_rewritten_with_its_rules_the_notifier_and_the_connection_table()
    {
        var path = Write("""{ "rules": [ { "name": "lastWillToShadow", "from": "things/+/lwt", "to": "$aws/things/${topic(2)}/shadow/update" } ] }""");

        var rules = RulesConfiguration.LoadOrCreate(path).Rules;

        Assert.HasCount(3, rules);
        Assert.AreEqual("SELECT * FROM 'things/+/lwt'", Sql(rules[0]));
        Assert.AreEqual("disconnectNotifier", rules[1].Name);
        Assert.AreEqual("connectionTable", rules[2].Name, "the connection table was built in before rules.json could name it");
        Assert.IsNotNull(JsonNode.Parse(File.ReadAllText(path))!["rules"]![1]!["topicRulePayload"], "the file now has AWS's shape");
        var firing = new RuleEngine(new RulesConfiguration(rules)).Evaluate("things/pump-1/lwt", "{}"u8, "pump-1", 0);
        Assert.AreEqual("$aws/things/pump-1/shadow/update", firing[0].Target);
    }

    private string Write(string json)
    {
        Directory.CreateDirectory(_folder.Path);
        var path = _folder.File("rules.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string Section(string doc, string heading)
    {
        var start = doc.IndexOf(heading, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, "docs/aws-setup.md has no '" + heading + "' section.");
        var end = doc.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? doc[start..] : doc[start..end];
    }

    [GeneratedRegex(@"```sql\n(?<sql>.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();
}

using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Rules;

namespace LocalIotCore.Tests.Rules;

[TestClass]
public sealed class RuleEngineTests
{
    private static RuleEngine Engine(string rulesJson) => new(RulesConfiguration.Parse(rulesJson));

    private static string Rule(string name, string sql, string actions, bool disabled = false) =>
        "{ \"ruleName\": \"" + name + "\", \"topicRulePayload\": { \"sql\": \"" + sql + "\", \"ruleDisabled\": " + (disabled ? "true" : "false") + ", \"actions\": [" + actions + "] } }";

    [TestMethod]
    public void The_default_last_will_rule_republishes_the_will_unchanged_to_the_things_shadow()
    {
        var will = """{"state":{"reported":{"connected":false}}}"""u8.ToArray();

        var firings = new RuleEngine(RulesConfiguration.Default()).Evaluate("things/pump-1/lwt", will, "pump-1", 0);

        Assert.HasCount(1, firings);
        Assert.AreEqual("$aws/things/pump-1/shadow/update", firings[0].Target);
        CollectionAssert.AreEqual(will, firings[0].Payload);
    }

    [TestMethod]
    public void Messages_no_rule_selects_fire_nothing()
    {
        var engine = new RuleEngine(RulesConfiguration.Default());

        Assert.HasCount(0, engine.Evaluate("things/pump-1/telemetry", "{}"u8, "pump-1", 0));
        Assert.HasCount(0, engine.Evaluate("$aws/things/pump-1/shadow/update/documents", """{"previous":{},"current":{}}"""u8, null, 0));
    }

    [TestMethod]
    public void A_selected_object_is_the_payload_and_templates_read_the_original_message()
    {
        var engine = Engine("{ \"rules\": [" + Rule("alerts", "SELECT temperature AS t, clientid() AS c FROM 'things/+/telemetry' WHERE temperature > 30",
            "{ \"republish\": { \"topic\": \"alerts/${topic(2)}/${room}\" } }, { \"http\": { \"url\": \"http://localhost:9/hook?thing=${topic(2)}\" } }") + "] }");

        var firings = engine.Evaluate("things/pump-1/telemetry", """{"temperature":31,"room":"hall"}"""u8, "pump-1", 0);

        Assert.HasCount(2, firings);
        Assert.AreEqual("alerts/pump-1/hall", firings[0].Target);
        Assert.AreEqual("""{"t":31,"c":"pump-1"}""", Encoding.UTF8.GetString(firings[0].Payload));
        Assert.IsInstanceOfType<HttpAction>(firings[1].Action);
        Assert.AreEqual("http://localhost:9/hook?thing=pump-1", firings[1].Target);
        Assert.HasCount(0, engine.Evaluate("things/pump-1/telemetry", """{"temperature":20}"""u8, "pump-1", 0));
    }

    [TestMethod]
    public void A_disabled_rule_does_not_fire()
    {
        var engine = Engine("{ \"rules\": [" + Rule("off", "SELECT * FROM 'a/b'", "{ \"republish\": { \"topic\": \"c\" } }", disabled: true) + "] }");

        Assert.HasCount(0, engine.Evaluate("a/b", "{}"u8, null, 0));
    }

    [TestMethod]
    public void Select_star_passes_a_payload_that_is_not_json_through_as_it_is()
    {
        var engine = Engine("{ \"rules\": [" + Rule("raw", "SELECT * FROM 'raw/#'", "{ \"republish\": { \"topic\": \"copy/${topic(2)}\" } }") + "] }");
        byte[] binary = [0xFF, 0x00, 0x7B];

        var firings = engine.Evaluate("raw/x", binary, null, 0);

        CollectionAssert.AreEqual(binary, firings[0].Payload);
        Assert.AreEqual("copy/x", firings[0].Target);
    }

    [TestMethod]
    public void Dollar_dollar_in_a_republish_topic_is_a_literal_dollar_and_timestamp_is_the_given_time()
    {
        var engine = Engine("{ \"rules\": [" + Rule("ts", "SELECT timestamp() AS at FROM 'a'", "{ \"republish\": { \"topic\": \"$$aws/x/${timestamp()}\" } }") + "] }");

        var firing = engine.Evaluate("a", "{}"u8, null, 1234)[0];

        Assert.AreEqual("$aws/x/1234", firing.Target);
        Assert.AreEqual(1234L, (long)JsonNode.Parse(firing.Payload)!["at"]!);
    }

    [TestMethod]
    [DataRow("things/+/lwt", "things/pump-1/lwt", true)]
    [DataRow("things/+/lwt", "things/pump-1/lwt/x", false)]
    [DataRow("things/+/lwt", "things/lwt", false)]
    [DataRow("things/#", "things/pump-1/telemetry", true)]
    [DataRow("things/#", "things", true)]
    [DataRow("#", "a/b", true)]
    [DataRow("a/b", "a/b", true)]
    [DataRow("a/b", "a/bc", false)]
    [DataRow("a/+", "a/", true)]
    [DataRow("+/+", "a", false)]
    [DataRow("$aws/things/+/shadow/update/documents", "$aws/things/pump-1/shadow/name/cfg/update/documents", false)]
    public void Topic_filters_match_as_MQTT_defines(string filter, string topic, bool expected)
    {
        Assert.AreEqual(expected, RuleEngine.Matches(filter, topic));
    }
}

using System.Text.Json.Nodes;
using LocalIotCore.Rules.Sql;

namespace LocalIotCore.Tests.Rules;

[TestClass]
public sealed class SqlStatementTests
{
    private const long Now = 1_767_225_600_000;

    private const string NotifierSql = """
        SELECT topic(3) AS thing,
               current.state.reported.connected AS connected,
               current.metadata.reported.connected.timestamp AS flagTimestamp
        FROM '$aws/things/+/shadow/update/documents'
        WHERE previous.state.reported.connected = true AND current.state.reported.connected = false
        """;

    private static JsonNode? Run(string sql, string payload, string topic, string? clientId = "pump-1")
    {
        var result = SqlStatement.Parse(sql).Evaluate(new SqlMessage(JsonNode.Parse(payload), topic, clientId, Now), out var matched);
        return matched ? result ?? JsonValue.Create("(null)") : null;
    }

    private static string Documents(bool previous, bool current) =>
        "{\"previous\":{\"state\":{\"reported\":{\"connected\":" + (previous ? "true" : "false") + "}},\"version\":4}," +
        "\"current\":{\"state\":{\"reported\":{\"connected\":" + (current ? "true" : "false") + "}},\"metadata\":{\"reported\":{\"connected\":{\"timestamp\":1767225500}}},\"version\":5}}";

    [TestMethod]
    public void The_notifier_rule_fires_on_a_true_to_false_transition_with_the_thing_and_flag_timestamp()
    {
        var result = Run(NotifierSql, Documents(previous: true, current: false), "$aws/things/pump-1/shadow/update/documents");

        Assert.IsNotNull(result);
        Assert.AreEqual("pump-1", (string?)result["thing"]);
        Assert.IsFalse((bool)result["connected"]!);
        Assert.AreEqual(1767225500L, (long)result["flagTimestamp"]!);
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, true)]
    [DataRow(false, true)]
    public void The_notifier_rule_ignores_other_transitions(bool previous, bool current)
    {
        Assert.IsNull(Run(NotifierSql, Documents(previous, current), "$aws/things/pump-1/shadow/update/documents"));
    }

    [TestMethod]
    public void The_notifier_rule_ignores_named_shadows_and_documents_without_the_flag()
    {
        Assert.IsNull(Run(NotifierSql, Documents(true, false), "$aws/things/pump-1/shadow/name/config/update/documents"));
        Assert.IsNull(Run(NotifierSql, """{"previous":{"state":{}},"current":{"state":{"reported":{"connected":false}}}}""", "$aws/things/pump-1/shadow/update/documents"));
    }

    [TestMethod]
    public void Select_star_gives_the_payload_and_the_filter_decides_the_topic()
    {
        const string sql = "SELECT * FROM 'things/+/lwt'";

        Assert.AreEqual("""{"state":{"reported":{"connected":false}}}""", Run(sql, """{"state":{"reported":{"connected":false}}}""", "things/pump-1/lwt")!.ToJsonString());
        Assert.IsNull(Run(sql, "{}", "things/pump-1/telemetry"));
        Assert.IsNull(Run(sql, "{}", "things/pump-1/lwt/extra"));
        Assert.IsNotNull(Run("SELECT * FROM '$aws/events/presence/connected/#'", "{}", "$aws/events/presence/connected/pump-1"));
    }

    [TestMethod]
    public void Fields_aliases_functions_and_star_combine_into_one_object()
    {
        var result = Run("select *, temperature AS t, topic() as topic, topic(2) AS device, clientid() AS client, timestamp() AS at, 20 AS limit, sensor.unit FROM 'things/+/telemetry'",
            """{"temperature":21.5,"sensor":{"unit":"C"}}""", "things/pump-1/telemetry");

        Assert.AreEqual(21.5, (double)result!["t"]!);
        Assert.AreEqual(21.5, (double)result["temperature"]!);
        Assert.AreEqual("things/pump-1/telemetry", (string?)result["topic"]);
        Assert.AreEqual("pump-1", (string?)result["device"]);
        Assert.AreEqual("pump-1", (string?)result["client"]);
        Assert.AreEqual(Now, (long)result["at"]!);
        Assert.AreEqual(20L, (long)result["limit"]!);
        Assert.AreEqual("C", (string?)result["unit"], "an unaliased path is named by its last key");
    }

    [TestMethod]
    public void Undefined_fields_are_left_out_of_the_result()
    {
        var result = Run("SELECT missing.value AS gone, topic(9) AS nine, a[1] AS second, a[5] AS beyond FROM 'x'", """{"a":[1,2]}""", "x");

        Assert.AreEqual("""{"second":2}""", result!.ToJsonString());
    }

    [TestMethod]
    public void Where_compares_numbers_strings_and_booleans()
    {
        const string payload = """{"temperature":31,"mode":"auto","on":true,"label":"10"}""";

        Assert.IsNotNull(Run("SELECT * FROM 'x' WHERE temperature > 30 AND mode = 'auto'", payload, "x"));
        Assert.IsNull(Run("SELECT * FROM 'x' WHERE temperature >= 32", payload, "x"));
        Assert.IsNotNull(Run("SELECT * FROM 'x' WHERE temperature <= 31 AND temperature < 31.5 AND temperature <> 30 AND temperature != 29", payload, "x"));
        Assert.IsNotNull(Run("SELECT * FROM 'x' WHERE on = true AND NOT (mode = 'manual')", payload, "x"));
        Assert.IsNotNull(Run("SELECT * FROM 'x' WHERE label > 9", payload, "x"), "a string holding a number compares as a number");
        Assert.IsNull(Run("SELECT * FROM 'x' WHERE label = 10", payload, "x"), "= needs the same type");
        Assert.IsNotNull(Run("SELECT * FROM 'x' WHERE temperature - 1 = 30 AND temperature * 2 = 62 AND -temperature < 0", payload, "x"));
    }

    [TestMethod]
    public void Or_and_not_follow_precedence_and_parentheses()
    {
        const string payload = """{"a":1,"b":2}""";

        Assert.IsNotNull(Run("SELECT * FROM 'x' WHERE a = 1 OR b = 5 AND a = 9", payload, "x"), "AND binds tighter than OR");
        Assert.IsNull(Run("SELECT * FROM 'x' WHERE (a = 1 OR b = 5) AND a = 9", payload, "x"));
        Assert.IsNull(Run("SELECT * FROM 'x' WHERE NOT a = 1", payload, "x"));
    }

    [TestMethod]
    public void A_missing_field_makes_where_undefined_and_the_rule_does_not_fire()
    {
        Assert.IsNull(Run("SELECT * FROM 'x' WHERE missing = 1", "{}", "x"));
        Assert.IsNull(Run("SELECT * FROM 'x' WHERE NOT missing = 1", "{}", "x"), "NOT Undefined is Undefined");
        Assert.IsNull(Run("SELECT * FROM 'x' WHERE missing = 1 OR true", "{}", "x"), "OR with Undefined is Undefined, as AWS documents");
    }

    [TestMethod]
    public void Clientid_is_na_when_no_mqtt_client_sent_the_message()
    {
        Assert.AreEqual("n/a", (string?)Run("SELECT clientid() AS c FROM 'x'", "{}", "x", clientId: null)!["c"]);
    }

    [TestMethod]
    public void A_template_expression_is_evaluated_against_the_message()
    {
        var message = new SqlMessage(JsonNode.Parse("""{"n":3,"room":"hall"}"""), "things/pump-1/lwt", "pump-1", Now);

        Assert.AreEqual("pump-1", SqlStatement.EvaluateTemplateExpression("topic(2)", message));
        Assert.AreEqual("hall", SqlStatement.EvaluateTemplateExpression("room", message));
        Assert.AreEqual("4", SqlStatement.EvaluateTemplateExpression("n + 1", message));
        Assert.IsNull(SqlStatement.EvaluateTemplateExpression("nothing", message));
    }

    [TestMethod]
    [DataRow("SELEC * FROM 'x'", 0, "SELECT")]
    [DataRow("SELECT * 'x'", 9, "FROM")]
    [DataRow("SELECT * FROM x", 14, "a topic filter in quotes")]
    [DataRow("SELECT * FROM 'a/#/b'", 14, "a valid MQTT topic filter")]
    [DataRow("SELECT * FROM 'a/b+'", 14, "a valid MQTT topic filter")]
    [DataRow("SELECT * FROM 'x' WHERE a = ", 28, "a value")]
    [DataRow("SELECT * FROM 'x' WHERE (a = 1", 30, "')'")]
    [DataRow("SELECT * FROM 'x' WHERE a = 1 b", 30, "an operator")]
    [DataRow("SELECT a AS FROM 'x'", 12, "a name after AS")]
    [DataRow("SELECT upper(a) FROM 'x'", 7, "a supported function")]
    [DataRow("SELECT a. FROM 'x'", 10, "a name after '.'")]
    [DataRow("SELECT * FROM 'x", 14, "a closing '")]
    [DataRow("SELECT a FROM 'x' WHERE a ; 1", 26, "a keyword, a name")]
    public void A_bad_statement_names_the_offset_and_what_was_expected(string sql, int position, string expected)
    {
        var refused = Assert.ThrowsExactly<SqlParseException>(() => SqlStatement.Parse(sql));

        Assert.AreEqual(position, refused.Position, refused.Message);
        StringAssert.Contains(refused.Message, "Expected " + expected);
        StringAssert.Contains(refused.Message, "offset " + position);
    }

    [TestMethod]
    public void A_parse_error_on_a_later_line_gives_line_and_column()
    {
        var refused = Assert.ThrowsExactly<SqlParseException>(() => SqlStatement.Parse("SELECT *\nFROM 'x'\nWHERE a =="));

        StringAssert.Contains(refused.Message, "line 3, column 10");
    }
}

using LocalIotCore.Policies;

namespace LocalIotCore.Tests.Policies;

[TestClass]
public sealed class PolicyEvaluatorTests
{
    private const string Region = "eu-west-1";
    private const string Account = "123456789012";
    private static readonly PolicyEvaluator Evaluator = new(Region, Account);

    private static readonly PolicyDocument[] DevicePolicy = [PolicyDocument.Parse(DefaultPolicies.DevicePolicy(Region, Account), DefaultPolicies.DevicePolicyName)];

    private static readonly PolicyDocument[] GettingStarted =
    [
        PolicyDocument.Parse("""{ "Version": "2012-10-17", "Statement": { "Effect": "Allow", "Action": "iot:*", "Resource": "*" } }""", "GettingStarted"),
    ];

    private static PolicyContext Pump => PolicyContext.ForConnection("pump-1", ["pump-1"]);

    [TestMethod]
    public void The_default_device_policy_lets_a_device_connect_only_as_its_attached_thing()
    {
        Assert.IsTrue(Evaluator.AuthorizeConnect(DevicePolicy, Pump).IsAllowed);

        // Client id names a thing the certificate is not attached to: IsAttached is false.
        var impostor = PolicyContext.ForConnection("pump-2", ["pump-1"]);
        var verdict = Evaluator.AuthorizeConnect(DevicePolicy, impostor);
        Assert.AreEqual(PolicyDecision.ImplicitDeny, verdict.Decision);
        StringAssert.Contains(verdict.ToString(), "arn:aws:iot:eu-west-1:123456789012:client/pump-2");
    }

    [TestMethod]
    public void The_default_device_policy_lets_a_device_update_its_own_shadow_but_not_another_things()
    {
        Assert.IsTrue(Evaluator.AuthorizePublish(DevicePolicy, "$aws/things/pump-1/shadow/update", Pump).IsAllowed);
        Assert.IsTrue(Evaluator.AuthorizePublish(DevicePolicy, "$aws/things/pump-1/shadow/get", Pump).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizePublish(DevicePolicy, "$aws/things/pump-2/shadow/update", Pump).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizePublish(DevicePolicy, "$aws/things/pump-1/shadow/update/accepted", Pump).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizePublish(DevicePolicy, "data/temperature", Pump).IsAllowed);
    }

    [TestMethod]
    public void The_default_device_policy_allows_the_devices_last_will_topic_only()
    {
        Assert.IsTrue(Evaluator.AuthorizePublish(DevicePolicy, "things/pump-1/lwt", Pump).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizePublish(DevicePolicy, "things/pump-2/lwt", Pump).IsAllowed);
    }

    [TestMethod]
    public void The_default_device_policy_allows_its_shadow_reply_subscriptions_and_deliveries()
    {
        Assert.IsTrue(Evaluator.AuthorizeSubscribe(DevicePolicy, "$aws/things/pump-1/shadow/update/delta", Pump).IsAllowed);
        Assert.IsTrue(Evaluator.AuthorizeReceive(DevicePolicy, "$aws/things/pump-1/shadow/update/delta", Pump).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizeSubscribe(DevicePolicy, "$aws/things/+/shadow/update/delta", Pump).IsAllowed, "+ is literal in a policy: it does not stand for pump-1");
        Assert.IsFalse(Evaluator.AuthorizeSubscribe(DevicePolicy, "$aws/things/pump-1/shadow/#", Pump).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizeReceive(DevicePolicy, "$aws/things/pump-2/shadow/update/delta", Pump).IsAllowed);
    }

    [TestMethod]
    public void Without_an_attached_thing_no_thing_name_resource_matches()
    {
        var unattached = PolicyContext.ForConnection("pump-1", []);

        Assert.IsFalse(Evaluator.AuthorizePublish(DevicePolicy, "$aws/things/pump-1/shadow/update", unattached).IsAllowed);
    }

    [TestMethod]
    public void A_permissive_getting_started_policy_allows_any_topic()
    {
        var tutorial = PolicyContext.ForConnection("basicPubSub", []);

        Assert.IsTrue(Evaluator.AuthorizeConnect(GettingStarted, tutorial).IsAllowed);
        Assert.IsTrue(Evaluator.AuthorizePublish(GettingStarted, "data/temperature", tutorial).IsAllowed);
        Assert.IsTrue(Evaluator.AuthorizeSubscribe(GettingStarted, "data/#", tutorial).IsAllowed);
        Assert.IsTrue(Evaluator.AuthorizeReceive(GettingStarted, "data/temperature", tutorial).IsAllowed);
    }

    [TestMethod]
    public void The_registrys_attached_policies_are_evaluated_together_and_named_in_the_verdict()
    {
        var policies = PolicyDocument.ParseAttached(
        [
            new global::LocalIotCore.Registry.AttachedPolicy(DefaultPolicies.DevicePolicyName, DefaultPolicies.DevicePolicy(Region, Account)),
            new global::LocalIotCore.Registry.AttachedPolicy("Telemetry", """{ "Version": "2012-10-17", "Statement": { "Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:eu-west-1:123456789012:topic/data/*" } }"""),
        ]);

        var verdict = Evaluator.AuthorizePublish(policies, "data/temperature", Pump);
        Assert.IsTrue(verdict.IsAllowed);
        Assert.AreEqual("Telemetry", verdict.PolicyName);
        Assert.AreEqual(DefaultPolicies.DevicePolicyName, Evaluator.AuthorizePublish(policies, "things/pump-1/telemetry", Pump).PolicyName);
    }

    [TestMethod]
    public void A_connections_bound_policy_answers_every_request_as_the_documents_do()
    {
        var pump = Evaluator.Bind(DevicePolicy, Pump);
        var impostor = Evaluator.Bind(DevicePolicy, PolicyContext.ForConnection("pump-2", ["pump-1"]));

        Assert.IsTrue(pump.AuthorizeConnect().IsAllowed);
        Assert.IsTrue(pump.AuthorizePublish("things/pump-1/telemetry").IsAllowed);
        Assert.IsTrue(pump.AuthorizeSubscribe("$aws/things/pump-1/shadow/get/accepted").IsAllowed);
        Assert.IsTrue(pump.AuthorizeReceive("$aws/things/pump-1/shadow/get/accepted").IsAllowed);
        StringAssert.Contains(pump.AuthorizePublish("things/pump-1/telemetry").ToString(), "allowed by policy 'DeviceFirmwareThing' Statement[1]");
        Assert.IsFalse(impostor.AuthorizeConnect().IsAllowed);
        Assert.IsFalse(impostor.AuthorizePublish("things/pump-2/telemetry").IsAllowed);
        Assert.AreEqual("pump-2", impostor.Context.ClientId);
    }

    [TestMethod]
    public void No_policy_means_default_deny()
    {
        Assert.AreEqual(PolicyDecision.ImplicitDeny, Evaluator.AuthorizeConnect([], Pump).Decision);
    }

    [TestMethod]
    public void An_explicit_deny_in_any_attached_policy_wins_over_an_allow()
    {
        var deny = PolicyDocument.Parse("""
            { "Version": "2012-10-17", "Statement": [
              { "Sid": "noSecrets", "Effect": "Deny", "Action": ["iot:Publish", "iot:Receive"], "Resource": "arn:aws:iot:eu-west-1:123456789012:topic/secret/*" } ] }
            """, "NoSecrets");
        PolicyDocument[] policies = [GettingStarted[0], deny];

        var verdict = Evaluator.AuthorizePublish(policies, "secret/launch-codes", Pump);
        Assert.AreEqual(PolicyDecision.ExplicitDeny, verdict.Decision);
        StringAssert.Contains(verdict.ToString(), "NoSecrets");
        StringAssert.Contains(verdict.ToString(), "noSecrets");
        Assert.IsTrue(Evaluator.AuthorizePublish(policies, "public/news", Pump).IsAllowed);
        Assert.IsTrue(Evaluator.AuthorizeSubscribe(policies, "secret/launch-codes", Pump).IsAllowed, "the deny names Publish and Receive only");
    }

    [TestMethod]
    public void Star_and_question_mark_are_wildcards_in_resources_and_actions()
    {
        var policy = PolicyDocument.Parse("""
            { "Version": "2012-10-17", "Statement": [
              { "Effect": "Allow", "Action": "iot:Pub*", "Resource": "arn:aws:iot:*:123456789012:topic/sensors/room-?/*" } ] }
            """);

        Assert.IsTrue(Evaluator.AuthorizePublish([policy], "sensors/room-7/temperature", Pump).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizePublish([policy], "sensors/room-12/temperature", Pump).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizeReceive([policy], "sensors/room-7/temperature", Pump).IsAllowed);
        Assert.IsFalse(new PolicyEvaluator(Region, "999999999999").AuthorizePublish([policy], "sensors/room-7/temperature", Pump).IsAllowed, "another account");
    }

    [TestMethod]
    public void Action_names_match_case_insensitively_and_star_alone_matches_every_action()
    {
        var policy = PolicyDocument.Parse("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": ["IOT:publish", "*"], "Resource": "arn:aws:iot:eu-west-1:123456789012:topic/a" } ] }""");

        Assert.IsTrue(Evaluator.AuthorizePublish([policy], "a", Pump).IsAllowed);
        Assert.IsTrue(Evaluator.AuthorizeReceive([policy], "a", Pump).IsAllowed);
    }

    [TestMethod]
    public void A_policy_variable_value_is_literal_even_if_it_holds_wildcards()
    {
        var policy = PolicyDocument.Parse("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:eu-west-1:123456789012:topic/clients/${iot:ClientId}" } ] }""");
        var starry = PolicyContext.ForConnection("*", []);

        Assert.IsTrue(Evaluator.AuthorizePublish([policy], "clients/*", starry).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizePublish([policy], "clients/other", starry).IsAllowed);
    }

    [TestMethod]
    public void Escaped_special_characters_match_themselves()
    {
        var policy = PolicyDocument.Parse("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:eu-west-1:123456789012:topic/what$(?)" } ] }""");

        Assert.IsTrue(Evaluator.AuthorizePublish([policy], "what?", Pump).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizePublish([policy], "whatX", Pump).IsAllowed);
    }

    [TestMethod]
    public void In_the_2008_version_a_variable_is_literal_text()
    {
        var policy = PolicyDocument.Parse("""{ "Version": "2008-10-17", "Statement": [ { "Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:eu-west-1:123456789012:topic/${iot:ClientId}" } ] }""");

        Assert.IsFalse(Evaluator.AuthorizePublish([policy], "pump-1", Pump).IsAllowed);
        Assert.IsTrue(Evaluator.AuthorizePublish([policy], "${iot:ClientId}", Pump).IsAllowed);
    }

    [TestMethod]
    public void String_conditions_compare_context_keys_with_substituted_values()
    {
        var policy = PolicyDocument.Parse("""
            { "Version": "2012-10-17", "Statement": [ {
              "Effect": "Allow", "Action": "iot:Connect", "Resource": "*",
              "Condition": { "StringEquals": { "iot:ClientId": "${iot:Connection.Thing.ThingName}" }, "StringLike": { "iot:Connection.Thing.Attributes[site]": ["plant-*", "lab"] } } } ] }
            """);
        var inPlant = PolicyContext.ForConnection("pump-1", ["pump-1"], new Dictionary<string, string> { ["site"] = "plant-north" });
        var elsewhere = PolicyContext.ForConnection("pump-1", ["pump-1"], new Dictionary<string, string> { ["site"] = "office" });
        var noAttribute = PolicyContext.ForConnection("pump-1", ["pump-1"]);

        Assert.IsTrue(Evaluator.AuthorizeConnect([policy], inPlant).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizeConnect([policy], elsewhere).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizeConnect([policy], noAttribute).IsAllowed);
    }

    [TestMethod]
    public void Negated_and_null_conditions_follow_IAMs_rules_for_missing_keys()
    {
        var notLab = PolicyDocument.Parse("""
            { "Version": "2012-10-17", "Statement": [ {
              "Effect": "Allow", "Action": "iot:Connect", "Resource": "*",
              "Condition": { "StringNotEquals": { "iot:Connection.Thing.Attributes[site]": "lab" } } } ] }
            """);
        var mustBeUnattached = PolicyDocument.Parse("""
            { "Version": "2012-10-17", "Statement": [ {
              "Effect": "Allow", "Action": "iot:Connect", "Resource": "*",
              "Condition": { "Null": { "iot:Connection.Thing.ThingName": "true" }, "Bool": { "iot:Connection.Thing.IsAttached": false } } } ] }
            """);
        var lab = PolicyContext.ForConnection("pump-1", ["pump-1"], new Dictionary<string, string> { ["site"] = "lab" });

        Assert.IsFalse(Evaluator.AuthorizeConnect([notLab], lab).IsAllowed);
        Assert.IsTrue(Evaluator.AuthorizeConnect([notLab], Pump).IsAllowed, "a missing key passes a negated test");
        Assert.IsTrue(Evaluator.AuthorizeConnect([mustBeUnattached], PolicyContext.ForConnection("app", [])).IsAllowed);
        Assert.IsFalse(Evaluator.AuthorizeConnect([mustBeUnattached], Pump).IsAllowed);
    }

    [TestMethod]
    public void An_arn_condition_can_use_wildcards()
    {
        var policy = PolicyDocument.Parse("""
            { "Version": "2012-10-17", "Statement": [ {
              "Effect": "Deny", "Action": "iot:Connect", "Resource": "*",
              "Condition": { "ArnLike": { "iot:ClientId": "test-*" } } },
              { "Effect": "Allow", "Action": "iot:Connect", "Resource": "*" } ] }
            """);

        Assert.AreEqual(PolicyDecision.ExplicitDeny, Evaluator.AuthorizeConnect([policy], PolicyContext.ForConnection("test-7", [])).Decision);
        Assert.IsTrue(Evaluator.AuthorizeConnect([policy], PolicyContext.ForConnection("prod-7", [])).IsAllowed);
    }
}

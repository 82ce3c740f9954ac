using LocalIotCore.Policies;

namespace LocalIotCore.Tests.Policies;

[TestClass]
public sealed class PolicyDocumentTests
{
    [TestMethod]
    public void The_default_device_policy_parses_into_its_five_statements()
    {
        var policy = PolicyDocument.Parse(DefaultPolicies.DevicePolicyTemplate);

        Assert.HasCount(5, policy.Statements);
        Assert.AreEqual(PolicyEffect.Allow, policy.Statements[0].Effect);
        Assert.AreEqual("iot:Connect", policy.Statements[0].Actions[0]);
        Assert.AreEqual("Bool", policy.Statements[0].Conditions[0].Operator);
        Assert.AreEqual("iot:Connection.Thing.IsAttached", policy.Statements[0].Conditions[0].Key);
        Assert.HasCount(4, policy.Statements[1].Resources);
        Assert.AreEqual("iot:AssumeRoleWithCertificate", policy.Statements[4].Actions[0]);
    }

    [TestMethod]
    public void A_single_statement_object_and_string_action_and_resource_are_accepted()
    {
        var policy = PolicyDocument.Parse("""{ "Version": "2012-10-17", "Statement": { "Effect": "Deny", "Action": "iot:*", "Resource": "*" } }""");

        Assert.HasCount(1, policy.Statements);
        Assert.AreEqual(PolicyEffect.Deny, policy.Statements[0].Effect);
    }

    [TestMethod]
    [DataRow("not json", "not valid JSON")]
    [DataRow("[]", "must be a JSON object")]
    [DataRow("""{ "Version": "2012-10-17" }""", "has no Statement")]
    [DataRow("""{ "Version": "2020-01-01", "Statement": [] }""", "Version '2020-01-01'")]
    [DataRow("""{ "Version": "2012-10-17", "Statement": [] }""", "Statement is an empty array")]
    [DataRow("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Permit", "Action": "iot:*", "Resource": "*" } ] }""", "Statement[0].Effect is 'Permit'")]
    [DataRow("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Resource": "*" } ] }""", "Statement[0] has no Action")]
    [DataRow("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "iot:*" } ] }""", "Statement[0] has no Resource")]
    [DataRow("""{ "Version": "2012-10-17", "Statement": [ { "Action": "iot:*", "Resource": "*" } ] }""", "Statement[0] has no Effect")]
    [DataRow("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "Publish", "Resource": "*" } ] }""", "'Publish' is not of the form service:Action")]
    [DataRow("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "iot:*", "Resource": "topic/a" } ] }""", "Statement[0].Resource 'topic/a' is neither * nor an ARN")]
    [DataRow("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": ["iot:*", 3], "Resource": "*" } ] }""", "Statement[0].Action[1] must be a string")]
    [DataRow("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "iot:*", "Resource": "*", "Condition": { "StringSounds": { "iot:ClientId": "x" } } } ] }""", "unknown operator 'StringSounds'")]
    [DataRow("""{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "iot:*", "Resource": "*", "Extra": 1 } ] }""", "Unknown element 'Extra' in Statement[0]")]
    public void A_malformed_document_is_refused_saying_what_is_wrong(string json, string expected)
    {
        var refused = Assert.ThrowsExactly<MalformedPolicyException>(() => PolicyDocument.Parse(json));

        StringAssert.Contains(refused.Message, expected);
    }
}

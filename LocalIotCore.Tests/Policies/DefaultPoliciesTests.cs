using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LocalIotCore.Policies;

namespace LocalIotCore.Tests.Policies;

[TestClass]
public sealed partial class DefaultPoliciesTests
{
    [TestMethod]
    public void The_thing_policy_in_docs_aws_setup_is_the_file_LocalIotCore_embeds()
    {
        var doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "aws-setup.md"));
        var block = PolicyBlock().Match(doc);
        Assert.IsTrue(block.Success, "docs/aws-setup.md has no ```json block under '## 1. Thing policy'.");

        Assert.AreEqual(block.Groups["json"].Value, DefaultPolicies.DevicePolicyTemplate, "Copy Policies/default-device-policy.json into docs/aws-setup.md (or the other way round).");
        Assert.IsTrue(JsonNode.Parse(DefaultPolicies.DevicePolicyTemplate)?["Statement"] is JsonArray { Count: > 0 });
    }

    [TestMethod]
    public void Filling_in_region_and_account_leaves_no_placeholder_and_keeps_the_policy_variables()
    {
        var policy = DefaultPolicies.DevicePolicy("eu-west-1", "123456789012");

        StringAssert.Contains(policy, "arn:aws:iot:eu-west-1:123456789012:client/${iot:Connection.Thing.ThingName}");
        Assert.DoesNotContain("REGION", policy);
        Assert.DoesNotContain("ACCOUNT", policy);
    }

    [GeneratedRegex(@"## 1\. Thing policy.*?```json\n(?<json>.*?)```", RegexOptions.Singleline)]
    private static partial Regex PolicyBlock();
}

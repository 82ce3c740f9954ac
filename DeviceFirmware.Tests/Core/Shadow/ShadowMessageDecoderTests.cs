using System;
using DeviceFirmware.Core.Agent;
using DeviceFirmware.Core.Json;
using DeviceFirmware.Core.Shadow;
using DeviceFirmware.Tests.Core.Json;

namespace DeviceFirmware.Tests.Core.Shadow;

/// <summary>The JSON edge: what each shadow message becomes, before any part of the agent sees it.</summary>
[TestClass]
public sealed class ShadowMessageDecoderTests
{
    [TestMethod]
    public void A_delta_becomes_its_version_and_desired_values_in_document_order()
    {
        var decoded = Decode(Topics.UpdateDelta, "{\"state\":{\"MOTOR\":\"ON\",\"telemetryIntervalSeconds\":5,\"x\":1.5,\"y\":{\"z\":true}},\"version\":7,\"timestamp\":1}");
        var delta = (ShadowDeltaReceived)decoded;
        Assert.IsNull(delta.Refusal);
        Assert.IsNull(delta.VersionProblem);
        Assert.AreEqual(7L, delta.Version);
        Assert.AreEqual(4, delta.Desired.Count);
        Assert.AreEqual("MOTOR", delta.Desired[0].Name);
        Assert.IsTrue(delta.Desired[0].IsText("ON"));
        Assert.AreEqual((int)JsonKind.Integer, (int)delta.Desired[1].Kind);
        Assert.AreEqual(5L, delta.Desired[1].Integer);
        Assert.AreEqual("1.5 (number)", delta.Desired[2].Description);
        Assert.AreEqual("an object", delta.Desired[3].Description);
        Assert.IsTrue(delta.Desired.Contains("y"));
        Assert.IsFalse(delta.Desired.Contains("z"));
    }

    [TestMethod]
    public void A_desired_object_keeps_its_members_one_level_deep()
    {
        var delta = (ShadowDeltaReceived)Decode(Topics.UpdateDelta, "{\"state\":{\"s3\":{\"url\":\"s3://b/k\",\"hash\":7,\"deep\":{\"x\":1}},\"MOTOR\":\"ON\"},\"version\":2}");
        var members = delta.Desired[0].Members;
        Assert.IsNotNull(members);
        Assert.AreEqual(3, members!.Count);
        Assert.IsTrue(members[0].IsText("s3://b/k"));
        Assert.AreEqual(7L, members[1].Integer);
        Assert.AreEqual("an object", members[2].Description);
        Assert.IsNull(members[2].Members, "only one level is kept");
        Assert.IsNull(delta.Desired[1].Members, "a string has no members");
    }

    [TestMethod]
    public void The_payload_range_is_honoured()
    {
        var inner = JsonTestText.Ascii("{\"state\":{\"MOTOR\":12345},\"version\":3}");
        var framed = JsonTestText.Join(JsonTestText.Ascii("xx"), inner, JsonTestText.Ascii("]]"));
        var delta = (ShadowDeltaReceived)new ShadowMessageDecoder(Topics).Decode(Topics.UpdateDelta, framed, 2, inner.Length);
        Assert.AreEqual("12345 (number)", delta.Desired[0].Description, "a number's text is read from where the message starts");
        Assert.AreEqual(3L, delta.Version);
    }

    [TestMethod]
    [DataRow("{\"version\":2}", "delta has no state object")]
    [DataRow("{\"state\":[1],\"version\":2}", "delta has no state object")]
    [DataRow("{\"state\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{}}}}}}},\"version\":2}", "desired state is nested deeper than 6 levels")]
    public void A_delta_without_usable_state_carries_its_refusal(string json, string refusal)
    {
        var delta = (ShadowDeltaReceived)Decode(Topics.UpdateDelta, json);
        Assert.AreEqual(refusal, delta.Refusal);
        Assert.AreEqual(0, delta.Desired.Count, "nothing to apply");
    }

    [TestMethod]
    [DataRow("", "delta has no version")]
    [DataRow(",\"version\":true", "delta version is a boolean, not a positive integer")]
    [DataRow(",\"version\":-7", "delta version -7 is not a positive 64-bit integer")]
    [DataRow(",\"version\":12345678901234567890123456789012345678901234567890", "delta version 1234567890123456789012345678901234567890... is not a positive 64-bit integer")]
    public void A_delta_version_that_cannot_order_it_is_described(string version, string problem)
    {
        var delta = (ShadowDeltaReceived)Decode(Topics.UpdateDelta, "{\"state\":{\"MOTOR\":\"ON\"}" + version + "}");
        Assert.AreEqual(problem, delta.VersionProblem);
        Assert.AreEqual(0L, delta.Version);
    }

    [TestMethod]
    public void A_fetched_document_keeps_both_sections_the_connected_flag_and_the_error_names()
    {
        var document = (ShadowGetAccepted)Decode(Topics.GetAccepted,
            "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"},\"reported\":{\"connected\":true,\"errors\":{\"OLD\":\"x\",\"GONE\":null,\"B\":\"y\"}},\"delta\":{\"MOTOR\":\"ON\",\"n\":" + Deep(6) + "}},\"version\":12}");
        Assert.IsTrue(document.HasVersion);
        Assert.AreEqual(12L, document.Version);
        Assert.IsTrue(document.HasState);
        Assert.IsNotNull(document.Desired);
        Assert.IsFalse(document.DesiredTooDeep);
        Assert.IsTrue(document.DeltaTooDeep);
        Assert.IsTrue(document.ReportedConnectedTrue);
        Assert.AreEqual(2, document.ReportedErrorKeys.Length, "entries that are null already are left out");
        Assert.AreEqual("OLD", document.ReportedErrorKeys[0]);
        Assert.AreEqual("B", document.ReportedErrorKeys[1]);
    }

    [TestMethod]
    public void An_accepted_update_keeps_its_token_version_desired_MOTOR_and_a_false_connected_flag()
    {
        var accepted = (ShadowUpdateAccepted)Decode(Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":\"on\"},\"reported\":{\"connected\":false}},\"version\":5,\"clientToken\":\"app-1\"}");
        Assert.AreEqual("app-1", accepted.ClientToken);
        Assert.IsTrue(accepted.HasVersion);
        Assert.AreEqual(5L, accepted.Version);
        Assert.AreEqual("on", accepted.DesiredMotor, "any string: the parts decide what it means");
        Assert.IsTrue(accepted.ReportedConnectedFalse);

        var bare = (ShadowUpdateAccepted)Decode(Topics.UpdateAccepted, "{\"state\":{\"desired\":{\"MOTOR\":1}},\"version\":\"5\"}");
        Assert.IsNull(bare.ClientToken);
        Assert.IsFalse(bare.HasVersion);
        Assert.IsNull(bare.DesiredMotor);
        Assert.IsFalse(bare.ReportedConnectedFalse);
    }

    [TestMethod]
    public void Rejections_keep_code_message_and_token_with_defaults_when_absent()
    {
        var get = (ShadowGetRejected)Decode(Topics.GetRejected, "{\"code\":404,\"message\":\"No shadow\",\"clientToken\":\"fw1-2\"}");
        Assert.AreEqual(404, get.Code);
        Assert.AreEqual("No shadow", get.Message);
        Assert.AreEqual("fw1-2", get.ClientToken);
        var update = (ShadowUpdateRejected)Decode(Topics.UpdateRejected, "{\"code\":\"409\"}");
        Assert.AreEqual(0, update.Code);
        Assert.AreEqual("(no message)", update.Message);
        Assert.IsNull(update.ClientToken);
    }

    [TestMethod]
    public void Messages_refused_whole_say_why_and_whether_they_carry_commands()
    {
        var notJson = (ShadowMessageRefused)Decode(Topics.GetAccepted, "{\n\"state\":}");
        Assert.AreEqual("message is not valid JSON (line 2, byte 9)", notJson.Reason);
        Assert.IsTrue(notJson.CarriesCommands);
        Assert.IsNotNull(notJson.Detail, "the parser's own account goes to the debug log");

        var duplicate = (ShadowMessageRefused)Decode(Topics.UpdateDelta, "{\"state\":{\"MOTOR\":\"ON\",\"MOTOR\":\"OFF\"},\"version\":2}");
        Assert.IsTrue(duplicate.Reason.StartsWith("message is not valid JSON ("), "a duplicate key is ambiguous: refused, never guessed");

        var notObject = (ShadowMessageRefused)Decode(Topics.UpdateRejected, "null");
        Assert.AreEqual("message is null, not a JSON object", notObject.Reason);
        Assert.IsFalse(notObject.CarriesCommands);

        var notUtf8 = (ShadowMessageRefused)new ShadowMessageDecoder(Topics).Decode(Topics.UpdateDelta, new byte[] { 0x22, 0xFF, 0x22 }, 0, 3);
        Assert.AreEqual("message is not valid UTF-8", notUtf8.Reason);
        Assert.IsNull(notUtf8.Detail);
    }

    [TestMethod]
    public void A_valid_object_on_another_topic_is_unexpected()
    {
        var unexpected = (UnexpectedShadowMessage)Decode("things/pump-1/other", "{}");
        Assert.AreEqual("things/pump-1/other", unexpected.Topic);
    }

    [TestMethod]
    public void Descriptions_quote_at_most_forty_characters_and_never_split_a_surrogate_pair()
    {
        // 39 ASCII characters, then U+1F600 as an escaped surrogate pair: the cut falls inside the pair.
        var delta = (ShadowDeltaReceived)Decode(Topics.UpdateDelta, "{\"state\":{\"MOTOR\":\"" + new string('a', 39) + "\\ud83d\\ude00zz\"},\"version\":2}");
        Assert.AreEqual("\"" + new string('a', 39) + "...\" (string)", delta.Desired[0].Description);
    }

    private static readonly ShadowTopics Topics = new ShadowTopics("pump-1");

    private static AgentEvent Decode(string topic, string json)
    {
        var bytes = JsonTestText.Ascii(json);
        return new ShadowMessageDecoder(Topics).Decode(topic, bytes, 0, bytes.Length);
    }

    private static string Deep(int levels)
    {
        var text = "1";
        for (var i = 0; i < levels; i++)
        {
            text = "[" + text + "]";
        }

        return text;
    }
}

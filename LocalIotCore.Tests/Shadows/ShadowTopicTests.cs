using LocalIotCore.Shadows;

namespace LocalIotCore.Tests.Shadows;

[TestClass]
public sealed class ShadowTopicTests
{
    [TestMethod]
    [DataRow("$aws/things/pump-1/shadow/update", "pump-1", null, ShadowOperation.Update)]
    [DataRow("$aws/things/pump-1/shadow/get", "pump-1", null, ShadowOperation.Get)]
    [DataRow("$aws/things/pump-1/shadow/delete", "pump-1", null, ShadowOperation.Delete)]
    [DataRow("$aws/things/pump-1/shadow/name/config/update", "pump-1", "config", ShadowOperation.Update)]
    public void Request_topics_are_recognised(string topic, string thing, string? name, ShadowOperation operation)
    {
        Assert.IsTrue(ShadowTopic.TryParseRequest(topic, out var id, out var parsed));
        Assert.AreEqual(new ShadowId(thing, name), id);
        Assert.AreEqual(operation, parsed);
    }

    [TestMethod]
    [DataRow("$aws/things/pump-1/shadow/update/accepted")]
    [DataRow("$aws/things/pump-1/shadow/update/delta")]
    [DataRow("$aws/things//shadow/update")]
    [DataRow("$aws/things/pump-1/shadow/name//update")]
    [DataRow("$aws/things/pump-1/shadow/list")]
    [DataRow("things/pump-1/shadow/update")]
    public void Replies_and_other_topics_are_not_requests(string topic)
    {
        Assert.IsFalse(ShadowTopic.TryParseRequest(topic, out _, out _));
    }
}

using System.Text.Json.Nodes;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Rules;

/// <summary>The connection table is kept by a rule on the lifecycle topics, as a function on AWS would keep one: no rule, no table.</summary>
[TestClass]
public sealed class ConnectionTableRuleTests
{
    private const string Connected = "$aws/events/presence/connected/";

    [TestMethod]
    public async Task The_default_rule_records_a_things_connection_and_not_an_applications()
    {
        await using var cloud = await CloudInFolder.StartAsync("connection-rule");
        await using var listener = await TestClient.ApplicationAsync(cloud.Server.PlainApplicationPort!.Value, "$aws/events/presence/+/+");
        await using var device = await TestClient.DeviceAsync(cloud.Server.Authority, cloud.Server.MqttPort, "pump-1");
        await listener.NextAsync(Connected + "pump-1");
        await using var app = await TestClient.SessionAsync(cloud.Server.PlainApplicationPort!.Value, "dashboard-7", cleanSession: true);
        await listener.NextAsync(Connected + "dashboard-7");

        var things = await ThingsAsync(cloud);
        Assert.IsTrue((bool)Thing(things, "pump-1")!["connection"]!["connected"]!);
        Assert.IsNull(Thing(things, "dashboard-7"), "an application is not a thing");
    }

    [TestMethod]
    public async Task Without_the_rule_lifecycle_events_still_go_out_but_no_connection_is_recorded()
    {
        await using var cloud = await CloudInFolder.StartAsync("connection-rule-deleted");
        using (var deleted = await cloud.Http.DeleteAsync(new Uri("/rules/connectionTable", UriKind.Relative)))
        {
            Assert.IsTrue(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }

        await using var listener = await TestClient.ApplicationAsync(cloud.Server.PlainApplicationPort!.Value, "$aws/events/presence/+/+");
        await using var device = await TestClient.DeviceAsync(cloud.Server.Authority, cloud.Server.MqttPort, "pump-1");
        await listener.NextAsync(Connected + "pump-1");

        var pump = Thing(await ThingsAsync(cloud), "pump-1");
        Assert.IsNotNull(pump, "the thing is registered");
        Assert.IsNull(pump["connection"], "nothing kept its connection state: " + pump.ToJsonString());
    }

    private static async Task<JsonArray> ThingsAsync(CloudInFolder cloud) =>
        JsonNode.Parse(await cloud.Http.GetStringAsync(new Uri("/api/things", UriKind.Relative)))!["things"]!.AsArray();

    private static JsonNode? Thing(JsonArray things, string name) => things.FirstOrDefault(t => (string?)t!["thing"] == name);
}

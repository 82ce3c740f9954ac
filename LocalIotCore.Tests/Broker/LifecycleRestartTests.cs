using System.Text.Json.Nodes;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Broker;

/// <summary>The connection table's ordering (lifecycle versionNumber) survives a restart of LocalIotCore.</summary>
[TestClass]
public sealed class LifecycleRestartTests
{
    private const string Connected = "$aws/events/presence/connected/pump-1";
    private const string Disconnected = "$aws/events/presence/disconnected/pump-1";

    [TestMethod]
    public async Task After_a_restart_a_device_that_connects_is_connected_and_its_event_is_not_stale()
    {
        await using var cloud = await CloudInFolder.StartAsync("lifecycle-restart");
        long lastVersion = 0;
        await using (var app = await TestClient.ApplicationAsync(cloud.Server.PlainApplicationPort!.Value, "$aws/events/presence/+/+"))
        {
            // Two sessions before the restart, so the stored version (2) is above what a counter starting again would give (1).
            for (var session = 0; session < 2; session++)
            {
                var device = await TestClient.DeviceAsync(cloud.Server.Authority, cloud.Server.MqttPort, "pump-1");
                await app.NextAsync(Connected);
                await device.DisposeAsync();
                lastVersion = (long)JsonNode.Parse((await app.NextAsync(Disconnected)).Payload)!["versionNumber"]!;
            }
        }

        await cloud.RestartAsync();
        await using var listener = await TestClient.ApplicationAsync(cloud.Server.PlainApplicationPort!.Value, "$aws/events/presence/+/+");
        await using var again = await TestClient.DeviceAsync(cloud.Server.Authority, cloud.Server.MqttPort, "pump-1");
        var connected = JsonNode.Parse((await listener.NextAsync(Connected)).Payload)!;
        Assert.IsGreaterThan(lastVersion, (long)connected["versionNumber"]!, "the new session's version continues after the stored one");

        var newest = cloud.Server.Connections.RecentEvents(1)[0];
        Assert.AreEqual(("pump-1", true, false), (newest.Thing, newest.Connected, newest.Stale));
        var things = JsonNode.Parse(await cloud.Http.GetStringAsync("/api/things"))!["things"]!.AsArray();
        var pump = things.Single(t => (string?)t!["thing"] == "pump-1")!;
        Assert.IsTrue((bool)pump["connection"]!["connected"]!, "/api/things says the device is connected");
    }
}

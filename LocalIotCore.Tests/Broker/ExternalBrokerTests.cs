using System.Diagnostics;
using System.Text.Json.Nodes;
using LocalIotCore.Broker;
using LocalIotCore.Hosting;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Broker;

/// <summary>The shadow service, rules and notifier as a client of a real mosquitto (Debian's package, installed by .ci/run).</summary>
[TestClass]
public sealed class ExternalBrokerTests
{
    [TestMethod]
    public async Task Shadows_and_the_will_rule_work_through_mosquitto()
    {
        var folder = Path.Combine(Path.GetTempPath(), "localiotcore-ext-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var port = FreeTcpPort.Next();
        var config = Path.Combine(folder, "mosquitto.conf");
        await File.WriteAllTextAsync(config, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n");
        var mosquitto = Process.Start(new ProcessStartInfo(FindMosquitto(), "-c " + config) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        try
        {
            await WaitForPort(port);
            await using var server = await LocalIotCoreServer.StartAsync(new LocalIotCoreOptions { DataDirectory = Path.Combine(folder, "data"), HttpPort = 0, ExternalBroker = "127.0.0.1:" + port });
            await using var device = await TestClient.ApplicationAsync(port, "$aws/things/pump-1/shadow/update/accepted", "$aws/things/pump-1/shadow/get/rejected", "$aws/things/pump-1/shadow/update/delta");

            await device.PublishAsync("$aws/things/pump-1/shadow/get", "{\"clientToken\":\"g\"}");
            Assert.AreEqual(404, (int)JsonNode.Parse((await device.NextAsync("$aws/things/pump-1/shadow/get/rejected")).Payload)!["code"]!);

            await device.PublishAsync("$aws/things/pump-1/shadow/update", "{\"state\":{\"reported\":{\"connected\":true},\"desired\":{\"MOTOR\":\"ON\"}}}");
            var accepted = JsonNode.Parse((await device.NextAsync("$aws/things/pump-1/shadow/update/accepted")).Payload)!;
            Assert.AreEqual(1, (int)accepted["version"]!);
            Assert.AreEqual("ON", (string)JsonNode.Parse((await device.NextAsync("$aws/things/pump-1/shadow/update/delta")).Payload)!["state"]!["MOTOR"]!);

            // The Last Will pattern: a message on things/<thing>/lwt is republished to the shadow.
            await device.PublishAsync("things/pump-1/lwt", "{\"state\":{\"reported\":{\"connected\":false}}}");
            var will = JsonNode.Parse((await device.NextAsync("$aws/things/pump-1/shadow/update/accepted")).Payload)!;
            Assert.IsFalse((bool)will["state"]!["reported"]!["connected"]!);
            Assert.AreEqual(1, server.Notifier.PendingChecks, "the true -> false change started the notifier's grace period");

            // The dashboard's telemetry history is fed through the other broker too (the bridge subscribes to things/#).
            await device.PublishAsync("things/pump-1/telemetry", "{\"seq\":1,\"temperatureC\":20.5}");
            var deadline = DateTime.UtcNow + TestClient.Patience;
            while (server.Telemetry.Since("pump-1", 0, 10).Count == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            var kept = server.Telemetry.Since("pump-1", 0, 10);
            Assert.HasCount(1, kept, "the telemetry reached LocalIotCore through mosquitto");
            Assert.AreEqual("{\"seq\":1,\"temperatureC\":20.5}", kept[0].Json);

            // mosquitto restarts under LocalIotCore: the bridge reconnects and serves shadows again.
            mosquitto.Kill();
            await mosquitto.WaitForExitAsync();
            mosquitto = Process.Start(new ProcessStartInfo(FindMosquitto(), "-c " + config) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            await WaitForPort(port);
            await using var again = await TestClient.ApplicationAsync(port, "$aws/things/pump-1/shadow/get/accepted");
            var answer = await AskUntilAnswered(again, "$aws/things/pump-1/shadow/get", "$aws/things/pump-1/shadow/get/accepted");
            Assert.IsFalse((bool)JsonNode.Parse(answer)!["state"]!["reported"]!["connected"]!, "the shadow service answers through the restarted broker");
        }
        finally
        {
            mosquitto.Kill();
            await mosquitto.WaitForExitAsync();
            mosquitto.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Publishes the request until an answer comes: the bridge subscribes again only once it has reconnected.</summary>
    private static async Task<string> AskUntilAnswered(TestClient client, string requestTopic, string answerTopic)
    {
        var deadline = DateTime.UtcNow + TestClient.Patience;
        while (true)
        {
            await client.PublishAsync(requestTopic, "{}");
            try
            {
                return (await client.NextAsync(answerTopic, TimeSpan.FromSeconds(1))).Payload;
            }
            catch (OperationCanceledException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    private static string FindMosquitto()
    {
        foreach (var path in new[] { "/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto" })
        {
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.Fail("mosquitto is not installed; .ci/run installs it (apt-get install mosquitto).");
        return "";
    }

    private static async Task WaitForPort(int port)
    {
        var deadline = DateTime.UtcNow + TestClient.Patience;
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }
}

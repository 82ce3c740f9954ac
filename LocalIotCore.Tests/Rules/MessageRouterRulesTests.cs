using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Broker;
using LocalIotCore.Notifier;
using LocalIotCore.Rules;
using LocalIotCore.Shadows;
using LocalIotCore.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LocalIotCore.Tests.Rules;

[TestClass]
public sealed class MessageRouterRulesTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_795_000_000));
    private readonly List<(Uri Url, string Body)> _posts = [];
    private readonly TemporaryFolder _folder = new("router-rules");
    private readonly ShadowService _shadows;

    public MessageRouterRulesTests() => _shadows = new ShadowService(new InMemoryShadowStore(), _time);

    [TestCleanup]
    public void Cleanup() => _folder.Dispose();

    private DisconnectNotifier Notifier() => new(_shadows, Grace, _time, NullLogger.Instance, _folder.File("state.db"));

    private MessageRouter Router(RulesConfiguration rules, DisconnectNotifier? notifier = null) =>
        new(_shadows, new RuleEngine(rules), notifier, NullLogger.Instance, time: _time, httpPost: (url, body) =>
        {
            lock (_posts)
            {
                _posts.Add((url, Encoding.UTF8.GetString(body)));
            }

            return Task.CompletedTask;
        });

    private static RulesConfiguration With(string rule) => RulesConfiguration.Parse("{ \"rules\": [" + rule + "] }");

    private static byte[] Connected(bool connected) => Encoding.UTF8.GetBytes("{\"state\":{\"reported\":{\"connected\":" + (connected ? "true" : "false") + "}}}");

    [TestMethod]
    public void With_the_default_rules_a_last_will_after_connected_true_starts_one_notifier_check_and_it_notifies()
    {
        using var notifier = Notifier();
        var router = Router(RulesConfiguration.Default(), notifier);

        router.OnPublish("$aws/things/pump-1/shadow/update", Connected(true), "pump-1");
        Assert.AreEqual(0, notifier.PendingChecks, "connected=true starts nothing");
        var published = router.OnPublish("things/pump-1/lwt", Connected(false), null);

        var shadow = JsonNode.Parse(_shadows.Get(new ShadowId("pump-1", null), []).Body)!;
        Assert.IsFalse((bool)shadow["state"]!["reported"]!["connected"]!, "the will rule wrote the shadow");
        Assert.IsTrue(published.Any(m => m.Topic == "$aws/things/pump-1/shadow/update/accepted"), "the update's replies are published");
        Assert.AreEqual(1, notifier.PendingChecks);

        // The broker hands LocalIotCore's own replies back; they must not start the rules again.
        foreach (var message in published)
        {
            router.OnPublish(message.Topic, message.Payload, "localiotcore");
        }

        _time.Advance(Grace);
        Assert.AreEqual(1, notifier.Notifications.Count);
        Assert.AreEqual("pump-1", notifier.Notifications[0].Thing);
    }

    [TestMethod]
    public void A_named_shadow_going_offline_starts_no_check()
    {
        using var notifier = Notifier();
        var router = Router(RulesConfiguration.Default(), notifier);

        router.OnPublish("$aws/things/pump-1/shadow/name/link/update", Connected(true), "pump-1");
        router.OnPublish("$aws/things/pump-1/shadow/name/link/update", Connected(false), "pump-1");

        Assert.AreEqual(0, notifier.PendingChecks);
    }

    [TestMethod]
    public void An_http_rule_on_shadow_documents_posts_the_selection_once_even_when_the_broker_echoes_the_documents()
    {
        var router = Router(With("""
            { "ruleName": "offline", "topicRulePayload": {
              "sql": "SELECT topic(3) AS thing, clientid() AS by FROM '$aws/things/+/shadow/update/documents' WHERE current.state.reported.connected = false",
              "actions": [ { "http": { "url": "http://hooks.example/offline/${topic(3)}" } } ] } }
            """));

        var published = router.OnPublish("$aws/things/pump-1/shadow/update", Connected(false), "pump-1");
        foreach (var message in published)
        {
            router.OnPublish(message.Topic, message.Payload, "localiotcore");
        }

        lock (_posts)
        {
            Assert.HasCount(1, _posts);
            Assert.AreEqual("http://hooks.example/offline/pump-1", _posts[0].Url.ToString());
            Assert.AreEqual("""{"thing":"pump-1","by":"n/a"}""", _posts[0].Body, "the shadow service, not an MQTT client, published the documents");
        }
    }

    [TestMethod]
    public void A_republish_to_an_ordinary_topic_is_returned_for_the_broker_with_the_client_id_selected()
    {
        var router = Router(With("""
            { "ruleName": "hot", "topicRulePayload": {
              "sql": "SELECT temperature, clientid() AS client FROM 'things/+/telemetry' WHERE temperature > 30",
              "actions": [ { "republish": { "topic": "alerts/${topic(2)}", "qos": 1 } } ] } }
            """));

        var published = router.OnPublish("things/pump-1/telemetry", """{"temperature":35}"""u8, "pump-1");

        Assert.HasCount(1, published);
        Assert.AreEqual("alerts/pump-1", published[0].Topic);
        Assert.AreEqual("""{"temperature":35,"client":"pump-1"}""", Encoding.UTF8.GetString(published[0].Payload));
        Assert.HasCount(0, router.OnPublish("things/pump-1/telemetry", """{"temperature":20}"""u8, "pump-1"));
    }

    [TestMethod]
    public void A_rule_that_feeds_its_own_trigger_is_stopped()
    {
        var router = Router(With("""
            { "ruleName": "loop", "topicRulePayload": {
              "sql": "SELECT state FROM '$aws/things/+/shadow/update/accepted'",
              "actions": [ { "republish": { "topic": "$$aws/things/${topic(3)}/shadow/update" } } ] } }
            """));

        router.OnPublish("$aws/things/pump-1/shadow/update", Connected(true), "pump-1");

        var version = (int)JsonNode.Parse(_shadows.Get(new ShadowId("pump-1", null), []).Body)!["version"]!;
        Assert.AreEqual(MessageRouter.MaximumRuleDepth + 1, version, "the device's update plus one per allowed level");
    }

    [TestMethod]
    public void An_http_update_of_the_shadow_runs_the_rules_too()
    {
        using var notifier = Notifier();
        var router = Router(RulesConfiguration.Default(), notifier);
        var id = new ShadowId("pump-1", null);

        router.Execute(id, ShadowOperation.Update, Connected(true));
        router.Execute(id, ShadowOperation.Update, Connected(false));

        Assert.AreEqual(1, notifier.PendingChecks);
    }
}

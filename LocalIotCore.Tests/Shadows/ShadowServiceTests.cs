using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Shadows;
using Microsoft.Extensions.Time.Testing;

namespace LocalIotCore.Tests.Shadows;

[TestClass]
public sealed class ShadowServiceTests
{
    private const long T0 = 1_795_000_000;
    private static readonly ShadowId Pump = new("pump-1", null);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(T0));
    private ShadowService _service = null!;

    [TestInitialize]
    public void Init() => _service = new ShadowService(new InMemoryShadowStore(), _time);

    private static byte[] B(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>Expected JSON with @T0 (the start time) and @T1 (ten seconds later) filled in.</summary>
    private static string J(string template) => template.Replace("@T0", T0.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("@T1", (T0 + 10).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    internal static void AssertJson(string expected, byte[] actual)
    {
        var e = JsonNode.Parse(expected);
        var a = JsonNode.Parse(actual);
        Assert.IsTrue(JsonNode.DeepEquals(e, a), "expected " + e!.ToJsonString() + "\n  actual " + a!.ToJsonString());
    }

    private static byte[] Message(ShadowResponse response, string suffix)
    {
        foreach (var message in response.Messages)
        {
            if (message.Topic.EndsWith(suffix, StringComparison.Ordinal))
            {
                return message.Payload;
            }
        }

        Assert.Fail("no message on *" + suffix + " among " + string.Join(", ", Topics(response)));
        return [];
    }

    private static List<string> Topics(ShadowResponse response)
    {
        var topics = new List<string>();
        foreach (var m in response.Messages)
        {
            topics.Add(m.Topic);
        }

        return topics;
    }

    [TestMethod]
    public void First_update_creates_version_1_with_metadata_and_publishes_accepted_delta_and_documents()
    {
        var response = _service.Update(Pump, B("{\"state\":{\"desired\":{\"MOTOR\":\"ON\"},\"reported\":{\"MOTOR\":\"OFF\"}},\"clientToken\":\"t1\"}"));
        Assert.AreEqual(200, response.StatusCode);
        CollectionAssert.AreEqual(new[] { "$aws/things/pump-1/shadow/update/accepted", "$aws/things/pump-1/shadow/update/delta", "$aws/things/pump-1/shadow/update/documents" }, Topics(response));
        AssertJson(J("""{"state":{"desired":{"MOTOR":"ON"},"reported":{"MOTOR":"OFF"}},"metadata":{"desired":{"MOTOR":{"timestamp":@T0}},"reported":{"MOTOR":{"timestamp":@T0}}},"version":1,"timestamp":@T0,"clientToken":"t1"}"""), response.Body);
        AssertJson(J("""{"version":1,"timestamp":@T0,"state":{"MOTOR":"ON"},"metadata":{"MOTOR":{"timestamp":@T0}},"clientToken":"t1"}"""), Message(response, "/delta"));
        AssertJson(J("""{"current":{"state":{"desired":{"MOTOR":"ON"},"reported":{"MOTOR":"OFF"}},"metadata":{"desired":{"MOTOR":{"timestamp":@T0}},"reported":{"MOTOR":{"timestamp":@T0}}},"version":1},"timestamp":@T0,"clientToken":"t1"}"""), Message(response, "/documents"));
    }

    [TestMethod]
    public void Updates_merge_recursively_and_null_deletes_leaves_objects_and_sections()
    {
        _service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":1,\"cfg\":{\"x\":1,\"y\":2},\"gone\":true},\"desired\":{\"d\":1}}}"));
        _time.Advance(TimeSpan.FromSeconds(10));
        var response = _service.Update(Pump, B("{\"state\":{\"reported\":{\"cfg\":{\"y\":null,\"z\":[1,2]},\"gone\":null,\"b\":\"new\"}}}"));
        AssertJson(J("""
            {"current":{"state":{"desired":{"d":1},"reported":{"a":1,"cfg":{"x":1,"z":[1,2]},"b":"new"}},
              "metadata":{"desired":{"d":{"timestamp":@T0}},"reported":{"a":{"timestamp":@T0},"cfg":{"x":{"timestamp":@T0},"z":[{"timestamp":@T1},{"timestamp":@T1}]},"b":{"timestamp":@T1}}},
              "version":2},
             "previous":{"state":{"desired":{"d":1},"reported":{"a":1,"cfg":{"x":1,"y":2},"gone":true}},
              "metadata":{"desired":{"d":{"timestamp":@T0}},"reported":{"a":{"timestamp":@T0},"cfg":{"x":{"timestamp":@T0},"y":{"timestamp":@T0}},"gone":{"timestamp":@T0}}},
              "version":1},
             "timestamp":@T1}
            """), Message(response, "/documents"));

        _service.Update(Pump, B("{\"state\":{\"reported\":{\"cfg\":{\"x\":null,\"z\":null}},\"desired\":null}}"));
        var get = _service.Get(Pump, []);
        AssertJson(J("""{"state":{"reported":{"a":1,"b":"new"}},"metadata":{"reported":{"a":{"timestamp":@T0},"b":{"timestamp":@T1}}},"version":3,"timestamp":@T1}"""), get.Body);
    }

    [TestMethod]
    public void Delta_is_recursive_and_absent_when_desired_matches_reported()
    {
        var first = _service.Update(Pump, B("{\"state\":{\"desired\":{\"cfg\":{\"a\":1,\"b\":2},\"MOTOR\":\"ON\"},\"reported\":{\"cfg\":{\"a\":1,\"b\":3},\"MOTOR\":\"ON\"}}}"));
        AssertJson(J("""{"version":1,"timestamp":@T0,"state":{"cfg":{"b":2}},"metadata":{"cfg":{"b":{"timestamp":@T0}}}}"""), Message(first, "/delta"));
        var matching = _service.Update(Pump, B("{\"state\":{\"desired\":{\"cfg\":{\"b\":3}}}}"));
        CollectionAssert.DoesNotContain(Topics(matching), "$aws/things/pump-1/shadow/update/delta");
        var reportedOnly = _service.Update(Pump, B("{\"state\":{\"reported\":{\"MOTOR\":\"OFF\"}}}"));
        CollectionAssert.DoesNotContain(Topics(reportedOnly), "$aws/things/pump-1/shadow/update/delta", "a reported-only update publishes no delta");
        AssertJson(J("""{"state":{"desired":{"cfg":{"a":1,"b":3},"MOTOR":"ON"},"reported":{"cfg":{"a":1,"b":3},"MOTOR":"OFF"},"delta":{"MOTOR":"ON"}},"metadata":{"desired":{"cfg":{"a":{"timestamp":@T0},"b":{"timestamp":@T0}},"MOTOR":{"timestamp":@T0}},"reported":{"cfg":{"a":{"timestamp":@T0},"b":{"timestamp":@T0}},"MOTOR":{"timestamp":@T0}}},"version":3,"timestamp":@T0}"""), _service.Get(Pump, []).Body);
    }

    [TestMethod]
    public void Version_mismatch_is_409_and_a_matching_version_is_accepted()
    {
        _service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":1}}}"));
        var conflict = _service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":2}},\"version\":7,\"clientToken\":\"c\"}"));
        Assert.AreEqual(409, conflict.StatusCode);
        AssertJson(J("""{"code":409,"message":"Version conflict","timestamp":@T0,"clientToken":"c"}"""), conflict.Body);
        CollectionAssert.AreEqual(new[] { "$aws/things/pump-1/shadow/update/rejected" }, Topics(conflict));
        Assert.AreEqual(200, _service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":2}},\"version\":1}")).StatusCode);
    }

    [TestMethod]
    [DataRow("{\"state\":", 400, "Payload contains invalid json")]
    [DataRow("[1,2]", 400, "Payload contains invalid json")]
    [DataRow("{\"clientToken\":\"x\"}", 400, "Missing required node: state")]
    [DataRow("{\"state\":\"on\"}", 400, "Missing required node: state")]
    [DataRow("{\"state\":{\"desired\":5}}", 400, "state.desired must be an object or null")]
    [DataRow("{\"state\":{\"delta\":{\"a\":1}}}", 400, "delta is not allowed")]
    [DataRow("{\"state\":{\"reported\":{}},\"version\":\"1\"}", 400, "Invalid version")]
    [DataRow("{\"state\":{\"reported\":{}},\"clientToken\":5}", 400, "clientToken must be a string")]
    [DataRow("{\"state\":{\"reported\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":1}}}}}}}}}", 400, "too many levels of nesting")]
    public void Bad_requests_are_rejected_with_the_right_code_and_change_nothing(string payload, int code, string message)
    {
        _service.Update(Pump, B("{\"state\":{\"reported\":{\"keep\":true}}}"));
        var before = _service.Get(Pump, []).Body;
        var response = _service.Update(Pump, B(payload));
        Assert.AreEqual(code, response.StatusCode);
        var body = JsonNode.Parse(response.Body)!;
        Assert.AreEqual(code, (int)body["code"]!);
        StringAssert.Contains((string)body["message"]!, message);
        Assert.AreEqual(1, response.Messages.Count);
        StringAssert.EndsWith(response.Messages[0].Topic, "/update/rejected");
        CollectionAssert.AreEqual(before, _service.Get(Pump, []).Body, "a rejected request leaves the shadow as it was");
    }

    [TestMethod]
    public void Six_levels_of_nesting_are_allowed()
    {
        Assert.AreEqual(200, _service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":1}}}}}}}}")).StatusCode);
    }

    [TestMethod]
    public void Long_client_token_is_400()
    {
        var response = _service.Update(Pump, B("{\"state\":{\"reported\":{}},\"clientToken\":\"" + new string('x', 65) + "\"}"));
        Assert.AreEqual(400, response.StatusCode);
    }

    [TestMethod]
    public void Over_8_KB_of_state_is_413_and_the_shadow_is_unchanged()
    {
        _service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":1}}}"));
        var big = _service.Update(Pump, B("{\"state\":{\"desired\":{\"blob\":\"" + new string('x', 8200) + "\"}},\"clientToken\":\"big\"}"));
        Assert.AreEqual(413, big.StatusCode);
        Assert.AreEqual("big", (string)JsonNode.Parse(big.Body)!["clientToken"]!);
        Assert.AreEqual(1, (int)JsonNode.Parse(_service.Get(Pump, []).Body)!["version"]!);
        Assert.AreEqual(413, _service.Update(Pump, new byte[ShadowLimits.MaximumRequestBytes + 1]).StatusCode, "over the MQTT message limit");
    }

    [TestMethod]
    public void Invalid_utf8_is_415()
    {
        var response = _service.Update(Pump, [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]);
        Assert.AreEqual(415, response.StatusCode);
        StringAssert.EndsWith(response.Messages[0].Topic, "/update/rejected");
    }

    [TestMethod]
    public void Get_and_delete_of_a_missing_shadow_are_404_and_delete_keeps_the_version()
    {
        var get = _service.Get(Pump, B("{\"clientToken\":\"g\"}"));
        Assert.AreEqual(404, get.StatusCode);
        AssertJson(J("""{"code":404,"message":"No shadow exists with name: 'pump-1'","timestamp":@T0,"clientToken":"g"}"""), get.Body);
        Assert.AreEqual("$aws/things/pump-1/shadow/get/rejected", get.Messages[0].Topic);
        Assert.AreEqual(404, _service.Delete(Pump, []).StatusCode);

        _service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":1}}}"));
        _service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":2}}}"));
        var deleted = _service.Delete(Pump, B("{\"clientToken\":\"d\"}"));
        AssertJson(J("""{"version":2,"timestamp":@T0,"clientToken":"d"}"""), deleted.Body);
        Assert.AreEqual("$aws/things/pump-1/shadow/delete/accepted", deleted.Messages[0].Topic);
        Assert.AreEqual(404, _service.Get(Pump, []).StatusCode);
        Assert.AreEqual(0, _service.List().Count);
        var recreated = _service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":3}}}"));
        Assert.AreEqual(3, (int)JsonNode.Parse(recreated.Body)!["version"]!, "a re-created shadow continues the version numbering");
        Assert.IsFalse(JsonNode.Parse(Message(recreated, "/documents"))!.AsObject().ContainsKey("previous"), "nothing before a re-created shadow");
    }

    [TestMethod]
    public void Named_shadows_are_independent_of_the_classic_shadow()
    {
        var named = new ShadowId("pump-1", "config");
        var response = _service.Update(named, B("{\"state\":{\"desired\":{\"rate\":5}}}"));
        Assert.AreEqual("$aws/things/pump-1/shadow/name/config/update/accepted", response.Messages[0].Topic);
        Assert.AreEqual("$aws/things/pump-1/shadow/name/config/update/delta", response.Messages[1].Topic);
        Assert.AreEqual(404, _service.Get(Pump, []).StatusCode);
        Assert.AreEqual(200, _service.Get(named, []).StatusCode);
        Assert.AreEqual(400, _service.Get(new ShadowId("bad name", null), []).StatusCode);
        Assert.AreEqual(400, _service.Get(new ShadowId("pump-1", "bad/name"), []).StatusCode);
    }

    [TestMethod]
    public void Shadows_survive_reopening_the_SQLite_file()
    {
        var path = Path.Combine(Path.GetTempPath(), "shadows-" + Guid.NewGuid().ToString("N") + ".db");
        try
        {
            using (var store = new SqliteShadowStore(path))
            {
                var service = new ShadowService(store, _time);
                service.Update(Pump, B("{\"state\":{\"desired\":{\"MOTOR\":\"ON\"},\"reported\":{\"connected\":true}}}"));
                service.Update(new ShadowId("pump-2", null), B("{\"state\":{\"reported\":{\"x\":1}}}"));
                service.Delete(new ShadowId("pump-2", null), []);
            }

            using (var reopened = new SqliteShadowStore(path))
            {
                var service = new ShadowService(reopened, _time);
                AssertJson(J("""{"state":{"desired":{"MOTOR":"ON"},"reported":{"connected":true},"delta":{"MOTOR":"ON"}},"metadata":{"desired":{"MOTOR":{"timestamp":@T0}},"reported":{"connected":{"timestamp":@T0}}},"version":1,"timestamp":@T0}"""), service.Get(Pump, []).Body);
                Assert.AreEqual(1, service.List().Count);
                Assert.AreEqual(2, (int)JsonNode.Parse(service.Update(new ShadowId("pump-2", null), B("{\"state\":{\"reported\":{\"x\":2}}}")).Body)!["version"]!);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + "*"))
            {
                File.Delete(file);
            }
        }
    }

    [TestMethod]
    public void Parallel_updates_each_get_their_own_version()
    {
        var accepted = 0;
        Parallel.For(0, 200, i =>
        {
            if (_service.Update(Pump, B("{\"state\":{\"reported\":{\"n" + (i % 7) + "\":" + i + "}}}")).StatusCode == 200)
            {
                Interlocked.Increment(ref accepted);
            }
        });
        Assert.AreEqual(200, accepted);
        Assert.AreEqual(200, (int)JsonNode.Parse(_service.Get(Pump, []).Body)!["version"]!);
    }

    [TestMethod]
    [DataRow("{\"state\":{\"reported\":{\"a\":1,\"a\":2}}}")]
    [DataRow("{\"state\":{\"reported\":{}},\"state\":{\"desired\":{}}}")]
    public void Duplicate_keys_are_400_not_a_crash(string payload)
    {
        var response = _service.Update(Pump, B(payload));
        Assert.AreEqual(400, response.StatusCode);
        Assert.AreEqual(404, _service.Get(Pump, []).StatusCode, "nothing was stored");
    }

    [TestMethod]
    public void A_failing_store_answers_500_and_keeps_the_shadow_as_it_was()
    {
        var store = new FailingStore();
        var service = new ShadowService(store, _time);
        service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":1}}}"));
        store.Fail = true;
        var response = service.Update(Pump, B("{\"state\":{\"reported\":{\"a\":2}},\"clientToken\":\"f\"}"));
        Assert.AreEqual(500, response.StatusCode);
        StringAssert.EndsWith(response.Messages[0].Topic, "/update/rejected");
        store.Fail = false;
        Assert.AreEqual(1, (int)JsonNode.Parse(service.Get(Pump, []).Body)!["state"]!["reported"]!["a"]!);
    }

    private sealed class FailingStore : IShadowStore
    {
        private readonly InMemoryShadowStore _inner = new();

        public bool Fail { get; set; }

        public IReadOnlyList<StoredShadow> LoadAll() => _inner.LoadAll();

        public void Save(StoredShadow shadow)
        {
            if (Fail)
            {
                throw new IOException("disk full");
            }

            _inner.Save(shadow);
        }
    }
}

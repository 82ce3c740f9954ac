using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using LocalIotCore.S3;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.S3;

/// <summary>
/// deploy/functions/s3_fanout.py, the Lambda function docs/aws-setup.md deploys, run through Debian's
/// python3 and boto3 against LocalIotCore with nothing changed but its endpoints and CA bundle: an
/// upload's SHA-256 lands in the desired.s3 of every thing that has a shadow, and only there.
/// </summary>
[TestClass]
public sealed class S3FanOutFunctionTests
{
    private const string Bucket = "function-uploads";

    private S3Cloud _cloud = null!;

    public TestContext TestContext { get; set; } = null!;

    // No fan-out bucket: what reaches the shadows is the function's work, not the in-process rule's.
    [TestInitialize]
    public async Task StartAsync() => _cloud = await S3Cloud.StartAsync("s3func", o => o.S3.FanOutBuckets = []);

    [TestCleanup]
    public async Task StopAsync() => await _cloud.DisposeAsync();

    [TestMethod]
    public async Task The_function_writes_the_uploads_hash_into_every_shadow_and_skips_things_without_one()
    {
        await AwsClients.RequireBoto3Async();
        string[] withShadow = ["pump-1", "pump-2", "pump-3", "valve-1"];
        const string withoutShadow = "pump-new";
        var https = _cloud.Https();
        foreach (var thing in withShadow)
        {
            _cloud.Server.Registry.CreateThing(thing);
            using var reported = await https.PostAsync(new Uri("/things/" + thing + "/shadow", UriKind.Relative), new StringContent("""{"state":{"reported":{"online":true}}}"""));
            Assert.AreEqual(HttpStatusCode.OK, reported.StatusCode);
        }

        _cloud.Server.Registry.CreateThing(withoutShadow);
        const string key = "releases/pump firmware v2.bin";
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("firmware block ", 100_000)));
        var admin = _cloud.AdministratorClient();
        await admin.PutBucketAsync(Bucket);
        await admin.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(content) });
        var hash = Convert.ToHexStringLower(SHA256.HashData(content));

        var (exit, output, error) = await RunFunctionAsync(Bucket, "releases/pump+firmware+v2.bin");
        TestContext.WriteLine("$ python3 deploy/functions/s3_fanout.py event.json  (LIST_THINGS_PAGE_SIZE=2)");
        TestContext.WriteLine(output);
        TestContext.WriteLine(error);
        Assert.AreEqual(0, exit, error);

        var upload = JsonNode.Parse(output)!["uploads"]!.AsArray().Single()!;
        var url = "s3://" + Bucket + "/" + key;
        Assert.AreEqual(url, (string?)upload["url"], "the notification's URL-encoded key is decoded");
        Assert.AreEqual(hash, (string?)upload["hash"]);
        var results = upload["results"]!.AsArray().ToDictionary(r => (string)r!["thing"]!, r => (string)r!["status"]!);
        // Five things in pages of two: the function followed nextToken to the last page.
        CollectionAssert.AreEquivalent(withShadow.Append(withoutShadow).ToArray(), results.Keys.ToArray());
        Assert.AreEqual("skipped: no shadow", results[withoutShadow]);
        foreach (var thing in withShadow)
        {
            Assert.AreEqual("updated", results[thing], thing);
            var shadow = JsonNode.Parse(await https.GetStringAsync(new Uri("/things/" + thing + "/shadow", UriKind.Relative)))!;
            var s3 = shadow["state"]!["desired"]!["s3"]!;
            Assert.AreEqual(url, (string?)s3["url"], thing);
            Assert.AreEqual(hash, (string?)s3["hash"], thing);
            Assert.IsTrue((bool)shadow["state"]!["reported"]!["online"]!, "the rest of the shadow is kept");
        }

        using var none = await https.GetAsync(new Uri("/things/" + withoutShadow + "/shadow", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.NotFound, none.StatusCode, "a skipped thing still has no shadow");
        StringAssert.Contains(error, withShadow[0] + ": updated", "the function logs each thing's result");
    }

    [TestMethod]
    public async Task A_throttled_shadow_update_is_retried_once_and_then_reported_failed()
    {
        await AwsClients.RequireBoto3Async();
        // LocalIotCore never throttles by itself, so botocore's Stubber answers as AWS does under load (429 ThrottlingException).
        const string script = """
            import io, json, sys
            sys.path.insert(0, sys.argv[1])
            import boto3, s3_fanout
            from botocore.response import StreamingBody
            from botocore.stub import Stubber
            def body(text):
                return {"payload": StreamingBody(io.BytesIO(text), len(text))}
            data = boto3.client("iot-data", region_name="us-east-1", endpoint_url="https://data.invalid")
            with Stubber(data) as stub:
                stub.add_response("get_thing_shadow", body(b"{}"), {"thingName": "pump-1"})
                stub.add_client_error("update_thing_shadow", service_error_code="ThrottlingException", http_status_code=429)
                stub.add_response("update_thing_shadow", body(b'{"version":7}'))
                stub.add_response("get_thing_shadow", body(b"{}"), {"thingName": "pump-2"})
                stub.add_client_error("update_thing_shadow", service_error_code="ThrottlingException", http_status_code=429)
                stub.add_client_error("update_thing_shadow", service_error_code="ThrottlingException", http_status_code=429)
                results = [s3_fanout.update_shadow(data, thing, b"{}", 0) for thing in ("pump-1", "pump-2")]
                stub.assert_no_pending_responses()
            print(json.dumps(results))
            """;
        var (exit, output, error) = await AwsClients.RunAsync(AwsClients.Python, ["-B", "-c", script, Path.Combine(AppContext.BaseDirectory, "deploy", "functions")]);
        Assert.AreEqual(0, exit, error);
        var results = JsonNode.Parse(output)!.AsArray();
        Assert.AreEqual("updated", (string?)results[0]!["status"], output);
        Assert.AreEqual(2, (int)results[0]!["attempts"]!, "updated on the retry");
        Assert.AreEqual(7, (int)results[0]!["version"]!);
        StringAssert.StartsWith((string?)results[1]!["status"], "failed: ", output);
        StringAssert.Contains((string?)results[1]!["status"], "ThrottlingException");
        Assert.AreEqual(2, (int)results[1]!["attempts"]!, "one retry, not more");
    }

    /// <summary>
    /// Runs the function as a user runs it against LocalIotCore: the S3 and IoT endpoints and the CA bundle
    /// in the environment, the administrator's keys (the IoT APIs take any); the data endpoint is left to
    /// DescribeEndpoint, as on AWS.
    /// </summary>
    private async Task<(int Exit, string Output, string Error)> RunFunctionAsync(string bucket, string encodedKey)
    {
        var record = new JsonObject
        {
            ["eventSource"] = "aws:s3",
            ["eventName"] = "ObjectCreated:Put",
            ["s3"] = new JsonObject
            {
                ["bucket"] = new JsonObject { ["name"] = bucket },
                ["object"] = new JsonObject { ["key"] = encodedKey },
            },
        };
        var eventPath = Path.Combine(_cloud.Folder, "event.json");
        await File.WriteAllTextAsync(eventPath, new JsonObject { ["Records"] = new JsonArray(record) }.ToJsonString());
        var function = Path.Combine(AppContext.BaseDirectory, "deploy", "functions", "s3_fanout.py");
        return await AwsClients.RunAsync(AwsClients.Python, [function, eventPath], new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = S3Options.DefaultAdministratorAccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = S3Options.DefaultAdministratorSecretAccessKey,
            ["AWS_ENDPOINT_URL_S3"] = _cloud.Endpoint,
            ["AWS_ENDPOINT_URL_IOT"] = _cloud.Endpoint,
            ["AWS_CA_BUNDLE"] = _cloud.CaPath,
            ["LIST_THINGS_PAGE_SIZE"] = "2",
            ["PYTHONDONTWRITEBYTECODE"] = "1",
        });
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using LocalIotCore.S3;
using LocalIotCore.Tests.S3;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Dashboard;

/// <summary>What the dashboard's "S3 uploads" panel loads: /api/s3-uploads, the upload rule's outcome per thing.</summary>
[TestClass]
public sealed class S3UploadsApiTests
{
    private S3Cloud _cloud = null!;
    private HttpClient _http = null!;

    [TestInitialize]
    public async Task StartAsync()
    {
        _cloud = await S3Cloud.StartAsync("s3uploads");
        _http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:" + _cloud.Server.HttpPort) };
    }

    [TestCleanup]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _cloud.DisposeAsync();
    }

    [TestMethod]
    public async Task An_upload_to_the_device_files_bucket_is_listed_with_each_thing_s_result()
    {
        var before = await GetJson("/api/s3-uploads");
        Assert.AreEqual(S3Options.DefaultFanOutBucket, before["buckets"]![0]!.GetValue<string>());
        Assert.AreEqual(0, before["uploads"]!.AsArray().Count, "nothing uploaded yet");

        // pump-1 is registered and has a shadow; pump-2 is registered only, so the rule skips it.
        _cloud.Server.Registry.CreateThing("pump-1");
        _cloud.Server.Registry.CreateThing("pump-2");
        using (var shadow = await _http.PostAsync(new Uri("/things/pump-1/shadow", UriKind.Relative), new StringContent("{\"state\":{\"reported\":{\"MOTOR\":\"OFF\"}}}", Encoding.UTF8, "application/json")))
        {
            Assert.AreEqual(HttpStatusCode.OK, shadow.StatusCode);
        }

        var body = "{\"setpointC\":21.5}";
        var s3 = _cloud.AdministratorClient();
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = S3Options.DefaultFanOutBucket, Key = "configs/pump.json", ContentBody = body });

        var uploads = await UntilUploadsAsync(1);
        var upload = uploads[0]!;
        Assert.AreEqual("s3://device-files/configs/pump.json", upload["url"]!.GetValue<string>());
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body))), upload["hash"]!.GetValue<string>());
        Assert.AreEqual(body.Length, upload["size"]!.GetValue<long>());
        var at = DateTime.Parse(upload["at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.IsTrue(Math.Abs((at - _cloud.Time.GetUtcNow().UtcDateTime).TotalMinutes) < 1, "the upload's time is LocalIotCore's clock: " + at.ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        var results = upload["results"]!.AsArray();
        Assert.AreEqual(2, results.Count, "one result per registered thing");
        var updated = Result(results, "pump-1");
        Assert.AreEqual("updated", updated["status"]!.GetValue<string>());
        Assert.AreEqual(1, updated["attempts"]!.GetValue<int>());
        Assert.AreEqual(2, updated["version"]!.GetValue<long>(), "the shadow's version after the rule's update");
        Assert.AreEqual("skipped: no shadow", Result(results, "pump-2")["status"]!.GetValue<string>());
        Assert.IsNull(Result(results, "pump-2")["version"]);

        // The result is true: the shadow now asks for the file.
        var document = await GetJson("/things/pump-1/shadow");
        Assert.AreEqual(upload["hash"]!.GetValue<string>(), document["state"]!["desired"]!["s3"]!["hash"]!.GetValue<string>());

        // A new version of the object is a second entry, newest last, with the new hash.
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = S3Options.DefaultFanOutBucket, Key = "configs/pump.json", ContentBody = "{\"setpointC\":22}" });
        uploads = await UntilUploadsAsync(2);
        Assert.AreNotEqual(uploads[0]!["hash"]!.GetValue<string>(), uploads[1]!["hash"]!.GetValue<string>());
        Assert.AreEqual(3, Result(uploads[1]!["results"]!.AsArray(), "pump-1")["version"]!.GetValue<long>());
    }

    [TestMethod]
    public async Task An_upload_to_another_bucket_is_not_listed()
    {
        _cloud.Server.Registry.CreateThing("pump-1");
        var s3 = _cloud.AdministratorClient();
        await s3.PutBucketAsync("other-files");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "other-files", Key = "a.txt", ContentBody = "a" });
        // The rule handles uploads in order: once the device-files one is listed, the other one was passed over.
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = S3Options.DefaultFanOutBucket, Key = "b.txt", ContentBody = "b" });
        var uploads = await UntilUploadsAsync(1);
        Assert.AreEqual(1, uploads.Count);
        Assert.AreEqual("s3://device-files/b.txt", uploads[0]!["url"]!.GetValue<string>());
    }

    private static JsonNode Result(JsonArray results, string thing)
    {
        foreach (var result in results)
        {
            if (result!["thing"]!.GetValue<string>() == thing)
            {
                return result;
            }
        }

        throw new AssertFailedException("no result for " + thing + " in " + results.ToJsonString());
    }

    // Waits for the rule to finish the count-th upload since the test began (it raises FannedOut after keeping it), then reads the list.
    private async Task<JsonArray> UntilUploadsAsync(int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (_cloud.Server.UploadRule.History.Count >= count)
            {
                done.TrySetResult();
            }
        }

        void OnFannedOut(UploadFanOut fanOut) => Check();
        _cloud.Server.UploadRule.FannedOut += OnFannedOut;
        try
        {
            Check(); // it may have finished before the handler was added
            await done.Task.WaitAsync(TestClient.Patience);
        }
        finally
        {
            _cloud.Server.UploadRule.FannedOut -= OnFannedOut;
        }

        return (await GetJson("/api/s3-uploads"))["uploads"]!.AsArray();
    }

    private async Task<JsonNode> GetJson(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, path);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}

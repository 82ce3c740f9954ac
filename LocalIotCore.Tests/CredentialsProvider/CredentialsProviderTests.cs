using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using LocalIotCore.CredentialsProvider;
using LocalIotCore.Policies;
using LocalIotCore.Registry;
using LocalIotCore.Tests.S3;

namespace LocalIotCore.Tests.CredentialsProvider;

/// <summary>
/// The IoT credentials provider: a device trades its certificate for temporary credentials, which sign
/// S3 reads until they expire; requests it must refuse are refused as AWS does.
/// </summary>
[TestClass]
public sealed class CredentialsProviderTests
{
    private const string CredentialsPath = "/role-aliases/" + CredentialsProviderOptions.DefaultRoleAlias + "/credentials";

    private S3Cloud _cloud = null!;

    [TestInitialize]
    public async Task StartAsync() => _cloud = await S3Cloud.StartAsync("credprov");

    [TestCleanup]
    public async Task StopAsync() => await _cloud.DisposeAsync();

    [TestMethod]
    public async Task A_device_certificate_buys_credentials_that_read_s3_until_they_expire()
    {
        var admin = _cloud.AdministratorClient();
        await admin.PutBucketAsync("firmware");
        await admin.PutObjectAsync(new PutObjectRequest { BucketName = "firmware", Key = "pump.bin", ContentBody = "new firmware" });

        var credentials = await RequestCredentialsAsync("pump-1");
        var accessKeyId = credentials["accessKeyId"]!.GetValue<string>();
        StringAssert.StartsWith(accessKeyId, "ASIA");
        var expiration = DateTime.Parse(credentials["expiration"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.IsTrue((_cloud.Time.GetUtcNow().UtcDateTime.AddSeconds(3600) - expiration).Duration() < TimeSpan.FromSeconds(1), "AWS's default duration: " + expiration.ToString("O", CultureInfo.InvariantCulture));
        var issued = _cloud.Server.CredentialsProvider.Issued.Find(accessKeyId);
        Assert.AreEqual("pump-1", issued?.ThingName, "the credentials remember the thing they were issued to");

        var device = _cloud.S3Client(new SessionAWSCredentials(accessKeyId, credentials["secretAccessKey"]!.GetValue<string>(), credentials["sessionToken"]!.GetValue<string>()));
        using (var get = await device.GetObjectAsync("firmware", "pump.bin"))
        {
            Assert.AreEqual("new firmware", await new StreamReader(get.ResponseStream).ReadToEndAsync());
        }

        var write = await Assert.ThrowsAsync<AmazonS3Exception>(() => device.PutObjectAsync(new PutObjectRequest { BucketName = "firmware", Key = "pump.bin", ContentBody = "replaced" }));
        Assert.AreEqual("AccessDenied", write.ErrorCode, "a device's credentials read, they do not write");

        var forgedToken = _cloud.S3Client(new SessionAWSCredentials(accessKeyId, credentials["secretAccessKey"]!.GetValue<string>(), "forged"));
        var forged = await Assert.ThrowsAsync<AmazonS3Exception>(() => forgedToken.GetObjectAsync("firmware", "pump.bin"));
        Assert.AreEqual("InvalidToken", forged.ErrorCode);

        var wrongSecret = _cloud.S3Client(new SessionAWSCredentials(accessKeyId, "wrong", credentials["sessionToken"]!.GetValue<string>()));
        var mismatch = await Assert.ThrowsAsync<AmazonS3Exception>(() => wrongSecret.GetObjectAsync("firmware", "pump.bin"));
        Assert.AreEqual("SignatureDoesNotMatch", mismatch.ErrorCode);

        // A read policy set by the host narrows what the device may read.
        _cloud.Server.S3.Endpoint.DeviceMayRead = (caller, bucket, key) => caller.ThingName == "pump-1" && key != "pump.bin";
        var narrowed = await Assert.ThrowsAsync<AmazonS3Exception>(() => device.GetObjectAsync("firmware", "pump.bin"));
        Assert.AreEqual("AccessDenied", narrowed.ErrorCode);
        _cloud.Server.S3.Endpoint.DeviceMayRead = null;

        _cloud.Time.Advance(TimeSpan.FromSeconds(3600));
        var expired = await Assert.ThrowsAsync<AmazonS3Exception>(() => device.GetObjectAsync("firmware", "pump.bin"));
        Assert.AreEqual("ExpiredToken", expired.ErrorCode);
    }

    [TestMethod]
    public async Task Issued_credentials_survive_a_restart_of_localiotcore()
    {
        var admin = _cloud.AdministratorClient();
        await admin.PutBucketAsync("firmware");
        await admin.PutObjectAsync(new PutObjectRequest { BucketName = "firmware", Key = "a", ContentBody = "kept" });
        var credentials = await RequestCredentialsAsync("pump-2");
        await _cloud.RestartAsync();

        var device = _cloud.S3Client(new SessionAWSCredentials(credentials["accessKeyId"]!.GetValue<string>(), credentials["secretAccessKey"]!.GetValue<string>(), credentials["sessionToken"]!.GetValue<string>()));
        using var get = await device.GetObjectAsync("firmware", "a");
        Assert.AreEqual("kept", await new StreamReader(get.ResponseStream).ReadToEndAsync());
    }

    [TestMethod]
    public async Task The_credential_duration_is_configurable()
    {
        await _cloud.DisposeAsync();
        _cloud = await S3Cloud.StartAsync("credprov-duration", o => o.CredentialsProvider.CredentialDuration = TimeSpan.FromMinutes(15));
        var credentials = await RequestCredentialsAsync("pump-1");
        var expiration = DateTime.Parse(credentials["expiration"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        Assert.IsTrue((_cloud.Time.GetUtcNow().UtcDateTime.AddMinutes(15) - expiration).Duration() < TimeSpan.FromSeconds(1), expiration.ToString("O", CultureInfo.InvariantCulture));
    }

    [TestMethod]
    public async Task An_unknown_alias_no_certificate_and_another_things_name_are_refused()
    {
        using (var unknown = await _cloud.Https("pump-1").SendAsync(Request("/role-aliases/NoSuchAlias/credentials", "pump-1")))
        {
            Assert.AreEqual(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.AreEqual("ResourceNotFoundException", unknown.Headers.GetValues("x-amzn-ErrorType").Single());
            Assert.IsNotNull(JsonNode.Parse(await unknown.Content.ReadAsStringAsync())?["message"]);
        }

        using (var noCertificate = await _cloud.Https().SendAsync(Request(CredentialsPath, "pump-1")))
        {
            Assert.AreEqual(HttpStatusCode.Forbidden, noCertificate.StatusCode);
        }

        using (var plainHttp = new HttpClient())
        using (var overPlainHttp = await plainHttp.SendAsync(Request("http://127.0.0.1:" + _cloud.Server.HttpPort + CredentialsPath, "pump-1")))
        {
            Assert.AreEqual(HttpStatusCode.Forbidden, overPlainHttp.StatusCode);
        }

        using (var otherThing = await _cloud.Https("pump-1").SendAsync(Request(CredentialsPath, "pump-2")))
        {
            Assert.AreEqual(HttpStatusCode.Forbidden, otherThing.StatusCode);
            StringAssert.Contains(await otherThing.Content.ReadAsStringAsync(), "not attached");
        }

        // Without the thing header AWS issues credentials too (then they name no thing).
        using var withoutThing = await _cloud.Https("pump-1").SendAsync(Request(CredentialsPath, null));
        Assert.AreEqual(HttpStatusCode.OK, withoutThing.StatusCode);
        var id = JsonNode.Parse(await withoutThing.Content.ReadAsStringAsync())!["credentials"]!["accessKeyId"]!.GetValue<string>();
        Assert.IsNull(_cloud.Server.CredentialsProvider.Issued.Find(id)!.ThingName);
    }

    [TestMethod]
    public void The_role_aliases_file_is_created_with_the_default_alias_and_read_back_with_durations()
    {
        var path = Path.Combine(_cloud.Folder, RoleAliasTable.FileName);
        Assert.IsNotNull(_cloud.Server.CredentialsProvider.RoleAliases.Find(CredentialsProviderOptions.DefaultRoleAlias));
        StringAssert.Contains(File.ReadAllText(path), CredentialsProviderOptions.DefaultRoleAlias);

        var table = RoleAliasTable.Parse("""{"roleAliases":[{"roleAlias":"Short","roleArn":"arn:aws:iam::1:role/r","credentialDurationSeconds":900}]}""");
        Assert.AreEqual(TimeSpan.FromSeconds(900), table.Find("Short")!.CredentialDuration);
        Assert.IsNull(table.Find(CredentialsProviderOptions.DefaultRoleAlias));
        Assert.ThrowsExactly<FormatException>(() => RoleAliasTable.Parse("""{"roleAliases":[{"roleArn":"x"}]}"""));
    }

    [TestMethod]
    public async Task A_certificate_made_inactive_in_the_registry_buys_no_more_credentials()
    {
        var device = _cloud.Https("pump-3");
        using (var before = await device.SendAsync(Request(CredentialsPath, "pump-3")))
        {
            Assert.AreEqual(HttpStatusCode.OK, before.StatusCode);
        }

        foreach (var arn in _cloud.Server.Registry.ListThingPrincipals("pump-3").Items)
        {
            _cloud.Server.Registry.UpdateCertificate(arn[(arn.LastIndexOf('/') + 1)..], CertificateStatus.Inactive);
        }

        using var after = await device.SendAsync(Request(CredentialsPath, "pump-3"));
        Assert.AreEqual(HttpStatusCode.Forbidden, after.StatusCode);
        StringAssert.Contains(await after.Content.ReadAsStringAsync(), "not ACTIVE");
    }

    [TestMethod]
    public void An_inactive_certificate_or_one_attached_elsewhere_is_refused_as_the_registry_says()
    {
        var alias = new RoleAlias(CredentialsProviderOptions.DefaultRoleAlias, "arn:aws:iot:us-east-1:1:role/r", null);
        var evaluator = new PolicyEvaluator("us-east-1", "123456789012");
        var active = new PrincipalInfo("c1", IsActive: true, ["pump-1"], [new AttachedPolicy(DefaultPolicies.DevicePolicyName, DefaultPolicies.DevicePolicy("us-east-1", "123456789012"))]);
        Assert.IsNull(CredentialsProviderEndpoint.Refusal(alias.Name, alias, active, "pump-1", evaluator));
        Assert.IsNull(CredentialsProviderEndpoint.Refusal(alias.Name, alias, active, "", evaluator));
        Assert.AreEqual(403, CredentialsProviderEndpoint.Refusal(alias.Name, alias, active with { IsActive = false }, "pump-1", evaluator)?.Status);
        Assert.AreEqual(403, CredentialsProviderEndpoint.Refusal(alias.Name, alias, null, "pump-1", evaluator)?.Status);
        Assert.AreEqual(403, CredentialsProviderEndpoint.Refusal(alias.Name, alias, active with { AttachedThings = ["pump-2"] }, "pump-1", evaluator)?.Status);
        Assert.AreEqual(404, CredentialsProviderEndpoint.Refusal("Other", null, active, "pump-1", evaluator)?.Status);
    }

    [TestMethod]
    public void The_policy_decides_which_role_aliases_a_certificate_may_assume()
    {
        var evaluator = new PolicyEvaluator("us-east-1", "123456789012");
        var other = new RoleAlias("OtherAccess", "arn:aws:iot:us-east-1:1:role/o", null);
        var device = new PrincipalInfo("c1", IsActive: true, ["pump-1"], [new AttachedPolicy(DefaultPolicies.DevicePolicyName, DefaultPolicies.DevicePolicy("us-east-1", "123456789012"))]);
        var refused = CredentialsProviderEndpoint.Refusal(other.Name, other, device, "pump-1", evaluator);
        Assert.AreEqual(403, refused?.Status, "the default policy names only " + CredentialsProviderOptions.DefaultRoleAlias);
        StringAssert.Contains(refused?.Message, "iot:AssumeRoleWithCertificate on arn:aws:iot:us-east-1:123456789012:rolealias/OtherAccess");

        const string deny = """{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"iot:AssumeRoleWithCertificate","Resource":"*"}}""";
        var alias = new RoleAlias(CredentialsProviderOptions.DefaultRoleAlias, "arn:aws:iot:us-east-1:1:role/r", null);
        var denied = device with { Policies = [.. device.Policies, new AttachedPolicy("NoCredentials", deny)] };
        StringAssert.Contains(CredentialsProviderEndpoint.Refusal(alias.Name, alias, denied, "pump-1", evaluator)?.Message, "denied explicitly by policy 'NoCredentials'");
    }

    [TestMethod]
    public async Task A_certificate_whose_policy_lacks_assume_role_with_certificate_buys_no_credentials()
    {
        var device = _cloud.Https("pump-4");
        var certificate = _cloud.Server.Registry.ListThingPrincipals("pump-4").Items.Single();
        _cloud.Server.Registry.CreatePolicy("MqttOnly", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""");
        _cloud.Server.Registry.AttachPolicy("MqttOnly", certificate);
        _cloud.Server.Registry.DetachPolicy(DefaultPolicies.DevicePolicyName, certificate);

        using var refused = await device.SendAsync(Request(CredentialsPath, "pump-4"));
        Assert.AreEqual(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.AreEqual("ForbiddenException", refused.Headers.GetValues("x-amzn-ErrorType").Single());
        StringAssert.Contains(JsonNode.Parse(await refused.Content.ReadAsStringAsync())?["message"]?.GetValue<string>(), "iot:AssumeRoleWithCertificate");

        // Attached again, the default thing policy's statement lets the same certificate in.
        _cloud.Server.Registry.AttachPolicy(DefaultPolicies.DevicePolicyName, certificate);
        using var allowed = await device.SendAsync(Request(CredentialsPath, "pump-4"));
        Assert.AreEqual(HttpStatusCode.OK, allowed.StatusCode);
    }

    private static HttpRequestMessage Request(string path, string? thing)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.RelativeOrAbsolute));
        if (thing is not null)
        {
            request.Headers.Add(CredentialsProviderEndpoint.ThingNameHeader, thing);
        }

        return request;
    }

    private async Task<JsonNode> RequestCredentialsAsync(string thing)
    {
        using var response = await _cloud.Https(thing).SendAsync(Request(CredentialsPath, thing));
        var text = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, text);
        return JsonNode.Parse(text)!["credentials"]!;
    }
}

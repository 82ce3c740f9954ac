using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Broker;

/// <summary>
/// What a user sets up with AWS's own clients decides what the broker allows: a certificate from
/// CreateKeysAndCertificate with a policy from CreatePolicy (boto3), made INACTIVE with the AWS CLI;
/// and a message published with boto3 while a persistent session's client is away.
/// </summary>
[TestClass]
public sealed class PoliciesThroughAwsClientsTests
{
    private CloudInFolder _cloud = null!;

    [TestInitialize]
    public async Task StartAsync() => _cloud = await CloudInFolder.StartAsync("aws-clients-policies");

    [TestCleanup]
    public async Task StopAsync() => await _cloud.DisposeAsync();

    private string Endpoint => "http://127.0.0.1:" + _cloud.Server.HttpPort;

    [TestMethod]
    public async Task A_policy_made_with_boto3_allows_its_topics_refuses_others_and_an_inactive_certificate_is_refused()
    {
        await AwsClients.RequireBoto3Async();
        AwsClients.RequireAwsCli();
        const string script = """
            import sys, json, boto3
            iot = boto3.client("iot", endpoint_url=sys.argv[1], region_name="us-east-1")
            keys = iot.create_keys_and_certificate(setAsActive=True)
            iot.create_thing(thingName="sensor-9")
            iot.attach_thing_principal(thingName="sensor-9", principal=keys["certificateArn"])
            iot.create_policy(policyName="SensorPolicy", policyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}"},
                {"Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:*:*:topic/data/*"}]}))
            iot.attach_policy(policyName="SensorPolicy", target=keys["certificateArn"])
            print(json.dumps({"id": keys["certificateId"], "pem": keys["certificatePem"], "key": keys["keyPair"]["PrivateKey"]}))
            """;
        var (exit, output, error) = await AwsClients.RunPythonAsync(script, Endpoint);
        Assert.AreEqual(0, exit, error);
        var keys = JsonNode.Parse(output)!;
        using var certificate = X509Certificate2.CreateFromPem((string)keys["pem"]!, (string)keys["key"]!);
        var ca = _cloud.Server.Authority.Certificate;
        var mqtt = _cloud.Server.MqttPort;

        await using var observer = await TestClient.ApplicationAsync(_cloud.Server.PlainApplicationPort!.Value, "data/#");
        await using (var sensor = await TestClient.CertificateAsync(certificate, ca, mqtt, "sensor-9"))
        {
            await sensor.PublishAsync("data/temperature", "{\"t\":20}");
            Assert.AreEqual("{\"t\":20}", (await observer.NextAsync("data/temperature")).Payload);
            try
            {
                await sensor.PublishAsync("things/sensor-9/telemetry", "{}");
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The broker may close the connection before the PUBACK.
            }

            await sensor.Disconnected.Task.WaitAsync(TestClient.Patience);
        }

        var intruder = await Assert.ThrowsAsync<Exception>(() => TestClient.CertificateAsync(certificate, ca, mqtt, "someone-else"));
        StringAssert.Contains(intruder.Message, "NotAuthorized", "iot:Connect allows only the attached thing's client id");

        var update = await AwsClients.RunAwsCliAsync("iot", "update-certificate", "--certificate-id", (string)keys["id"]!, "--new-status", "INACTIVE", "--endpoint-url", Endpoint);
        Assert.AreEqual(0, update.Exit, update.Error);
        var inactive = await Assert.ThrowsAsync<Exception>(() => TestClient.CertificateAsync(certificate, ca, mqtt, "sensor-9"));
        StringAssert.Contains(inactive.Message, "NotAuthorized");
    }

    [TestMethod]
    public async Task A_message_published_with_boto3_while_a_persistent_session_is_away_arrives_on_reconnect()
    {
        await AwsClients.RequireBoto3Async();
        var plain = _cloud.Server.PlainApplicationPort!.Value;
        await using (var worker = await TestClient.SessionAsync(plain, "worker-1", cleanSession: false))
        {
            await worker.SubscribeAsync("jobs/worker-1");
        }

        const string script = """
            import sys, boto3
            data = boto3.client("iot-data", endpoint_url=sys.argv[1], region_name="us-east-1")
            data.publish(topic="jobs/worker-1", qos=1, payload=b'{"job":42}')
            """;
        var (exit, _, error) = await AwsClients.RunPythonAsync(script, Endpoint);
        Assert.AreEqual(0, exit, error);

        await using var back = await TestClient.SessionAsync(plain, "worker-1", cleanSession: false);
        Assert.IsTrue(back.SessionPresent, "session present");
        Assert.AreEqual("{\"job\":42}", (await back.NextAsync("jobs/worker-1")).Payload);
    }
}

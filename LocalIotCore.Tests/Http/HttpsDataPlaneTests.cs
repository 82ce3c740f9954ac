using System.Net;
using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.Http;

/// <summary>
/// The HTTP API over TLS with a server certificate from the local CA, as AWS serves its data plane:
/// AWS's SDKs and CLI build https:// URLs, and trust the CA only when told to (a CA bundle).
/// </summary>
[TestClass]
public sealed class HttpsDataPlaneTests
{
    private CloudInFolder _cloud = null!;

    [TestInitialize]
    public async Task StartAsync() => _cloud = await CloudInFolder.StartAsync("https", configure: o => o.HttpsPort = 0);

    [TestCleanup]
    public async Task StopAsync() => await _cloud.DisposeAsync();

    private string HttpsEndpoint => "https://localhost:" + _cloud.Server.HttpsPort;

    [TestMethod]
    public async Task The_api_answers_over_tls_to_a_client_that_trusts_the_local_ca_and_refuses_one_that_does_not()
    {
        Assert.IsNotNull(_cloud.Server.HttpsPort);
        Assert.AreNotEqual(_cloud.Server.HttpPort, _cloud.Server.HttpsPort);
        using var ca = X509CertificateLoader.LoadCertificateFromFile(_cloud.Server.CaCertificatePath);
        using var trusting = new HttpClientHandler();
        trusting.ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            certificate is not null && LocalIotCore.Certificates.LocalCertificateAuthority.IsIssuedBy(certificate, ca, DateTime.UtcNow);
        using var client = new HttpClient(trusting) { BaseAddress = new Uri(HttpsEndpoint) };
        using var post = await client.PostAsync(new Uri("/things/pump-1/shadow", UriKind.Relative), new StringContent("{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}"));
        Assert.AreEqual(HttpStatusCode.OK, post.StatusCode);
        var shadow = await client.GetStringAsync(new Uri("/things/pump-1/shadow", UriKind.Relative));
        StringAssert.Contains(shadow, "\"MOTOR\":\"ON\"");

        // The same request over plain HTTP sees the same shadow: one API, two transports.
        StringAssert.Contains(await _cloud.Http.GetStringAsync(new Uri("/things/pump-1/shadow", UriKind.Relative)), "\"MOTOR\":\"ON\"");

        using var untrusting = new HttpClient { BaseAddress = new Uri(HttpsEndpoint) };
        await Assert.ThrowsExactlyAsync<HttpRequestException>(() => untrusting.GetStringAsync(new Uri("/api/things", UriKind.Relative)));
    }

    [TestMethod]
    public async Task Boto3_and_the_aws_cli_reach_the_data_plane_over_https_with_the_ca_bundle()
    {
        await AwsClients.RequireBoto3Async();
        AwsClients.RequireAwsCli();
        const string script = """
            import sys, boto3
            client = boto3.client("iot-data", endpoint_url=sys.argv[1], verify=sys.argv[2], region_name="us-east-1")
            client.update_thing_shadow(thingName="pump-1", payload=b'{"state":{"desired":{"MOTOR":"OFF"}}}')
            try:
                client.get_thing_shadow(thingName="nobody")
            except client.exceptions.ResourceNotFoundException:
                print("ResourceNotFoundException")
            """;
        var (exit, output, error) = await AwsClients.RunPythonAsync(script, HttpsEndpoint, _cloud.Server.CaCertificatePath);
        Assert.AreEqual(0, exit, error);
        Assert.AreEqual("ResourceNotFoundException", output.Trim(), error);

        var outFile = Path.Combine(_cloud.Folder, "shadow.json");
        var cli = await AwsClients.RunAwsCliAsync("iot-data", "get-thing-shadow", "--thing-name", "pump-1", "--endpoint-url", HttpsEndpoint, "--ca-bundle", _cloud.Server.CaCertificatePath, outFile);
        Assert.AreEqual(0, cli.Exit, cli.Error);
        StringAssert.Contains(await File.ReadAllTextAsync(outFile), "\"MOTOR\":\"OFF\"");

        // Without the CA bundle the CLI does not trust LocalIotCore's certificate: the TLS is real.
        var refused = await AwsClients.RunAwsCliAsync("iot-data", "get-thing-shadow", "--thing-name", "pump-1", "--endpoint-url", HttpsEndpoint, outFile);
        Assert.AreNotEqual(0, refused.Exit, refused.Output);
        StringAssert.Contains(refused.Error, "SSL", refused.Error);
    }
}

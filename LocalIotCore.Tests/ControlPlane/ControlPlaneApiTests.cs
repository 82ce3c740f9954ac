using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using LocalIotCore.Certificates;
using LocalIotCore.Http;
using LocalIotCore.Policies;
using LocalIotCore.Registry;
using LocalIotCore.Tests.Support;

namespace LocalIotCore.Tests.ControlPlane;

/// <summary>The control plane answers with AWS's shapes, beside the data plane on the same port, and is the one registry of things.</summary>
[TestClass]
public sealed class ControlPlaneApiTests
{
    private CloudInFolder _cloud = null!;

    [TestInitialize]
    public async Task Init() => _cloud = await CloudInFolder.StartAsync("controlplane");

    [TestCleanup]
    public async Task Cleanup() => await _cloud.DisposeAsync();

    private async Task<(int Status, string? Type, JsonNode? Body)> Send(HttpMethod method, string path, string? body = null, string? principal = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (principal is not null)
        {
            request.Headers.Add("x-amzn-principal", principal);
        }

        using var response = await _cloud.Http.SendAsync(request);
        var type = response.Headers.TryGetValues(AwsError.ErrorTypeHeader, out var values) ? string.Join(",", values) : null;
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, type, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private async Task<(int Status, string? Type)> StatusAndType(HttpMethod method, string path, string? body = null)
    {
        var (status, type, _) = await Send(method, path, body);
        return (status, type);
    }

    private string Endpoint => "http://127.0.0.1:" + _cloud.Server.HttpPort;

    [TestMethod]
    public async Task Things_have_AWS_shapes_and_live_beside_their_shadows_on_the_same_paths()
    {
        var (status, type, created) = await Send(HttpMethod.Post, "/things/pump-1", "{\"attributePayload\":{\"attributes\":{\"room\":\"cellar\"}}}");
        Assert.AreEqual((200, (string?)null), (status, type));
        Assert.AreEqual("arn:aws:iot:us-east-1:000000000000:thing/pump-1", (string)created!["thingArn"]!);
        var thingId = (string)created["thingId"]!;

        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/pump-1/shadow", "{\"state\":{\"reported\":{\"a\":1}}}")).Status, "the data plane's shadow of the same thing");
        Assert.AreEqual(200, (await Send(HttpMethod.Patch, "/things/pump-1", "{\"attributePayload\":{\"attributes\":{\"rate\":\"5\"},\"merge\":true}}")).Status);
        var (_, _, described) = await Send(HttpMethod.Get, "/things/pump-1");
        Assert.IsTrue(JsonNode.DeepEquals(JsonNode.Parse("{\"thingName\":\"pump-1\",\"thingArn\":\"arn:aws:iot:us-east-1:000000000000:thing/pump-1\",\"attributes\":{\"rate\":\"5\",\"room\":\"cellar\"},\"version\":2,\"defaultClientId\":\"pump-1\",\"thingId\":\"" + thingId + "\"}"), described), described!.ToJsonString());
        var (shadowStatus, _, shadow) = await Send(HttpMethod.Get, "/things/pump-1/shadow");
        Assert.AreEqual((200, 1), (shadowStatus, (int)shadow!["state"]!["reported"]!["a"]!));

        (status, type, var error) = await Send(HttpMethod.Put, "/things/pump-1");
        Assert.AreEqual((405, "MethodNotAllowedException"), (status, type));
        Assert.IsFalse(string.IsNullOrEmpty((string?)error!["message"]));
        Assert.AreEqual((404, "ResourceNotFoundException"), await StatusAndType(HttpMethod.Get, "/things/pump-1/nothing/here"));
        Assert.AreEqual((400, "InvalidRequestException"), await StatusAndType(HttpMethod.Post, "/things/bad%20name"));
        Assert.AreEqual((409, "ResourceAlreadyExistsException"), await StatusAndType(HttpMethod.Post, "/things/pump-1", "{}"));
        Assert.AreEqual((409, "VersionConflictException"), await StatusAndType(HttpMethod.Delete, "/things/pump-1?expectedVersion=1"));

        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/pump-2")).Status);
        var (_, _, page) = await Send(HttpMethod.Get, "/things?maxResults=1");
        Assert.AreEqual("pump-1", (string)page!["things"]![0]!["thingName"]!);
        var (_, _, next) = await Send(HttpMethod.Get, "/things?maxResults=1&nextToken=" + Uri.EscapeDataString((string)page["nextToken"]!));
        Assert.AreEqual("pump-2", (string)next!["things"]![0]!["thingName"]!);
        Assert.IsNull(next["nextToken"]);
        Assert.AreEqual(200, (await Send(HttpMethod.Delete, "/things/pump-2")).Status);
        Assert.AreEqual(200, (await Send(HttpMethod.Delete, "/things/pump-2")).Status, "deleting a thing that is gone succeeds, as on AWS");
        var (_, _, endpoint) = await Send(HttpMethod.Get, "/endpoint?endpointType=iot:Data-ATS");
        Assert.AreEqual("127.0.0.1:" + _cloud.Server.HttpPort, (string)endpoint!["endpointAddress"]!);
        Assert.AreEqual("InvalidRequestException", (await Send(HttpMethod.Get, "/endpoint?endpointType=iot:Nope")).Type);
    }

    [TestMethod]
    public async Task With_https_on_describe_endpoint_answers_the_address_boto3_builds_its_https_data_plane_url_from()
    {
        await AwsClients.RequireBoto3Async();
        await using var secure = await CloudInFolder.StartAsync("controlplane-https", configure: options => options.HttpsPort = 0);
        Assert.AreEqual(200, (int)(await secure.Http.PostAsync(new Uri("/things/pump-1/shadow", UriKind.Relative), new StringContent("{\"state\":{\"reported\":{\"a\":1}}}"))).StatusCode);
        const string script = """
            import sys, boto3
            iot = boto3.client("iot", endpoint_url=sys.argv[1], region_name="us-east-1")
            endpoint = iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
            print(endpoint)
            data = boto3.client("iot-data", endpoint_url="https://" + endpoint, verify=sys.argv[2], region_name="us-east-1")
            print(data.get_thing_shadow(thingName="pump-1")["payload"].read().decode().count('"a":1'))
            """;
        var (exit, output, error) = await AwsClients.RunPythonAsync(script, "http://127.0.0.1:" + secure.Server.HttpPort, secure.Server.CaCertificatePath);
        Assert.AreEqual(0, exit, error);
        CollectionAssert.AreEqual(new[] { "127.0.0.1:" + secure.Server.HttpsPort, "1" }, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), output + error);
    }

    [TestMethod]
    public async Task Mint_device_cert_registers_the_thing_its_active_certificate_and_the_default_policy()
    {
        var folder = Path.Combine(_cloud.Folder, "minted");
        // The command line, run beside the running LocalIotCore on its data directory.
        using var output = new StringWriter();
        Assert.AreEqual(0, CertificateCommands.MintDeviceCertificate(["pump-7", "--out", folder, "--data-dir", _cloud.Folder], output), output.ToString());
        using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(folder, "device.pem.crt"), Path.Combine(folder, "private.pem.key"));
        var arn = _cloud.Server.Registry.CertificateArn(IotRegistry.CertificateIdOf(certificate));
        StringAssert.Contains(output.ToString(), IotRegistry.CertificateIdOf(certificate));

        Assert.AreEqual(200, (await Send(HttpMethod.Get, "/things/pump-7")).Status);
        var (_, _, principals) = await Send(HttpMethod.Get, "/things/pump-7/principals");
        Assert.AreEqual(arn, (string)principals!["principals"]![0]!);
        var (_, _, described) = await Send(HttpMethod.Get, "/certificates/" + IotRegistry.CertificateIdOf(certificate));
        Assert.AreEqual("ACTIVE", (string)described!["certificateDescription"]!["status"]!);
        var (_, _, policies) = await Send(HttpMethod.Post, "/attached-policies/" + Uri.EscapeDataString(arn));
        Assert.AreEqual(DefaultPolicies.DevicePolicyName, (string)policies!["policies"]![0]!["policyName"]!);
        var (_, _, policy) = await Send(HttpMethod.Get, "/policies/" + DefaultPolicies.DevicePolicyName);
        Assert.AreEqual(DefaultPolicies.DevicePolicy("us-east-1", "000000000000"), (string)policy!["policyDocument"]!);

        // The in-process way (firmware local mode, end-to-end harness) registers the same way.
        _cloud.Server.MintDeviceCertificate("pump-8", Path.Combine(folder, "8.crt"), Path.Combine(folder, "8.key"));
        using var eight = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(folder, "8.crt")));
        var info = _cloud.Server.Registry.Describe(eight)!;
        Assert.IsTrue(info.IsActive);
        CollectionAssert.AreEqual(new[] { "pump-8" }, info.AttachedThings.ToArray());
        Assert.AreEqual(DefaultPolicies.DevicePolicyName, info.Policies[0].Name);

        var (_, _, things) = await Send(HttpMethod.Get, "/api/things");
        CollectionAssert.AreEqual(new[] { "pump-7", "pump-8" }, things!["things"]!.AsArray().Select(entry => (string)entry!["thing"]!).ToArray(), "the dashboard's list is the registry's");
        Assert.IsTrue((bool)things["things"]![0]!["registered"]!);
    }

    [TestMethod]
    public async Task Fan_out_writes_registered_things_and_does_not_recreate_a_deleted_shadow_of_an_unregistered_one()
    {
        await using (var device = await TestClient.DeviceAsync(_cloud.Server.Authority, _cloud.Server.MqttPort, "stray-1"))
        {
            Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/stray-1/shadow", "{\"state\":{\"reported\":{\"a\":1}}}")).Status);
            Assert.AreEqual(200, (await Send(HttpMethod.Delete, "/things/stray-1/shadow")).Status);
        }

        // The device was provisioned just in time at its connect; deleted from the registry, it is known only from its connection record.
        foreach (var principal in _cloud.Server.Registry.ListThingPrincipals("stray-1").Items)
        {
            Assert.AreEqual(200, (await Send(HttpMethod.Delete, "/things/stray-1/principals", principal: principal)).Status);
        }

        Assert.AreEqual(200, (await Send(HttpMethod.Delete, "/things/stray-1")).Status);

        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/pump-1")).Status);
        Assert.AreEqual(200, (await Send(HttpMethod.Post, "/things/legacy-1/shadow", "{\"state\":{\"reported\":{\"a\":1}}}")).Status);

        var (status, _, fanout) = await Send(HttpMethod.Post, "/api/fanout", "{\"desired\":{\"rate\":7}}");
        Assert.AreEqual(200, status);
        var results = fanout!["results"]!.AsArray();
        CollectionAssert.AreEqual(new[] { "legacy-1", "pump-1", "stray-1" }, results.Select(result => (string)result!["thing"]!).ToArray());
        Assert.AreEqual(200, (int)results[0]!["status"]!);
        Assert.AreEqual(200, (int)results[1]!["status"]!, "a registered thing without a shadow gets one");
        Assert.IsNotNull(results[2]!["skipped"]);
        Assert.AreEqual(404, (await Send(HttpMethod.Get, "/things/stray-1/shadow")).Status, "the deleted shadow stays deleted");
        var (_, _, pump) = await Send(HttpMethod.Get, "/things/pump-1/shadow");
        Assert.AreEqual(7, (int)pump!["state"]!["desired"]!["rate"]!);

        var (_, _, things) = await Send(HttpMethod.Get, "/api/things");
        var listed = things!["things"]!.AsArray();
        CollectionAssert.AreEqual(new[] { "legacy-1", "pump-1", "stray-1" }, listed.Select(entry => (string)entry!["thing"]!).ToArray(), "/api/things lists what fan-out reports");
        CollectionAssert.AreEqual(new[] { false, true, false }, listed.Select(entry => (bool)entry!["registered"]!).ToArray());
        Assert.IsNull(listed[2]!["shadow"]);
        Assert.IsNotNull(listed[2]!["connection"]);
    }

    [TestMethod]
    public async Task Boto3_drives_things_certificates_and_policies_and_raises_the_modelled_exceptions()
    {
        await AwsClients.RequireBoto3Async();
        const string script = """
            import sys, json, boto3
            iot = boto3.client("iot", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
            def err(call, **kw):
                try:
                    call(**kw)
                    return "no error"
                except iot.exceptions.ClientError as e:
                    return e.response["Error"]["Code"]
            print(iot.create_thing(thingName="pump-1", attributePayload={"attributes": {"room": "cellar"}})["thingArn"])
            iot.create_thing(thingName="pump-2", attributePayload={"attributes": {"room": "attic"}})
            iot.create_thing(thingName="pump-3", attributePayload={"attributes": {"room": "cellar"}})
            iot.update_thing(thingName="pump-1", attributePayload={"attributes": {"rate": "5"}, "merge": True})
            d = iot.describe_thing(thingName="pump-1")
            print(json.dumps(d["attributes"], sort_keys=True), d["version"])
            names, token = [], None
            while True:
                page = iot.list_things(maxResults=1, **({"nextToken": token} if token else {}))
                names += [t["thingName"] for t in page["things"]]
                token = page.get("nextToken")
                if not token:
                    break
            print("paged", ",".join(names))
            print("cellar", ",".join(t["thingName"] for t in iot.list_things(attributeName="room", attributeValue="cellar")["things"]))
            print("endpoint", iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"])
            c = iot.create_keys_and_certificate(setAsActive=True)
            iot.attach_thing_principal(thingName="pump-1", principal=c["certificateArn"])
            print("principals", iot.list_thing_principals(thingName="pump-1")["principals"] == [c["certificateArn"]])
            print("things of", ",".join(iot.list_principal_things(principal=c["certificateArn"])["things"]))
            second = iot.create_keys_and_certificate(setAsActive=False)
            listed = [x["certificateId"] for page in iot.get_paginator("list_certificates").paginate(PaginationConfig={"PageSize": 1}) for x in page["certificates"]]
            print("certificates", sorted(listed) == sorted([second["certificateId"], c["certificateId"]]))
            iot.update_certificate(certificateId=c["certificateId"], newStatus="INACTIVE")
            print("status", iot.describe_certificate(certificateId=c["certificateId"])["certificateDescription"]["status"])
            doc = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:*", "Resource": "*"}]})
            print("policy", iot.create_policy(policyName="open", policyDocument=doc)["policyVersionId"], iot.get_policy(policyName="open")["policyDocument"] == doc)
            iot.attach_policy(policyName="open", target=c["certificateArn"])
            print("attached", ",".join(p["policyName"] for p in iot.list_attached_policies(target=c["certificateArn"])["policies"]))
            print("policies", ",".join(p["policyName"] for p in iot.list_policies()["policies"]))
            print(err(iot.describe_thing, thingName="nobody"))
            print(err(iot.create_thing, thingName="pump-1", attributePayload={"attributes": {"room": "attic"}}))
            print(err(iot.list_things, maxResults=251))
            print(err(iot.delete_policy, policyName="open"))
            print(err(iot.create_policy, policyName="bad", policyDocument="{nope"))
            print(err(iot.update_thing, thingName="pump-1", expectedVersion=1))
            iot.update_certificate(certificateId=c["certificateId"], newStatus="ACTIVE")
            print(err(iot.delete_certificate, certificateId=c["certificateId"]))
            iot.detach_policy(policyName="open", target=c["certificateArn"])
            iot.delete_policy(policyName="open")
            iot.detach_thing_principal(thingName="pump-1", principal=c["certificateArn"])
            iot.delete_thing(thingName="pump-1")
            try:
                iot.describe_thing(thingName="pump-1")
            except iot.exceptions.ResourceNotFoundException:
                print("deleted", ",".join(t["thingName"] for t in iot.list_things()["things"]))
            """;
        var (exit, output, error) = await AwsClients.RunPythonAsync(script, Endpoint);
        Assert.AreEqual(0, exit, error);
        CollectionAssert.AreEqual(new[]
        {
            "arn:aws:iot:us-east-1:000000000000:thing/pump-1",
            "{\"rate\": \"5\", \"room\": \"cellar\"} 2",
            "paged pump-1,pump-2,pump-3",
            "cellar pump-1,pump-3",
            "endpoint 127.0.0.1:" + _cloud.Server.HttpPort,
            "principals True",
            "things of pump-1",
            "certificates True",
            "status INACTIVE",
            "policy 1 True",
            "attached open",
            "policies open",
            "ResourceNotFoundException",
            "ResourceAlreadyExistsException",
            "InvalidRequestException",
            "DeleteConflictException",
            "MalformedPolicyException",
            "VersionConflictException",
            "CertificateStateException",
            "deleted pump-2,pump-3",
        }, output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), output + error);
    }

    [TestMethod]
    public async Task The_AWS_CLI_drives_things_certificates_and_policies()
    {
        AwsClients.RequireAwsCli();

        // The answer as compact JSON ("" for none), so a --query result compares as text.
        async Task<string> Aws(params string[] arguments)
        {
            var (exit, output, error) = await AwsClients.RunAwsCliAsync(["iot", .. arguments, "--endpoint-url", Endpoint]);
            Assert.AreEqual(0, exit, string.Join(" ", arguments) + ": " + error);
            return output.Trim().Length == 0 ? "" : JsonNode.Parse(output)!.ToJsonString();
        }

        async Task<string> Refused(params string[] arguments)
        {
            var (exit, _, error) = await AwsClients.RunAwsCliAsync(["iot", .. arguments, "--endpoint-url", Endpoint]);
            Assert.AreNotEqual(0, exit, string.Join(" ", arguments));
            return error;
        }

        Assert.AreEqual("\"arn:aws:iot:us-east-1:000000000000:thing/cli-1\"", await Aws("create-thing", "--thing-name", "cli-1", "--attribute-payload", "{\"attributes\":{\"room\":\"cellar\"}}", "--query", "thingArn"));
        await Aws("create-thing", "--thing-name", "cli-2", "--attribute-payload", "{\"attributes\":{\"room\":\"attic\"}}");
        await Aws("update-thing", "--thing-name", "cli-2", "--attribute-payload", "{\"attributes\":{\"rate\":\"5\"},\"merge\":true}");
        Assert.AreEqual("[\"5\",\"attic\",2]", await Aws("describe-thing", "--thing-name", "cli-2", "--query", "[attributes.rate, attributes.room, version]"));
        // --page-size 1: the CLI follows nextToken page by page and joins the pages; --max-items 1 stops after one and hands out its token.
        Assert.AreEqual("[\"cli-1\",\"cli-2\"]", await Aws("list-things", "--page-size", "1", "--query", "things[].thingName"));
        var first = JsonNode.Parse(await Aws("list-things", "--max-items", "1"))!;
        Assert.AreEqual(1, first["things"]!.AsArray().Count);
        Assert.AreEqual("[\"cli-2\"]", await Aws("list-things", "--max-items", "1", "--starting-token", (string)first["NextToken"]!, "--query", "things[].thingName"));
        Assert.AreEqual("[\"cli-2\"]", await Aws("list-things", "--attribute-name", "room", "--attribute-value", "attic", "--query", "things[].thingName"));
        Assert.AreEqual("\"127.0.0.1:" + _cloud.Server.HttpPort + "\"", await Aws("describe-endpoint", "--endpoint-type", "iot:Data-ATS", "--query", "endpointAddress"));

        var created = JsonNode.Parse(await Aws("create-keys-and-certificate", "--set-as-active"))!;
        var (certificateArn, certificateId) = ((string)created["certificateArn"]!, (string)created["certificateId"]!);
        await Aws("attach-thing-principal", "--thing-name", "cli-1", "--principal", certificateArn);
        Assert.AreEqual("[\"" + certificateArn + "\"]", await Aws("list-thing-principals", "--thing-name", "cli-1", "--query", "principals"));
        await Aws("update-certificate", "--certificate-id", certificateId, "--new-status", "INACTIVE");
        Assert.AreEqual("\"INACTIVE\"", await Aws("describe-certificate", "--certificate-id", certificateId, "--query", "certificateDescription.status"));

        await Aws("create-policy", "--policy-name", "open", "--policy-document", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:*\",\"Resource\":\"*\"}]}");
        Assert.AreEqual("\"1\"", await Aws("get-policy", "--policy-name", "open", "--query", "defaultVersionId"));
        await Aws("attach-policy", "--policy-name", "open", "--target", certificateArn);
        Assert.AreEqual("[\"open\"]", await Aws("list-attached-policies", "--target", certificateArn, "--query", "policies[].policyName"));
        StringAssert.Contains(await Refused("delete-policy", "--policy-name", "open"), "DeleteConflictException");
        await Aws("detach-policy", "--policy-name", "open", "--target", certificateArn);
        Assert.AreEqual("[]", await Aws("list-attached-policies", "--target", certificateArn, "--query", "policies[].policyName"));
        await Aws("delete-policy", "--policy-name", "open");
        StringAssert.Contains(await Refused("get-policy", "--policy-name", "open"), "ResourceNotFoundException");
        StringAssert.Contains(await Refused("delete-thing", "--thing-name", "cli-1"), "InvalidRequestException");
        await Aws("detach-thing-principal", "--thing-name", "cli-1", "--principal", certificateArn);
        await Aws("delete-certificate", "--certificate-id", certificateId);
        await Aws("delete-thing", "--thing-name", "cli-1");
        Assert.AreEqual("[\"cli-2\"]", await Aws("list-things", "--query", "things[].thingName"));
        StringAssert.Contains(await Refused("describe-thing", "--thing-name", "cli-1"), "ResourceNotFoundException");
    }
}

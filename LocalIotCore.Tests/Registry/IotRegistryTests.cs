using System.Security.Cryptography;
using LocalIotCore.Certificates;
using LocalIotCore.Policies;
using LocalIotCore.Registry;
using Microsoft.Extensions.Time.Testing;

namespace LocalIotCore.Tests.Registry;

[TestClass]
public sealed class IotRegistryTests
{
    private static LocalCertificateAuthority _authority = null!;
    private string _folder = null!;
    private FakeTimeProvider _time = null!;
    private IotRegistry _registry = null!;

    [ClassInitialize]
    public static void CreateAuthority(TestContext context) => _authority = LocalCertificateAuthority.Create();

    [ClassCleanup]
    public static void DisposeAuthority() => _authority.Dispose();

    [TestInitialize]
    public void Init()
    {
        _folder = Path.Combine(Path.GetTempPath(), "localiotcore-registry-" + Guid.NewGuid().ToString("N"));
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        _registry = Open();
    }

    [TestCleanup]
    public void Cleanup()
    {
        _registry.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private IotRegistry Open() => new(Path.Combine(_folder, IotRegistry.FileName), _time);

    private static RegistryError Refusal(Action action) => Assert.ThrowsExactly<RegistryException>(action).Error;

    [TestMethod]
    public void A_thing_is_created_once_described_with_its_arn_and_updated_with_merged_attributes()
    {
        var created = _registry.CreateThing("pump-1", new Dictionary<string, string> { ["room"] = "cellar", ["model"] = "p1" });
        Assert.AreEqual("arn:aws:iot:us-east-1:000000000000:thing/pump-1", created.Arn);
        Assert.AreEqual(1, created.Version);
        Assert.IsTrue(Guid.TryParse(created.Id, out _), created.Id);
        var again = _registry.CreateThing("pump-1", new Dictionary<string, string> { ["model"] = "p1", ["room"] = "cellar" });
        Assert.AreEqual((created.Id, 1L), (again.Id, again.Version), "the same configuration again is accepted");
        Assert.AreEqual(RegistryError.AlreadyExists, Refusal(() => _registry.CreateThing("pump-1", new Dictionary<string, string> { ["room"] = "attic" })));

        var merged = _registry.UpdateThing("pump-1", new Dictionary<string, string> { ["room"] = "attic", ["model"] = "", ["rate"] = "5" }, merge: true);
        CollectionAssert.AreEquivalent(new Dictionary<string, string> { ["room"] = "attic", ["rate"] = "5" }, merged.Attributes.ToDictionary(), "merged; an empty value removes the attribute");
        Assert.AreEqual(2, merged.Version);
        var replaced = _registry.UpdateThing("pump-1", new Dictionary<string, string> { ["only"] = "this" });
        CollectionAssert.AreEquivalent(new Dictionary<string, string> { ["only"] = "this" }, replaced.Attributes.ToDictionary(), "without merge the attributes are replaced");
        Assert.AreEqual(RegistryError.VersionConflict, Refusal(() => _registry.UpdateThing("pump-1", null, expectedVersion: 1)));
        Assert.AreEqual(4, _registry.UpdateThing("pump-1", null, expectedVersion: 3, typeName: "Pump").Version);
        Assert.AreEqual("Pump", _registry.FindThing("pump-1")!.TypeName);
        Assert.AreEqual(RegistryError.NotFound, Refusal(() => _registry.UpdateThing("nobody", null)));

        Assert.IsTrue(_registry.DeleteThing("pump-1"));
        Assert.IsNull(_registry.FindThing("pump-1"));
        Assert.IsFalse(_registry.DeleteThing("pump-1"), "deleting a thing that does not exist succeeds, as on AWS");
    }

    [TestMethod]
    public void Things_are_listed_in_pages_and_filtered_by_attribute()
    {
        foreach (var (name, room) in new[] { ("c", "cellar"), ("a", "attic"), ("d", "cellar-2"), ("b", "cellar") })
        {
            _registry.CreateThing(name, new Dictionary<string, string> { ["room"] = room });
        }

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = _registry.ListThings(maxResults: 3, nextToken: token);
            Assert.IsTrue(page.Items.Count is 1 or 3, page.Items.Count.ToString());
            seen.AddRange(page.Items.Select(thing => thing.Name));
            token = page.NextToken;
        }
        while (token is not null);

        CollectionAssert.AreEqual(new[] { "a", "b", "c", "d" }, seen);
        CollectionAssert.AreEqual(new[] { "b", "c" }, _registry.ListThings(attributeName: "room", attributeValue: "cellar").Items.Select(thing => thing.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "b", "c", "d" }, _registry.ListThings(attributeName: "room", attributeValue: "cellar", prefix: true).Items.Select(thing => thing.Name).ToArray());
        Assert.IsNull(_registry.ListThings(maxResults: 4).NextToken, "an exactly full last page has no next token");
        Assert.AreEqual(RegistryError.InvalidRequest, Refusal(() => _registry.ListThings(maxResults: 0)));
        Assert.AreEqual(RegistryError.InvalidRequest, Refusal(() => _registry.ListThings(maxResults: IotRegistry.MaximumPageSize + 1)));
    }

    [TestMethod]
    public void A_certificate_is_named_by_the_SHA256_of_its_DER_and_follows_AWS_status_rules()
    {
        using var device = _authority.IssueDeviceCertificate("pump-1");
        var registered = _registry.RegisterCertificate(device, CertificateStatus.Inactive);
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(device.RawData)), registered.Id);
        Assert.AreEqual("arn:aws:iot:us-east-1:000000000000:cert/" + registered.Id, registered.Arn);
        StringAssert.StartsWith(registered.Pem, "-----BEGIN CERTIFICATE-----");
        Assert.AreEqual(_time.GetUtcNow().ToUnixTimeMilliseconds(), registered.CreatedMilliseconds);
        Assert.AreEqual(RegistryError.AlreadyExists, Refusal(() => _registry.RegisterCertificate(device, CertificateStatus.Active)));

        _time.Advance(TimeSpan.FromMinutes(1));
        var active = _registry.UpdateCertificate(registered.Id.ToUpperInvariant(), CertificateStatus.Active);
        Assert.AreEqual((CertificateStatus.Active, registered.CreatedMilliseconds + 60_000), (active.Status, active.LastModifiedMilliseconds));
        Assert.AreEqual(RegistryError.CertificateState, Refusal(() => _registry.DeleteCertificate(registered.Id)), "an ACTIVE certificate cannot be deleted");

        _registry.CreateThing("pump-1");
        _registry.AttachThingPrincipal("pump-1", registered.Arn);
        _registry.CreatePolicy("p", "{}");
        _registry.AttachPolicy("p", registered.Arn);
        _registry.UpdateCertificate(registered.Id, CertificateStatus.Inactive);
        Assert.AreEqual(RegistryError.DeleteConflict, Refusal(() => _registry.DeleteCertificate(registered.Id, forceDelete: true)), "attached to a thing: not even forced");
        Assert.AreEqual(RegistryError.InvalidRequest, Refusal(() => _registry.DeleteThing("pump-1")), "a thing with principals cannot be deleted");
        _registry.DetachThingPrincipal("pump-1", registered.Arn);
        Assert.AreEqual(RegistryError.DeleteConflict, Refusal(() => _registry.DeleteCertificate(registered.Id)), "a policy is still attached");
        _registry.DeleteCertificate(registered.Id, forceDelete: true);
        Assert.IsNull(_registry.FindCertificate(registered.Id));
        Assert.AreEqual(0, _registry.ListThingPrincipals("pump-1").Items.Count);
        _registry.DeletePolicy("p");
        Assert.AreEqual(RegistryError.NotFound, Refusal(() => _registry.UpdateCertificate(registered.Id, CertificateStatus.Active)));
    }

    [TestMethod]
    public void Certificates_are_listed_newest_first_page_by_page_and_policies_and_principal_things_by_name()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var device = _authority.IssueDeviceCertificate("pump-" + i);
            ids.Add(_registry.RegisterDevice("pump-" + i, device).Id);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var first = _registry.ListCertificates(pageSize: 2);
        var second = _registry.ListCertificates(pageSize: 2, marker: first.NextToken);
        CollectionAssert.AreEqual(new[] { ids[2], ids[1], ids[0] }, first.Items.Concat(second.Items).Select(certificate => certificate.Id).ToArray(), "newest first, as AWS lists them");
        Assert.IsNull(second.NextToken);
        var ascending = _registry.ListCertificates(pageSize: 1, ascending: true);
        Assert.AreEqual(ids[0], ascending.Items[0].Id);
        Assert.AreEqual(ids[1], _registry.ListCertificates(pageSize: 1, marker: ascending.NextToken, ascending: true).Items[0].Id);

        _registry.CreatePolicy("b", "{}");
        _registry.CreatePolicy("a", "{}");
        var policies = _registry.ListPolicies(pageSize: 2);
        CollectionAssert.AreEqual(new[] { DefaultPolicies.DevicePolicyName, "a" }, policies.Items.Select(policy => policy.Name).ToArray(), "ordinal name order");
        CollectionAssert.AreEqual(new[] { "b" }, _registry.ListPolicies(marker: policies.NextToken).Items.Select(policy => policy.Name).ToArray());

        var arn = _registry.CertificateArn(ids[0]);
        _registry.CreateThing("another");
        _registry.AttachThingPrincipal("another", arn);
        var things = _registry.ListPrincipalThings(arn, maxResults: 1);
        CollectionAssert.AreEqual(new[] { "another" }, things.Items.ToArray());
        CollectionAssert.AreEqual(new[] { "pump-0" }, _registry.ListPrincipalThings(arn, nextToken: things.NextToken).Items.ToArray());
        Assert.AreEqual(RegistryError.NotFound, Refusal(() => _registry.ListPrincipalThings(_registry.CertificateArn(new string('a', 64)))));
    }

    [TestMethod]
    public void A_revoked_certificate_stays_revoked()
    {
        using var device = _authority.IssueDeviceCertificate("pump-1");
        var registered = _registry.RegisterCertificate(device, CertificateStatus.Active);
        _registry.UpdateCertificate(registered.Id, CertificateStatus.Revoked);
        Assert.AreEqual(RegistryError.CertificateState, Refusal(() => _registry.UpdateCertificate(registered.Id, CertificateStatus.Active)));
        Assert.AreEqual(CertificateStatus.Revoked, _registry.FindCertificate(registered.Id)!.Status);
    }

    [TestMethod]
    public void Policies_attach_to_certificates_and_an_attached_policy_cannot_be_deleted()
    {
        using var device = _authority.IssueDeviceCertificate("pump-1");
        var certificate = _registry.RegisterCertificate(device, CertificateStatus.Active);
        foreach (var name in new[] { "zeta", "alpha", "mid" })
        {
            _registry.CreatePolicy(name, "{\"Statement\":[]}");
            _registry.AttachPolicy(name, certificate.Arn);
        }

        _registry.AttachPolicy("alpha", certificate.Arn); // again: no change
        Assert.AreEqual(RegistryError.AlreadyExists, Refusal(() => _registry.CreatePolicy("alpha", "{}")));
        var first = _registry.ListAttachedPolicies(certificate.Arn, pageSize: 2);
        CollectionAssert.AreEqual(new[] { "alpha", "mid" }, first.Items.Select(policy => policy.Name).ToArray());
        var second = _registry.ListAttachedPolicies(certificate.Arn, pageSize: 2, marker: first.NextToken);
        CollectionAssert.AreEqual(new[] { "zeta" }, second.Items.Select(policy => policy.Name).ToArray());
        Assert.IsNull(second.NextToken);
        Assert.AreEqual("arn:aws:iot:us-east-1:000000000000:policy/zeta", second.Items[0].Arn);

        Assert.AreEqual(RegistryError.DeleteConflict, Refusal(() => _registry.DeletePolicy("mid")));
        _registry.DetachPolicy("mid", certificate.Arn);
        _registry.DetachPolicy("mid", certificate.Arn); // not attached any more: still fine
        _registry.DeletePolicy("mid");
        Assert.IsNull(_registry.FindPolicy("mid"));
        Assert.AreEqual(RegistryError.NotFound, Refusal(() => _registry.DeletePolicy("mid")));
        Assert.AreEqual(RegistryError.NotFound, Refusal(() => _registry.AttachPolicy("nope", certificate.Arn)));
        Assert.AreEqual(RegistryError.NotFound, Refusal(() => _registry.AttachPolicy("alpha", _registry.CertificateArn(new string('0', 64)))));
        Assert.AreEqual(RegistryError.InvalidRequest, Refusal(() => _registry.AttachPolicy("alpha", "arn:aws:iot:us-east-1:000000000000:thinggroup/g")));
    }

    [TestMethod]
    public void Describe_tells_the_broker_status_things_and_policy_documents_of_a_registered_device()
    {
        using var device = _authority.IssueDeviceCertificate("pump-1");
        using var stranger = _authority.IssueDeviceCertificate("pump-2");
        var registered = _registry.RegisterDevice("pump-1", device);
        Assert.IsNull(_registry.Describe(stranger), "an unregistered certificate is unknown");

        var info = _registry.Describe(device)!;
        Assert.AreEqual(registered.Id, info.CertificateId);
        Assert.IsTrue(info.IsActive);
        CollectionAssert.AreEqual(new[] { "pump-1" }, info.AttachedThings.ToArray());
        Assert.AreEqual(1, info.Policies.Count);
        Assert.AreEqual(DefaultPolicies.DevicePolicyName, info.Policies[0].Name);
        Assert.AreEqual(DefaultPolicies.DevicePolicy(LocalAccount.Region, LocalAccount.AccountId), info.Policies[0].Document);

        _registry.UpdateCertificate(registered.Id, CertificateStatus.Inactive);
        Assert.IsFalse(_registry.Describe(device)!.IsActive, "an INACTIVE certificate is refused at its next connect");

        // A second device of the same thing shares the one default policy.
        using var replacement = _authority.IssueDeviceCertificate("pump-1");
        _registry.RegisterDevice("pump-1", replacement);
        Assert.AreEqual(2, _registry.ListThingPrincipals("pump-1").Items.Count);
        Assert.AreEqual(DefaultPolicies.DevicePolicyName, _registry.Describe(replacement)!.Policies[0].Name);
    }

    [TestMethod]
    public void A_registry_from_before_the_credentials_provider_gets_the_default_policys_new_statement_and_keeps_a_users_own()
    {
        var before = DefaultPolicies.DevicePolicyBeforeCredentialsProvider(LocalAccount.Region, LocalAccount.AccountId);
        Assert.HasCount(4, PolicyDocument.Parse(before).Statements, "the thing policy as it was: no iot:AssumeRoleWithCertificate");
        _registry.CreatePolicy(DefaultPolicies.DevicePolicyName, before);
        _registry.Dispose();
        _registry = Open();
        Assert.AreEqual(DefaultPolicies.DevicePolicy(LocalAccount.Region, LocalAccount.AccountId), _registry.FindPolicy(DefaultPolicies.DevicePolicyName)!.Document);

        const string own = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*"}]}""";
        var path = Path.Combine(_folder, "own.db");
        using (var first = new IotRegistry(path, _time))
        {
            first.CreatePolicy(DefaultPolicies.DevicePolicyName, own);
        }

        using var reopened = new IotRegistry(path, _time);
        Assert.AreEqual(own, reopened.FindPolicy(DefaultPolicies.DevicePolicyName)!.Document, "a policy the user wrote is theirs");
    }

    [TestMethod]
    public void What_one_registry_writes_another_on_the_same_file_sees_at_once_and_after_a_restart()
    {
        using var device = _authority.IssueDeviceCertificate("pump-1");
        // mint-device-cert opens its own registry on the data directory while LocalIotCore runs.
        using (var minting = Open())
        {
            minting.RegisterDevice("pump-1", device);
        }

        Assert.IsTrue(_registry.Describe(device)!.IsActive, "the running registry sees the minted device without a restart");
        _registry.CreateThing("pump-2", new Dictionary<string, string> { ["room"] = "attic" });
        _registry.Dispose();
        _registry = Open();
        CollectionAssert.AreEqual(new[] { "pump-1", "pump-2" }, _registry.ThingNames().ToArray());
        Assert.AreEqual("attic", _registry.FindThing("pump-2")!.Attributes["room"]);
        CollectionAssert.AreEqual(new[] { "pump-1" }, _registry.ListPrincipalThings(_registry.CertificateArn(IotRegistry.CertificateIdOf(device))).Items.ToArray());
    }

    [TestMethod]
    public async Task Concurrent_callers_each_get_their_thing_registered()
    {
        var writers = new Task[8];
        for (var w = 0; w < writers.Length; w++)
        {
            var writer = w;
            writers[w] = Task.Run(() =>
            {
                for (var i = 0; i < 25; i++)
                {
                    _registry.CreateThing("t-" + writer + "-" + i, new Dictionary<string, string> { ["writer"] = writer.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    _ = _registry.ListThings(maxResults: 5);
                }
            });
        }

        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.AreEqual(200, _registry.ThingNames().Count);
        Assert.AreEqual(25, _registry.ListThings(attributeName: "writer", attributeValue: "3").Items.Count);
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LocalIotCore.Policies;
using Microsoft.Data.Sqlite;

namespace LocalIotCore.Registry;

/// <summary>A certificate's status as AWS IoT keeps it; only an ACTIVE certificate may connect.</summary>
public enum CertificateStatus
{
    Active,
    Inactive,

    /// <summary>Final: a revoked certificate cannot be made ACTIVE or INACTIVE again.</summary>
    Revoked,
}

/// <summary>A thing in the registry (AWS's DescribeThing).</summary>
public sealed record RegisteredThing(string Name, string Arn, string Id, long Version, IReadOnlyDictionary<string, string> Attributes, string? TypeName);

/// <summary>A certificate in the registry; <see cref="Id"/> is the SHA-256 of its DER bytes in lowercase hex, as AWS names certificates.</summary>
public sealed record RegisteredCertificate(string Id, string Arn, string Pem, CertificateStatus Status, long CreatedMilliseconds, long LastModifiedMilliseconds);

/// <summary>A policy in the registry: one version ("1"), its document as given.</summary>
public sealed record RegisteredPolicy(string Name, string Arn, string Document, long CreatedMilliseconds, long LastModifiedMilliseconds)
{
    /// <summary>LocalIotCore keeps one version per policy (no CreatePolicyVersion).</summary>
    public const string DefaultVersionId = "1";
}

/// <summary>One page of a listing and the token of the next page (null on the last).</summary>
public sealed record RegistryPage<T>(IReadOnlyList<T> Items, string? NextToken);

/// <summary>Why a registry operation was refused; the control plane maps each to AWS's error type.</summary>
public enum RegistryError
{
    NotFound,
    AlreadyExists,
    VersionConflict,

    /// <summary>Still attached to something (a policy to a target, a certificate to a thing or policy).</summary>
    DeleteConflict,

    /// <summary>The certificate's status forbids it (delete while ACTIVE, change a REVOKED one).</summary>
    CertificateState,
    InvalidRequest,
}

public sealed class RegistryException(RegistryError error, string message) : Exception(message)
{
    public RegistryError Error { get; } = error;
}

/// <summary>
/// The registry of things, certificates, policies and what is attached to what, as AWS IoT Core's
/// control plane keeps it, in a SQLite file in the data directory (<see cref="FileName"/>). Every read
/// goes to the file, so a <c>mint-device-cert</c> run beside a running LocalIotCore is seen at once.
/// Thread-safe: one connection behind a lock; multi-step changes are single transactions.
/// </summary>
public sealed class IotRegistry : IPrincipalDirectory, IDisposable
{
    public const string FileName = "registry.db";

    /// <summary>The most items one list call returns (AWS's RegistryMaxResults and PageSize: 1..250).</summary>
    public const int MaximumPageSize = 250;

    private readonly object _gate = new();
    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly string _arnPrefix;
    private SqliteTransaction? _transaction;

    public IotRegistry(string databasePath, TimeProvider? time = null, string region = LocalAccount.Region, string accountId = LocalAccount.AccountId)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        _time = time ?? TimeProvider.System;
        Region = region;
        AccountId = accountId;
        _arnPrefix = "arn:aws:iot:" + region + ":" + accountId + ":";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(databasePath))!);
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Pooling = false, DefaultTimeout = 10 }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; " +
            "CREATE TABLE IF NOT EXISTS things(name TEXT PRIMARY KEY, id TEXT NOT NULL, type TEXT, version INTEGER NOT NULL, created INTEGER NOT NULL); " +
            "CREATE TABLE IF NOT EXISTS thing_attributes(thing TEXT NOT NULL REFERENCES things(name) ON DELETE CASCADE, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(thing, name)); " +
            "CREATE TABLE IF NOT EXISTS certificates(id TEXT PRIMARY KEY, pem TEXT NOT NULL, status TEXT NOT NULL, created INTEGER NOT NULL, modified INTEGER NOT NULL); " +
            "CREATE TABLE IF NOT EXISTS thing_principals(thing TEXT NOT NULL REFERENCES things(name) ON DELETE CASCADE, principal TEXT NOT NULL, PRIMARY KEY(thing, principal)); " +
            "CREATE TABLE IF NOT EXISTS policies(name TEXT PRIMARY KEY, document TEXT NOT NULL, created INTEGER NOT NULL, modified INTEGER NOT NULL); " +
            "CREATE TABLE IF NOT EXISTS policy_targets(policy TEXT NOT NULL REFERENCES policies(name) ON DELETE CASCADE, target TEXT NOT NULL, PRIMARY KEY(policy, target))");
        // A data directory from before the credentials provider holds the default thing policy without
        // iot:AssumeRoleWithCertificate: bring LocalIotCore's own default up to date (one a user changed stays).
        Execute("UPDATE policies SET document = $new, modified = $now WHERE name = $n AND document = $old",
            ("$new", DefaultPolicies.DevicePolicy(region, accountId)), ("$now", Now()), ("$n", DefaultPolicies.DevicePolicyName),
            ("$old", DefaultPolicies.DevicePolicyBeforeCredentialsProvider(region, accountId)));
    }

    public string Region { get; }

    public string AccountId { get; }

    public string ThingArn(string thingName) => _arnPrefix + "thing/" + thingName;

    public string CertificateArn(string certificateId) => _arnPrefix + "cert/" + certificateId;

    public string PolicyArn(string policyName) => _arnPrefix + "policy/" + policyName;

    /// <summary>AWS's certificate id: the SHA-256 of the certificate's DER encoding, lowercase hex.</summary>
    public static string CertificateIdOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
    }

    // ---- things ----

    /// <summary>
    /// Creates a thing. Creating it again with the same attributes and type succeeds (AWS's CreateThing is
    /// idempotent); with a different configuration it is <see cref="RegistryError.AlreadyExists"/>.
    /// </summary>
    public RegisteredThing CreateThing(string name, IReadOnlyDictionary<string, string>? attributes = null, string? typeName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        attributes ??= new Dictionary<string, string>();
        lock (_gate)
        {
            using var transaction = Begin();
            if (FindThingLocked(name) is { } existing)
            {
                if (existing.TypeName == typeName && SameAttributes(existing.Attributes, attributes))
                {
                    return existing;
                }

                throw new RegistryException(RegistryError.AlreadyExists, "Thing " + name + " already exists in account with different attributes");
            }

            Execute("INSERT INTO things(name, id, type, version, created) VALUES ($n, $id, $type, 1, $now)",
                ("$n", name), ("$id", Guid.NewGuid().ToString()), ("$type", typeName), ("$now", Now()));
            foreach (var pair in attributes)
            {
                Execute("INSERT INTO thing_attributes(thing, name, value) VALUES ($t, $n, $v)", ("$t", name), ("$n", pair.Key), ("$v", pair.Value));
            }

            var created = FindThingLocked(name)!;
            transaction.Commit();
            return created;
        }
    }

    public RegisteredThing? FindThing(string name)
    {
        lock (_gate)
        {
            return FindThingLocked(name);
        }
    }

    /// <summary>
    /// AWS's UpdateThing: <paramref name="attributes"/> replace the thing's attributes, or are merged into
    /// them with <paramref name="merge"/>; an empty value removes that attribute either way. The version
    /// goes up by one; a given <paramref name="expectedVersion"/> must match the current one.
    /// </summary>
    public RegisteredThing UpdateThing(string name, IReadOnlyDictionary<string, string>? attributes, bool merge = false, long? expectedVersion = null, string? typeName = null, bool removeType = false)
    {
        lock (_gate)
        {
            using var transaction = Begin();
            var existing = FindThingLocked(name) ?? throw ThingNotFound(name);
            if (expectedVersion is long expected && expected != existing.Version)
            {
                throw new RegistryException(RegistryError.VersionConflict, "The version for thing " + name + " does not match the expected version.");
            }

            if (attributes is not null)
            {
                if (!merge)
                {
                    Execute("DELETE FROM thing_attributes WHERE thing = $t", ("$t", name));
                }

                foreach (var pair in attributes)
                {
                    if (pair.Value.Length == 0)
                    {
                        Execute("DELETE FROM thing_attributes WHERE thing = $t AND name = $n", ("$t", name), ("$n", pair.Key));
                    }
                    else
                    {
                        Execute("INSERT OR REPLACE INTO thing_attributes(thing, name, value) VALUES ($t, $n, $v)", ("$t", name), ("$n", pair.Key), ("$v", pair.Value));
                    }
                }
            }

            var type = removeType ? null : typeName ?? existing.TypeName;
            Execute("UPDATE things SET version = version + 1, type = $type WHERE name = $n", ("$n", name), ("$type", type));
            var updated = FindThingLocked(name)!;
            transaction.Commit();
            return updated;
        }
    }

    /// <summary>
    /// AWS's DeleteThing: deleting a thing that does not exist succeeds (false); a thing that still has
    /// principals attached is refused (<see cref="RegistryError.InvalidRequest"/>), as AWS refuses it.
    /// </summary>
    public bool DeleteThing(string name, long? expectedVersion = null)
    {
        lock (_gate)
        {
            using var transaction = Begin();
            if (FindThingLocked(name) is not { } existing)
            {
                return false;
            }

            if (expectedVersion is long expected && expected != existing.Version)
            {
                throw new RegistryException(RegistryError.VersionConflict, "The version for thing " + name + " does not match the expected version.");
            }

            if (Scalar("SELECT COUNT(*) FROM thing_principals WHERE thing = $t", ("$t", name)) > 0)
            {
                throw new RegistryException(RegistryError.InvalidRequest, "Cannot delete. Thing " + name + " is still attached to one or more principals");
            }

            Execute("DELETE FROM things WHERE name = $n", ("$n", name));
            transaction.Commit();
            return true;
        }
    }

    /// <summary>
    /// AWS's ListThings, in name order: things after <paramref name="nextToken"/> (the last name of the
    /// previous page), optionally only those whose attribute <paramref name="attributeName"/> equals
    /// (or, with <paramref name="prefix"/>, starts with) <paramref name="attributeValue"/>.
    /// </summary>
    public RegistryPage<RegisteredThing> ListThings(int maxResults = MaximumPageSize, string? nextToken = null, string? attributeName = null, string? attributeValue = null, bool prefix = false, string? typeName = null)
    {
        CheckPageSize(maxResults);
        lock (_gate)
        {
            var names = new List<string>();
            using (var select = Command(
                "SELECT name FROM things t WHERE name > $after AND ($type IS NULL OR type = $type) AND ($an IS NULL OR EXISTS " +
                "(SELECT 1 FROM thing_attributes a WHERE a.thing = t.name AND a.name = $an AND ($av IS NULL OR a.value = $av OR ($prefix AND substr(a.value, 1, length($av)) = $av)))) " +
                "ORDER BY name LIMIT $limit",
                ("$after", nextToken ?? ""), ("$type", typeName), ("$an", attributeName), ("$av", attributeValue), ("$prefix", prefix ? 1 : 0), ("$limit", maxResults + 1)))
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    names.Add(reader.GetString(0));
                }
            }

            var things = new List<RegisteredThing>();
            for (var i = 0; i < names.Count && i < maxResults; i++)
            {
                things.Add(FindThingLocked(names[i])!);
            }

            return new RegistryPage<RegisteredThing>(things, names.Count > maxResults ? names[maxResults - 1] : null);
        }
    }

    /// <summary>Every registered thing's name, in order (the local views' list of things).</summary>
    public IReadOnlyList<string> ThingNames()
    {
        lock (_gate)
        {
            return Strings("SELECT name FROM things ORDER BY name");
        }
    }

    // ---- certificates ----

    /// <summary>Registers a certificate (PEM kept as AWS returns it from DescribeCertificate).</summary>
    public RegisteredCertificate RegisterCertificate(X509Certificate2 certificate, CertificateStatus status)
    {
        lock (_gate)
        {
            return RegisterCertificateLocked(certificate, status);
        }
    }

    public RegisteredCertificate? FindCertificate(string certificateId)
    {
        lock (_gate)
        {
            return FindCertificateLocked(certificateId);
        }
    }

    /// <summary>AWS's UpdateCertificate; a REVOKED certificate cannot change (<see cref="RegistryError.CertificateState"/>).</summary>
    public RegisteredCertificate UpdateCertificate(string certificateId, CertificateStatus status)
    {
        lock (_gate)
        {
            var existing = FindCertificateLocked(certificateId) ?? throw CertificateNotFound(certificateId);
            if (existing.Status == CertificateStatus.Revoked && status != CertificateStatus.Revoked)
            {
                throw new RegistryException(RegistryError.CertificateState, "Certificate " + certificateId + " is REVOKED; its status cannot be changed");
            }

            Execute("UPDATE certificates SET status = $s, modified = $now WHERE id = $id", ("$id", existing.Id), ("$s", StatusText(status)), ("$now", Now()));
            return FindCertificateLocked(existing.Id)!;
        }
    }

    /// <summary>
    /// AWS's DeleteCertificate: an ACTIVE certificate is refused (<see cref="RegistryError.CertificateState"/>);
    /// one attached to a thing, or to a policy without <paramref name="forceDelete"/>, is a
    /// <see cref="RegistryError.DeleteConflict"/>. Force detaches its policies.
    /// </summary>
    public void DeleteCertificate(string certificateId, bool forceDelete = false)
    {
        lock (_gate)
        {
            using var transaction = Begin();
            var existing = FindCertificateLocked(certificateId) ?? throw CertificateNotFound(certificateId);
            if (existing.Status == CertificateStatus.Active)
            {
                throw new RegistryException(RegistryError.CertificateState, "Certificate must be deactivated (not ACTIVE) before deletion.");
            }

            if (Scalar("SELECT COUNT(*) FROM thing_principals WHERE principal = $p", ("$p", existing.Arn)) > 0)
            {
                throw new RegistryException(RegistryError.DeleteConflict, "Certificate " + existing.Id + " is still attached to one or more things");
            }

            if (!forceDelete && Scalar("SELECT COUNT(*) FROM policy_targets WHERE target = $p", ("$p", existing.Arn)) > 0)
            {
                throw new RegistryException(RegistryError.DeleteConflict, "Certificate policies must be detached before deletion.");
            }

            Execute("DELETE FROM policy_targets WHERE target = $p", ("$p", existing.Arn));
            Execute("DELETE FROM certificates WHERE id = $id", ("$id", existing.Id));
            transaction.Commit();
        }
    }

    // ---- thing principals ----

    /// <summary>Attaches a certificate (by ARN) to a thing; attaching it again changes nothing.</summary>
    public void AttachThingPrincipal(string thingName, string principalArn)
    {
        lock (_gate)
        {
            _ = FindThingLocked(thingName) ?? throw ThingNotFound(thingName);
            var certificate = CertificateOfArnLocked(principalArn);
            Execute("INSERT OR IGNORE INTO thing_principals(thing, principal) VALUES ($t, $p)", ("$t", thingName), ("$p", certificate.Arn));
        }
    }

    /// <summary>Detaches a principal from a thing; detaching one that is not attached succeeds.</summary>
    public void DetachThingPrincipal(string thingName, string principalArn)
    {
        lock (_gate)
        {
            _ = FindThingLocked(thingName) ?? throw ThingNotFound(thingName);
            Execute("DELETE FROM thing_principals WHERE thing = $t AND principal = $p", ("$t", thingName), ("$p", principalArn));
        }
    }

    public RegistryPage<string> ListThingPrincipals(string thingName, int maxResults = MaximumPageSize, string? nextToken = null)
    {
        CheckPageSize(maxResults);
        lock (_gate)
        {
            _ = FindThingLocked(thingName) ?? throw ThingNotFound(thingName);
            return Page(Strings("SELECT principal FROM thing_principals WHERE thing = $t AND principal > $after ORDER BY principal LIMIT $limit",
                ("$t", thingName), ("$after", nextToken ?? ""), ("$limit", maxResults + 1)), maxResults);
        }
    }

    /// <summary>AWS's ListPrincipalThings: the things a certificate (by ARN) is attached to, in name order.</summary>
    public RegistryPage<string> ListPrincipalThings(string principalArn, int maxResults = MaximumPageSize, string? nextToken = null)
    {
        CheckPageSize(maxResults);
        lock (_gate)
        {
            var certificate = CertificateOfArnLocked(principalArn);
            return Page(Strings("SELECT thing FROM thing_principals WHERE principal = $p AND thing > $after ORDER BY thing LIMIT $limit",
                ("$p", certificate.Arn), ("$after", nextToken ?? ""), ("$limit", maxResults + 1)), maxResults);
        }
    }

    /// <summary>
    /// AWS's ListCertificates, by creation date (newest first unless <paramref name="ascending"/>, as AWS
    /// orders them); the marker is the id of the last certificate of the previous page.
    /// </summary>
    public RegistryPage<RegisteredCertificate> ListCertificates(int pageSize = MaximumPageSize, string? marker = null, bool ascending = false)
    {
        CheckPageSize(pageSize);
        lock (_gate)
        {
            var order = ascending ? "ASC" : "DESC";
            var after = ascending ? ">" : "<";
            // Rows after the marker's (created, id) in the listing's order; no marker: from the start.
            var ids = Page(Strings(
                "SELECT id FROM certificates WHERE $marker IS NULL OR (created, id) " + after + " (SELECT created, id FROM certificates WHERE id = $marker) " +
                "ORDER BY created " + order + ", id " + order + " LIMIT $limit",
                ("$marker", marker?.ToLowerInvariant()), ("$limit", pageSize + 1)), pageSize);
            var certificates = new List<RegisteredCertificate>();
            foreach (var id in ids.Items)
            {
                certificates.Add(FindCertificateLocked(id)!);
            }

            return new RegistryPage<RegisteredCertificate>(certificates, ids.NextToken);
        }
    }

    // ---- policies ----

    /// <summary>AWS's CreatePolicy; the document is kept as given (the broker's evaluator parses it).</summary>
    public RegisteredPolicy CreatePolicy(string name, string document)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(document);
        lock (_gate)
        {
            if (FindPolicyLocked(name) is not null)
            {
                throw new RegistryException(RegistryError.AlreadyExists, "Policy cannot be created - name already exists (name=" + name + ")");
            }

            var now = Now();
            Execute("INSERT INTO policies(name, document, created, modified) VALUES ($n, $d, $now, $now)", ("$n", name), ("$d", document), ("$now", now));
            return FindPolicyLocked(name)!;
        }
    }

    public RegisteredPolicy? FindPolicy(string name)
    {
        lock (_gate)
        {
            return FindPolicyLocked(name);
        }
    }

    /// <summary>AWS's ListPolicies, in name order; the marker is the last name of the previous page.</summary>
    public RegistryPage<RegisteredPolicy> ListPolicies(int pageSize = MaximumPageSize, string? marker = null)
    {
        CheckPageSize(pageSize);
        lock (_gate)
        {
            return Policies(Page(Strings("SELECT name FROM policies WHERE name > $after ORDER BY name LIMIT $limit", ("$after", marker ?? ""), ("$limit", pageSize + 1)), pageSize));
        }
    }

    /// <summary>AWS's DeletePolicy: a policy still attached to a target is a <see cref="RegistryError.DeleteConflict"/>.</summary>
    public void DeletePolicy(string name)
    {
        lock (_gate)
        {
            _ = FindPolicyLocked(name) ?? throw PolicyNotFound(name);
            if (Scalar("SELECT COUNT(*) FROM policy_targets WHERE policy = $n", ("$n", name)) > 0)
            {
                throw new RegistryException(RegistryError.DeleteConflict, "The policy cannot be deleted as the policy is attached to one or more principals (name=" + name + ")");
            }

            Execute("DELETE FROM policies WHERE name = $n", ("$n", name));
        }
    }

    /// <summary>AWS's AttachPolicy to a certificate ARN (the only target kind LocalIotCore has); again changes nothing.</summary>
    public void AttachPolicy(string policyName, string targetArn)
    {
        lock (_gate)
        {
            _ = FindPolicyLocked(policyName) ?? throw PolicyNotFound(policyName);
            var certificate = CertificateOfArnLocked(targetArn);
            Execute("INSERT OR IGNORE INTO policy_targets(policy, target) VALUES ($n, $t)", ("$n", policyName), ("$t", certificate.Arn));
        }
    }

    /// <summary>AWS's DetachPolicy; detaching a policy that is not attached succeeds.</summary>
    public void DetachPolicy(string policyName, string targetArn)
    {
        lock (_gate)
        {
            _ = FindPolicyLocked(policyName) ?? throw PolicyNotFound(policyName);
            Execute("DELETE FROM policy_targets WHERE policy = $n AND target = $t", ("$n", policyName), ("$t", targetArn));
        }
    }

    /// <summary>AWS's ListAttachedPolicies for a certificate ARN, in name order; the token is the last name of the previous page.</summary>
    public RegistryPage<RegisteredPolicy> ListAttachedPolicies(string targetArn, int pageSize = MaximumPageSize, string? marker = null)
    {
        CheckPageSize(pageSize);
        lock (_gate)
        {
            var certificate = CertificateOfArnLocked(targetArn);
            return Policies(Page(Strings("SELECT policy FROM policy_targets WHERE target = $t AND policy > $after ORDER BY policy LIMIT $limit",
                ("$t", certificate.Arn), ("$after", marker ?? ""), ("$limit", pageSize + 1)), pageSize));
        }
    }

    // ---- the device set-up mint-device-cert does ----

    /// <summary>
    /// What <c>mint-device-cert</c> does after minting, in one transaction: the thing registered (if it
    /// is not yet), the certificate registered ACTIVE and attached to it, and the default device policy
    /// (<see cref="DefaultPolicies.DevicePolicyName"/>, created if absent) attached to the certificate.
    /// </summary>
    public RegisteredCertificate RegisterDevice(string thingName, X509Certificate2 certificate)
    {
        ArgumentException.ThrowIfNullOrEmpty(thingName);
        lock (_gate)
        {
            using var transaction = Begin();
            if (FindThingLocked(thingName) is null)
            {
                Execute("INSERT INTO things(name, id, type, version, created) VALUES ($n, $id, NULL, 1, $now)", ("$n", thingName), ("$id", Guid.NewGuid().ToString()), ("$now", Now()));
            }

            var registered = FindCertificateLocked(CertificateIdOf(certificate)) ?? RegisterCertificateLocked(certificate, CertificateStatus.Active);
            Execute("INSERT OR IGNORE INTO thing_principals(thing, principal) VALUES ($t, $p)", ("$t", thingName), ("$p", registered.Arn));
            if (FindPolicyLocked(DefaultPolicies.DevicePolicyName) is null)
            {
                var now = Now();
                Execute("INSERT INTO policies(name, document, created, modified) VALUES ($n, $d, $now, $now)",
                    ("$n", DefaultPolicies.DevicePolicyName), ("$d", DefaultPolicies.DevicePolicy(Region, AccountId)), ("$now", now));
            }

            Execute("INSERT OR IGNORE INTO policy_targets(policy, target) VALUES ($n, $t)", ("$n", DefaultPolicies.DevicePolicyName), ("$t", registered.Arn));
            transaction.Commit();
            return registered;
        }
    }

    /// <summary>
    /// <c>mint-app-cert</c>: an application's certificate, registered ACTIVE with no thing and with
    /// <see cref="DefaultPolicies.ApplicationPolicyName"/> (every IoT action on every resource; created if absent)
    /// attached — an identity like any other, which its policy, not its name, lets use every topic.
    /// </summary>
    public RegisteredCertificate RegisterApplication(X509Certificate2 certificate)
    {
        lock (_gate)
        {
            using var transaction = Begin();
            var registered = FindCertificateLocked(CertificateIdOf(certificate)) ?? RegisterCertificateLocked(certificate, CertificateStatus.Active);
            if (FindPolicyLocked(DefaultPolicies.ApplicationPolicyName) is null)
            {
                var now = Now();
                Execute("INSERT INTO policies(name, document, created, modified) VALUES ($n, $d, $now, $now)",
                    ("$n", DefaultPolicies.ApplicationPolicyName), ("$d", DefaultPolicies.ApplicationPolicy), ("$now", now));
            }

            Execute("INSERT OR IGNORE INTO policy_targets(policy, target) VALUES ($n, $t)", ("$n", DefaultPolicies.ApplicationPolicyName), ("$t", registered.Arn));
            transaction.Commit();
            return registered;
        }
    }

    // ---- the broker's view ----

    /// <inheritdoc />
    public PrincipalInfo? Describe(X509Certificate2 certificate)
    {
        var id = CertificateIdOf(certificate);
        lock (_gate)
        {
            if (FindCertificateLocked(id) is not { } registered)
            {
                return null;
            }

            var things = Strings("SELECT thing FROM thing_principals WHERE principal = $p ORDER BY thing", ("$p", registered.Arn));
            var policies = new List<AttachedPolicy>();
            using (var select = Command("SELECT p.name, p.document FROM policy_targets t JOIN policies p ON p.name = t.policy WHERE t.target = $p ORDER BY p.name", ("$p", registered.Arn)))
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    policies.Add(new AttachedPolicy(reader.GetString(0), reader.GetString(1)));
                }
            }

            return new PrincipalInfo(registered.Id, registered.Status == CertificateStatus.Active, things, policies);
        }
    }

    public void Dispose() => _connection.Dispose();

    /// <summary>AWS's wire name of a status (<c>ACTIVE</c>, <c>INACTIVE</c>, <c>REVOKED</c>).</summary>
    public static string StatusText(CertificateStatus status) => status switch
    {
        CertificateStatus.Active => "ACTIVE",
        CertificateStatus.Inactive => "INACTIVE",
        _ => "REVOKED",
    };

    /// <summary>Parses AWS's wire name of a status LocalIotCore supports; false for any other.</summary>
    public static bool TryParseStatus(string text, out CertificateStatus status)
    {
        switch (text)
        {
            case "ACTIVE":
                status = CertificateStatus.Active;
                return true;
            case "INACTIVE":
                status = CertificateStatus.Inactive;
                return true;
            case "REVOKED":
                status = CertificateStatus.Revoked;
                return true;
            default:
                status = default;
                return false;
        }
    }

    private RegisteredCertificate RegisterCertificateLocked(X509Certificate2 certificate, CertificateStatus status)
    {
        var id = CertificateIdOf(certificate);
        if (FindCertificateLocked(id) is not null)
        {
            throw new RegistryException(RegistryError.AlreadyExists, "The certificate is already provisioned or registered (id=" + id + ")");
        }

        var now = Now();
        Execute("INSERT INTO certificates(id, pem, status, created, modified) VALUES ($id, $pem, $s, $now, $now)",
            ("$id", id), ("$pem", certificate.ExportCertificatePem() + "\n"), ("$s", StatusText(status)), ("$now", now));
        return FindCertificateLocked(id)!;
    }

    /// <summary>The registered certificate an ARN names: NotFound for an unknown certificate, InvalidRequest for what is no certificate ARN of this account.</summary>
    private RegisteredCertificate CertificateOfArnLocked(string arn)
    {
        var marker = _arnPrefix + "cert/";
        if (!arn.StartsWith(marker, StringComparison.Ordinal))
        {
            throw new RegistryException(RegistryError.InvalidRequest, "The principal or target must be a certificate ARN of the form " + marker + "<certificateId>, not '" + arn + "'");
        }

        var id = arn[marker.Length..];
        return FindCertificateLocked(id) ?? throw CertificateNotFound(id);
    }

    private RegisteredThing? FindThingLocked(string name)
    {
        string id;
        string? type;
        long version;
        using (var select = Command("SELECT id, type, version FROM things WHERE name = $n", ("$n", name)))
        using (var reader = select.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            id = reader.GetString(0);
            type = reader.IsDBNull(1) ? null : reader.GetString(1);
            version = reader.GetInt64(2);
        }

        var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using (var select = Command("SELECT name, value FROM thing_attributes WHERE thing = $n", ("$n", name)))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                attributes[reader.GetString(0)] = reader.GetString(1);
            }
        }

        return new RegisteredThing(name, ThingArn(name), id, version, attributes, type);
    }

    private RegisteredCertificate? FindCertificateLocked(string certificateId)
    {
        using var select = Command("SELECT id, pem, status, created, modified FROM certificates WHERE id = $id", ("$id", certificateId.ToLowerInvariant()));
        using var reader = select.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        TryParseStatus(reader.GetString(2), out var status);
        var id = reader.GetString(0);
        return new RegisteredCertificate(id, CertificateArn(id), reader.GetString(1), status, reader.GetInt64(3), reader.GetInt64(4));
    }

    private RegisteredPolicy? FindPolicyLocked(string name)
    {
        using var select = Command("SELECT document, created, modified FROM policies WHERE name = $n", ("$n", name));
        using var reader = select.ExecuteReader();
        return reader.Read() ? new RegisteredPolicy(name, PolicyArn(name), reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)) : null;
    }

    private RegistryPage<RegisteredPolicy> Policies(RegistryPage<string> names)
    {
        var policies = new List<RegisteredPolicy>();
        foreach (var name in names.Items)
        {
            policies.Add(FindPolicyLocked(name)!);
        }

        return new RegistryPage<RegisteredPolicy>(policies, names.NextToken);
    }

    private static bool SameAttributes(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var pair in a)
        {
            if (!b.TryGetValue(pair.Key, out var value) || value != pair.Value)
            {
                return false;
            }
        }

        return true;
    }

    private static void CheckPageSize(int size)
    {
        if (size is < 1 or > MaximumPageSize)
        {
            throw new RegistryException(RegistryError.InvalidRequest, "The page size must be between 1 and " + MaximumPageSize + ", not " + size);
        }
    }

    private static RegistryPage<string> Page(IReadOnlyList<string> oneMore, int size)
    {
        if (oneMore.Count <= size)
        {
            return new RegistryPage<string>(oneMore, null);
        }

        var items = new List<string>(size);
        for (var i = 0; i < size; i++)
        {
            items.Add(oneMore[i]);
        }

        return new RegistryPage<string>(items, items[^1]);
    }

    private static RegistryException ThingNotFound(string name) => new(RegistryError.NotFound, "Thing " + name + " cannot be found.");

    private static RegistryException CertificateNotFound(string id) => new(RegistryError.NotFound, "The certificate " + id + " cannot be found.");

    private static RegistryException PolicyNotFound(string name) => new(RegistryError.NotFound, "Policy not found (name=" + name + ")");

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Starts a transaction that every command made until it is disposed joins (Microsoft.Data.Sqlite requires the command to name it).</summary>
    private Transaction Begin()
    {
        _transaction = _connection.BeginTransaction();
        return new Transaction(this);
    }

    /// <summary>Commits on <see cref="Commit"/>; disposed without it, rolls back.</summary>
    private readonly struct Transaction(IotRegistry registry) : IDisposable
    {
        public void Commit() => registry._transaction!.Commit();

        public void Dispose()
        {
            registry._transaction?.Dispose();
            registry._transaction = null;
        }
    }

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private void Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    private long Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return (long)command.ExecuteScalar()!;
    }

    private List<string> Strings(string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var strings = new List<string>();
        while (reader.Read())
        {
            strings.Add(reader.GetString(0));
        }

        return strings;
    }
}

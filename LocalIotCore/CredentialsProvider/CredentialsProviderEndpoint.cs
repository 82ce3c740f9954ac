using System.Globalization;
using System.Text.Json.Nodes;
using LocalIotCore.Http;
using LocalIotCore.Policies;
using LocalIotCore.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LocalIotCore.CredentialsProvider;

/// <summary>
/// The AWS IoT credentials provider ("Authorizing direct calls to AWS services"): a device presents its
/// certificate over mutual TLS and asks <c>GET /role-aliases/{alias}/credentials</c>, optionally naming
/// itself in <c>x-amzn-iot-thingname</c>, and gets temporary credentials for the alias's role. Refused
/// with 403 without a client certificate (plain HTTP has none), for an unknown or inactive certificate,
/// for a thing the certificate is not attached to, or when no policy attached to the certificate allows
/// <c>iot:AssumeRoleWithCertificate</c> on the role alias; 404 for an unknown alias.
/// </summary>
public static class CredentialsProviderEndpoint
{
    public const string ThingNameHeader = "x-amzn-iot-thingname";

    public static void Map(IEndpointRouteBuilder app, RoleAliasTable aliases, IPrincipalDirectory principals, PolicyEvaluator policies, TemporaryCredentialStore store, CredentialsProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/role-aliases/{alias}/credentials", (RequestDelegate)(context => IssueAsync(context, aliases, principals, policies, store, options)));
    }

    /// <summary>
    /// Why a request with a client certificate is refused, or null to issue: an unknown alias (404), a
    /// certificate the directory does not know or that is not ACTIVE, a named thing the certificate
    /// is not attached to, or attached policies that do not allow <c>iot:AssumeRoleWithCertificate</c> on
    /// <c>rolealias/&lt;alias&gt;</c> (403). An empty <paramref name="thing"/>: no x-amzn-iot-thingname header.
    /// </summary>
    public static (int Status, string Message)? Refusal(string aliasName, RoleAlias? alias, PrincipalInfo? principal, string thing, PolicyEvaluator policies)
    {
        ArgumentNullException.ThrowIfNull(thing);
        ArgumentNullException.ThrowIfNull(policies);
        if (alias is null)
        {
            return (404, "Role alias does not exist: " + aliasName);
        }

        if (principal is null || !principal.IsActive)
        {
            return (403, "Access Denied: the certificate is " + (principal is null ? "not registered" : "not ACTIVE"));
        }

        if (thing.Length > 0 && !principal.AttachedThings.Contains(thing, StringComparer.Ordinal))
        {
            return (403, "Access Denied: the certificate is not attached to thing " + thing);
        }

        // As the broker authorizes CONNECT: the thing variables are the named thing's, when it is attached.
        var context = thing.Length > 0 ? new PolicyContext(thing, thing) : new PolicyContext("", null);
        IReadOnlyList<PolicyDocument> documents;
        try
        {
            documents = PolicyDocument.ParseAttached(principal.Policies);
        }
        catch (MalformedPolicyException ex)
        {
            // CreatePolicy refuses these; only a document edited in the database by hand gets here.
            return (403, "Access Denied: an attached policy is malformed: " + ex.Message);
        }

        var verdict = PolicyEvaluator.Evaluate(documents, IotActions.AssumeRoleWithCertificate, policies.RoleAliasArn(alias.Name), context);
        return verdict.IsAllowed ? null : (403, "Access Denied: " + verdict);
    }

    private static async Task IssueAsync(HttpContext context, RoleAliasTable aliases, IPrincipalDirectory principals, PolicyEvaluator policies, TemporaryCredentialStore store, CredentialsProviderOptions options)
    {
        var certificate = context.Request.IsHttps ? await context.Connection.GetClientCertificateAsync(context.RequestAborted).ConfigureAwait(false) : null;
        if (certificate is null)
        {
            await AwsError.WriteAsync(context, 403, "Access Denied: the credentials provider needs the device's certificate (mutual TLS)").ConfigureAwait(false);
            return;
        }

        var aliasName = context.Request.RouteValues["alias"] as string ?? "";
        var alias = aliases.Find(aliasName);
        var principal = principals.Describe(certificate);
        var thing = context.Request.Headers[ThingNameHeader].ToString();
        if (Refusal(aliasName, alias, principal, thing, policies) is { } refusal)
        {
            await AwsError.WriteAsync(context, refusal.Status, refusal.Message).ConfigureAwait(false);
            return;
        }

        var issued = store.Issue(alias!.Name, thing.Length > 0 ? thing : null, principal!.CertificateId, alias.CredentialDuration ?? options.CredentialDuration);
        var body = new JsonObject
        {
            ["credentials"] = new JsonObject
            {
                ["accessKeyId"] = issued.AccessKeyId,
                ["secretAccessKey"] = issued.SecretAccessKey,
                ["sessionToken"] = issued.SessionToken,
                ["expiration"] = issued.ExpirationUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            },
        };
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString()).ConfigureAwait(false);
    }
}

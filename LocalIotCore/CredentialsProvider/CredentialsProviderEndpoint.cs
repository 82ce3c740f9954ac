using System.Globalization;
using System.Text.Json.Nodes;
using LocalIotCore.Http;
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
/// or for a thing the certificate is not attached to; 404 for an unknown alias.
/// </summary>
public static class CredentialsProviderEndpoint
{
    public const string ThingNameHeader = "x-amzn-iot-thingname";

    public static void Map(IEndpointRouteBuilder app, RoleAliasTable aliases, IPrincipalDirectory principals, TemporaryCredentialStore store, CredentialsProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/role-aliases/{alias}/credentials", (RequestDelegate)(context => IssueAsync(context, aliases, principals, store, options)));
    }

    /// <summary>
    /// Why a request with a client certificate is refused, or null to issue: an unknown alias (404), a
    /// certificate the directory does not know or that is not ACTIVE, or a named thing the certificate
    /// is not attached to (403). An empty <paramref name="thing"/>: no x-amzn-iot-thingname header.
    /// </summary>
    public static (int Status, string Message)? Refusal(string aliasName, RoleAlias? alias, PrincipalInfo? principal, string thing)
    {
        ArgumentNullException.ThrowIfNull(thing);
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

        return null;
    }

    private static async Task IssueAsync(HttpContext context, RoleAliasTable aliases, IPrincipalDirectory principals, TemporaryCredentialStore store, CredentialsProviderOptions options)
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
        if (Refusal(aliasName, alias, principal, thing) is { } refusal)
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

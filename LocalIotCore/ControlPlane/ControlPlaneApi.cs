using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using LocalIotCore.Certificates;
using LocalIotCore.Http;
using LocalIotCore.Policies;
using LocalIotCore.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LocalIotCore.ControlPlane;

/// <summary>
/// A subset of AWS IoT's control plane (the <c>iot</c> REST-JSON API: paths, field names, status
/// codes and error types as botocore's service model and the IoT API reference give them), so that
/// <c>aws iot ... --endpoint-url</c> and <c>boto3.client("iot", endpoint_url=...)</c> work against
/// LocalIotCore: things, DescribeEndpoint, certificates from the local CA, thing principals and
/// policies, kept in the <see cref="IotRegistry"/>. Requests are not authenticated: any SigV4
/// signature (any access key) is accepted. Each path has one handler that dispatches on the method,
/// so an unsupported method answers 405 and the data plane's <c>/things/{thing}/shadow</c> routes stay as they are.
/// </summary>
public static class ControlPlaneApi
{
    /// <summary>The subject AWS gives the certificates CreateKeysAndCertificate mints.</summary>
    public const string CreatedCertificateCommonName = "AWS IoT Certificate";

    /// <summary>The endpoint types DescribeEndpoint answers (all with LocalIotCore's one address).</summary>
    public static readonly string[] EndpointTypes = ["iot:Data", "iot:Data-ATS", "iot:CredentialProvider", "iot:Jobs"];

    /// <summary>Bodies above this are refused: AWS's largest field here, a policy document, is at most 404,600 characters.</summary>
    private const int MaximumBodyBytes = 1024 * 1024;

    /// <param name="endpointAddress">What DescribeEndpoint answers: LocalIotCore's <c>host:port</c>.</param>
    public static void Map(IEndpointRouteBuilder app, IotRegistry registry, LocalCertificateAuthority authority, Func<string> endpointAddress)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(endpointAddress);
        app.Map("/things", Operations(("GET", context => ListThingsAsync(context, registry))));
        app.Map("/things/{thingName}", Operations(
            ("POST", context => CreateThingAsync(context, registry)),
            ("GET", context => DescribeThingAsync(context, registry)),
            ("PATCH", context => UpdateThingAsync(context, registry)),
            ("DELETE", context => DeleteThingAsync(context, registry))));
        app.Map("/things/{thingName}/principals", Operations(
            ("PUT", context => ThingPrincipalAsync(context, registry, attach: true)),
            ("DELETE", context => ThingPrincipalAsync(context, registry, attach: false)),
            ("GET", context => ListThingPrincipalsAsync(context, registry))));
        app.Map("/principals/things", Operations(("GET", context => ListPrincipalThingsAsync(context, registry))));
        app.Map("/certificates", Operations(("GET", context => ListCertificatesAsync(context, registry))));
        app.Map("/policies", Operations(("GET", context => ListPoliciesAsync(context, registry))));
        app.Map("/endpoint", Operations(("GET", context => DescribeEndpointAsync(context, endpointAddress))));
        app.Map("/keys-and-certificate", Operations(("POST", context => CreateKeysAndCertificateAsync(context, registry, authority))));
        app.Map("/certificates/{certificateId}", Operations(
            ("GET", context => DescribeCertificateAsync(context, registry, authority)),
            ("PUT", context => UpdateCertificateAsync(context, registry)),
            ("DELETE", context => DeleteCertificateAsync(context, registry))));
        app.Map("/policies/{policyName}", Operations(
            ("POST", context => CreatePolicyAsync(context, registry)),
            ("GET", context => GetPolicyAsync(context, registry)),
            ("DELETE", context => DeletePolicyAsync(context, registry))));
        app.Map("/target-policies/{policyName}", Operations(
            ("PUT", context => PolicyTargetAsync(context, registry, attach: true)),
            ("POST", context => PolicyTargetAsync(context, registry, attach: false))));
        app.Map("/attached-policies/{target}", Operations(("POST", context => ListAttachedPoliciesAsync(context, registry))));
    }

    /// <summary>AWS's error type and status for a registry refusal (IoT API reference, each operation's "Errors").</summary>
    public static (int Status, string Type) ErrorFor(RegistryError error) => error switch
    {
        RegistryError.NotFound => (404, "ResourceNotFoundException"),
        RegistryError.AlreadyExists => (409, "ResourceAlreadyExistsException"),
        RegistryError.VersionConflict => (409, "VersionConflictException"),
        RegistryError.DeleteConflict => (409, "DeleteConflictException"),
        RegistryError.CertificateState => (406, "CertificateStateException"),
        _ => (400, "InvalidRequestException"),
    };

    private static RequestDelegate Operations(params (string Method, Func<HttpContext, Task> Handler)[] operations) => async context =>
    {
        foreach (var (method, handler) in operations)
        {
            if (!string.Equals(context.Request.Method, method, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            try
            {
                await handler(context).ConfigureAwait(false);
            }
            catch (RegistryException refused)
            {
                var (status, type) = ErrorFor(refused.Error);
                await AwsError.WriteAsync(context, status, type, refused.Message).ConfigureAwait(false);
            }
            catch (InvalidRequestException invalid)
            {
                await AwsError.WriteAsync(context, invalid.Status, invalid.ErrorType, invalid.Message).ConfigureAwait(false);
            }

            return;
        }

        var allowed = new string[operations.Length];
        for (var i = 0; i < operations.Length; i++)
        {
            allowed[i] = operations[i].Method;
        }

        context.Response.Headers.Allow = string.Join(", ", allowed);
        await AwsError.WriteAsync(context, 405, "The method " + context.Request.Method + " is not allowed on " + context.Request.Path).ConfigureAwait(false);
    };

    // ---- things ----

    private static async Task CreateThingAsync(HttpContext context, IotRegistry registry)
    {
        var name = ThingName(context);
        var body = await ReadJsonAsync(context).ConfigureAwait(false);
        var attributes = Attributes(body["attributePayload"]?["attributes"]);
        if (body["billingGroupName"] is not null)
        {
            throw new InvalidRequestException("Billing groups are not supported by LocalIotCore");
        }

        var thing = registry.CreateThing(name, attributes ?? new Dictionary<string, string>(), OptionalString(body, "thingTypeName"));
        await HttpApi.WriteAsync(context, 200, new JsonObject { ["thingName"] = thing.Name, ["thingArn"] = thing.Arn, ["thingId"] = thing.Id }).ConfigureAwait(false);
    }

    private static Task DescribeThingAsync(HttpContext context, IotRegistry registry)
    {
        var name = ThingName(context);
        var thing = registry.FindThing(name) ?? throw new RegistryException(RegistryError.NotFound, "Thing " + name + " cannot be found.");
        var json = ThingJson(thing);
        json["defaultClientId"] = thing.Name;
        json["thingId"] = thing.Id;
        return HttpApi.WriteAsync(context, 200, json);
    }

    private static async Task UpdateThingAsync(HttpContext context, IotRegistry registry)
    {
        var name = ThingName(context);
        var body = await ReadJsonAsync(context).ConfigureAwait(false);
        var payload = body["attributePayload"];
        var merge = payload?["merge"] is JsonValue mergeValue && mergeValue.TryGetValue<bool>(out var m) && m;
        var removeType = body["removeThingType"] is JsonValue removeValue && removeValue.TryGetValue<bool>(out var r) && r;
        long? expected = body["expectedVersion"] is JsonValue versionValue && versionValue.TryGetValue<long>(out var v) ? v : null;
        registry.UpdateThing(name, Attributes(payload?["attributes"]), merge, expected, OptionalString(body, "thingTypeName"), removeType);
        await HttpApi.WriteAsync(context, 200, new JsonObject()).ConfigureAwait(false);
    }

    private static Task DeleteThingAsync(HttpContext context, IotRegistry registry)
    {
        var name = ThingName(context);
        var expectedText = context.Request.Query["expectedVersion"].ToString();
        long? expected = null;
        if (expectedText.Length > 0)
        {
            expected = long.TryParse(expectedText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw new InvalidRequestException("expectedVersion must be a whole number, not '" + expectedText + "'");
        }

        registry.DeleteThing(name, expected);
        return HttpApi.WriteAsync(context, 200, new JsonObject());
    }

    private static Task ListThingsAsync(HttpContext context, IotRegistry registry)
    {
        var query = context.Request.Query;
        var attributeName = Optional(query["attributeName"].ToString());
        var attributeValue = Optional(query["attributeValue"].ToString());
        if (attributeValue is not null && attributeName is null)
        {
            throw new InvalidRequestException("attributeValue needs attributeName");
        }

        var page = registry.ListThings(PageSize(context, "maxResults"), Optional(query["nextToken"].ToString()), attributeName, attributeValue,
            Flag(context, "usePrefixAttributeValue"), Optional(query["thingTypeName"].ToString()));
        var things = new JsonArray();
        foreach (var thing in page.Items)
        {
            things.Add((JsonNode)ThingJson(thing));
        }

        return HttpApi.WriteAsync(context, 200, WithToken(new JsonObject { ["things"] = things }, "nextToken", page.NextToken));
    }

    private static async Task ThingPrincipalAsync(HttpContext context, IotRegistry registry, bool attach)
    {
        var name = ThingName(context);
        var principal = Principal(context);
        if (attach)
        {
            registry.AttachThingPrincipal(name, principal);
        }
        else
        {
            registry.DetachThingPrincipal(name, principal);
        }

        await HttpApi.WriteAsync(context, 200, new JsonObject()).ConfigureAwait(false);
    }

    private static Task ListThingPrincipalsAsync(HttpContext context, IotRegistry registry) =>
        WriteNamesAsync(context, "principals", registry.ListThingPrincipals(ThingName(context), PageSize(context, "maxResults"), Optional(context.Request.Query["nextToken"].ToString())));

    private static Task ListPrincipalThingsAsync(HttpContext context, IotRegistry registry) =>
        WriteNamesAsync(context, "things", registry.ListPrincipalThings(Principal(context), PageSize(context, "maxResults"), Optional(context.Request.Query["nextToken"].ToString())));

    /// <summary>A page of strings as <c>{"field": [...], "nextToken": ...}</c>.</summary>
    private static Task WriteNamesAsync(HttpContext context, string field, RegistryPage<string> page)
    {
        var names = new JsonArray();
        foreach (var name in page.Items)
        {
            names.Add((JsonNode)name);
        }

        return HttpApi.WriteAsync(context, 200, WithToken(new JsonObject { [field] = names }, "nextToken", page.NextToken));
    }

    // ---- endpoint ----

    private static Task DescribeEndpointAsync(HttpContext context, Func<string> endpointAddress)
    {
        // Without endpointType AWS answers the legacy iot:Data endpoint; every type is this one address here.
        var type = context.Request.Query["endpointType"].ToString();
        if (type.Length > 0 && Array.IndexOf(EndpointTypes, type) < 0)
        {
            throw new InvalidRequestException("Endpoint type " + type + " is not one of " + string.Join(", ", EndpointTypes));
        }

        return HttpApi.WriteAsync(context, 200, new JsonObject { ["endpointAddress"] = endpointAddress() });
    }

    // ---- certificates ----

    private static Task CreateKeysAndCertificateAsync(HttpContext context, IotRegistry registry, LocalCertificateAuthority authority)
    {
        var active = Flag(context, "setAsActive");
        using var certificate = authority.IssueDeviceCertificate(CreatedCertificateCommonName);
        using var key = certificate.GetECDsaPrivateKey()!;
        var registered = registry.RegisterCertificate(certificate, active ? CertificateStatus.Active : CertificateStatus.Inactive);
        return HttpApi.WriteAsync(context, 200, new JsonObject
        {
            ["certificateArn"] = registered.Arn,
            ["certificateId"] = registered.Id,
            ["certificatePem"] = registered.Pem,
            ["keyPair"] = new JsonObject
            {
                ["PublicKey"] = key.ExportSubjectPublicKeyInfoPem() + "\n",
                ["PrivateKey"] = key.ExportPkcs8PrivateKeyPem() + "\n",
            },
        });
    }

    private static Task ListCertificatesAsync(HttpContext context, IotRegistry registry)
    {
        var page = registry.ListCertificates(PageSize(context, "pageSize"), Optional(context.Request.Query["marker"].ToString()), Flag(context, "isAscendingOrder"));
        var certificates = new JsonArray();
        foreach (var certificate in page.Items)
        {
            certificates.Add((JsonNode)new JsonObject
            {
                ["certificateArn"] = certificate.Arn,
                ["certificateId"] = certificate.Id,
                ["status"] = IotRegistry.StatusText(certificate.Status),
                ["certificateMode"] = "DEFAULT",
                ["creationDate"] = Seconds(certificate.CreatedMilliseconds),
            });
        }

        return HttpApi.WriteAsync(context, 200, WithToken(new JsonObject { ["certificates"] = certificates }, "nextMarker", page.NextToken));
    }

    private static Task DescribeCertificateAsync(HttpContext context, IotRegistry registry, LocalCertificateAuthority authority)
    {
        var id = CertificateId(context);
        var registered = registry.FindCertificate(id) ?? throw new RegistryException(RegistryError.NotFound, "The certificate " + id + " cannot be found.");
        using var certificate = X509Certificate2.CreateFromPem(registered.Pem);
        var description = new JsonObject
        {
            ["certificateArn"] = registered.Arn,
            ["certificateId"] = registered.Id,
            ["status"] = IotRegistry.StatusText(registered.Status),
            ["certificatePem"] = registered.Pem,
            ["ownedBy"] = registry.AccountId,
            ["creationDate"] = Seconds(registered.CreatedMilliseconds),
            ["lastModifiedDate"] = Seconds(registered.LastModifiedMilliseconds),
            ["customerVersion"] = 1,
            ["generationId"] = registered.LastModifiedMilliseconds.ToString(CultureInfo.InvariantCulture),
            ["validity"] = new JsonObject
            {
                ["notBefore"] = Seconds(new DateTimeOffset(certificate.NotBefore.ToUniversalTime()).ToUnixTimeMilliseconds()),
                ["notAfter"] = Seconds(new DateTimeOffset(certificate.NotAfter.ToUniversalTime()).ToUnixTimeMilliseconds()),
            },
            ["certificateMode"] = "DEFAULT",
        };
        if (certificate.Issuer == authority.Certificate.Subject)
        {
            description["caCertificateId"] = IotRegistry.CertificateIdOf(authority.Certificate);
        }

        return HttpApi.WriteAsync(context, 200, new JsonObject { ["certificateDescription"] = description });
    }

    private static Task UpdateCertificateAsync(HttpContext context, IotRegistry registry)
    {
        var id = CertificateId(context);
        var text = context.Request.Query["newStatus"].ToString();
        if (!IotRegistry.TryParseStatus(text, out var status))
        {
            throw new InvalidRequestException("newStatus must be ACTIVE, INACTIVE or REVOKED here, not '" + text + "'");
        }

        registry.UpdateCertificate(id, status);
        return HttpApi.WriteAsync(context, 200, new JsonObject());
    }

    private static Task DeleteCertificateAsync(HttpContext context, IotRegistry registry)
    {
        registry.DeleteCertificate(CertificateId(context), Flag(context, "forceDelete"));
        return HttpApi.WriteAsync(context, 200, new JsonObject());
    }

    // ---- policies ----

    private static async Task CreatePolicyAsync(HttpContext context, IotRegistry registry)
    {
        var name = PolicyName(context);
        var body = await ReadJsonAsync(context).ConfigureAwait(false);
        var document = OptionalString(body, "policyDocument") ?? throw new InvalidRequestException("policyDocument is required");
        try
        {
            // What AWS's CreatePolicy checks, by the parser the broker evaluates the policy with.
            _ = PolicyDocument.Parse(document, name);
        }
        catch (MalformedPolicyException malformed)
        {
            throw new InvalidRequestException(malformed.Message, 400, "MalformedPolicyException");
        }

        var policy = registry.CreatePolicy(name, document);
        await HttpApi.WriteAsync(context, 200, new JsonObject
        {
            ["policyName"] = policy.Name,
            ["policyArn"] = policy.Arn,
            ["policyDocument"] = policy.Document,
            ["policyVersionId"] = RegisteredPolicy.DefaultVersionId,
        }).ConfigureAwait(false);
    }

    private static Task GetPolicyAsync(HttpContext context, IotRegistry registry)
    {
        var name = PolicyName(context);
        var policy = registry.FindPolicy(name) ?? throw new RegistryException(RegistryError.NotFound, "Policy not found (name=" + name + ")");
        return HttpApi.WriteAsync(context, 200, new JsonObject
        {
            ["policyName"] = policy.Name,
            ["policyArn"] = policy.Arn,
            ["policyDocument"] = policy.Document,
            ["defaultVersionId"] = RegisteredPolicy.DefaultVersionId,
            ["creationDate"] = Seconds(policy.CreatedMilliseconds),
            ["lastModifiedDate"] = Seconds(policy.LastModifiedMilliseconds),
            ["generationId"] = policy.LastModifiedMilliseconds.ToString(CultureInfo.InvariantCulture),
        });
    }

    private static Task DeletePolicyAsync(HttpContext context, IotRegistry registry)
    {
        registry.DeletePolicy(PolicyName(context));
        return HttpApi.WriteAsync(context, 200, new JsonObject());
    }

    private static async Task PolicyTargetAsync(HttpContext context, IotRegistry registry, bool attach)
    {
        var name = PolicyName(context);
        var body = await ReadJsonAsync(context).ConfigureAwait(false);
        var target = OptionalString(body, "target") ?? throw new InvalidRequestException("target is required");
        if (attach)
        {
            registry.AttachPolicy(name, target);
        }
        else
        {
            registry.DetachPolicy(name, target);
        }

        await HttpApi.WriteAsync(context, 200, new JsonObject()).ConfigureAwait(false);
    }

    private static Task ListAttachedPoliciesAsync(HttpContext context, IotRegistry registry) =>
        WritePoliciesAsync(context, registry.ListAttachedPolicies(UnescapedRouteValue(context, "target"), PageSize(context, "pageSize"), Optional(context.Request.Query["marker"].ToString())));

    private static Task ListPoliciesAsync(HttpContext context, IotRegistry registry) =>
        WritePoliciesAsync(context, registry.ListPolicies(PageSize(context, "pageSize"), Optional(context.Request.Query["marker"].ToString())));

    private static Task WritePoliciesAsync(HttpContext context, RegistryPage<RegisteredPolicy> page)
    {
        var policies = new JsonArray();
        foreach (var policy in page.Items)
        {
            policies.Add((JsonNode)new JsonObject { ["policyName"] = policy.Name, ["policyArn"] = policy.Arn });
        }

        return HttpApi.WriteAsync(context, 200, WithToken(new JsonObject { ["policies"] = policies }, "nextMarker", page.NextToken));
    }

    // ---- request parts ----

    private static JsonObject ThingJson(RegisteredThing thing)
    {
        var attributes = new JsonObject();
        foreach (var pair in thing.Attributes)
        {
            attributes[pair.Key] = pair.Value;
        }

        var json = new JsonObject { ["thingName"] = thing.Name, ["thingArn"] = thing.Arn, ["attributes"] = attributes, ["version"] = thing.Version };
        if (thing.TypeName is not null)
        {
            json["thingTypeName"] = thing.TypeName;
        }

        return json;
    }

    private static JsonObject WithToken(JsonObject json, string field, string? token)
    {
        if (token is not null)
        {
            json[field] = token;
        }

        return json;
    }

    private static double Seconds(long milliseconds) => milliseconds / 1000.0;

    private static string? Optional(string text) => text.Length == 0 ? null : text;

    private static bool Flag(HttpContext context, string name)
    {
        var text = context.Request.Query[name].ToString();
        return text.Length == 0 ? false : bool.TryParse(text, out var flag) ? flag : throw new InvalidRequestException(name + " must be true or false, not '" + text + "'");
    }

    private static int PageSize(HttpContext context, string name)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return IotRegistry.MaximumPageSize;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= IotRegistry.MaximumPageSize
            ? size
            : throw new InvalidRequestException(name + " must be between 1 and " + IotRegistry.MaximumPageSize + ", not '" + text + "'");
    }

    private static string Principal(HttpContext context)
    {
        var principal = context.Request.Headers["x-amzn-principal"].ToString();
        return principal.Length > 0 ? principal : throw new InvalidRequestException("The principal (header x-amzn-principal) is required");
    }

    private static string ThingName(HttpContext context)
    {
        var name = UnescapedRouteValue(context, "thingName");
        return ValidName(name, 128, static c => char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '-')
            ? name
            : throw new InvalidRequestException("Thing name '" + name + "' must be 1 to 128 of the characters a-z A-Z 0-9 : _ -");
    }

    private static string PolicyName(HttpContext context)
    {
        var name = UnescapedRouteValue(context, "policyName");
        return ValidName(name, 128, static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '=' or ',' or '.' or '@' or '-')
            ? name
            : throw new InvalidRequestException("Policy name '" + name + "' must be 1 to 128 of the characters a-z A-Z 0-9 _ + = , . @ -");
    }

    private static string CertificateId(HttpContext context)
    {
        var id = UnescapedRouteValue(context, "certificateId");
        return id.Length == 64 && ValidName(id, 64, char.IsAsciiHexDigit)
            ? id.ToLowerInvariant()
            : throw new InvalidRequestException("Certificate id '" + id + "' must be 64 hexadecimal digits");
    }

    private static bool ValidName(string name, int maximumLength, Func<char, bool> allowed)
    {
        if (name.Length is 0 || name.Length > maximumLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!allowed(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A route value as the client meant it: Kestrel decodes every escape in the path but <c>%2F</c>, which SDKs send for a '/' in a label (a certificate ARN).</summary>
    private static string UnescapedRouteValue(HttpContext context, string name) =>
        (context.Request.RouteValues[name] as string ?? "").Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string>? Attributes(JsonNode? node)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject json)
        {
            throw new InvalidRequestException("attributes must be an object of strings");
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in json)
        {
            if (pair.Value is not JsonValue value || !value.TryGetValue<string>(out var text))
            {
                throw new InvalidRequestException("Attribute " + pair.Key + " must be a string");
            }

            if (!ValidName(pair.Key, 128, AttributeCharacter) || text.Length > 800 || (text.Length > 0 && !ValidName(text, 800, AttributeCharacter)))
            {
                throw new InvalidRequestException("Attribute names and values may use only a-z A-Z 0-9 _ . , @ / : # - (name up to 128, value up to 800 characters): " + pair.Key);
            }

            attributes[pair.Key] = text;
        }

        return attributes;
    }

    private static bool AttributeCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ',' or '@' or '/' or ':' or '#' or '-';

    private static string? OptionalString(JsonObject body, string name) => body[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => throw new InvalidRequestException(name + " must be a string"),
    };

    /// <summary>The request body as a JSON object; an empty body is an empty object (as botocore sends none for no members).</summary>
    private static async Task<JsonObject> ReadJsonAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaximumBodyBytes)
            {
                throw new InvalidRequestException("The request body exceeds " + MaximumBodyBytes + " bytes", 413, AwsError.TypeFor(413));
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(buffer.ToArray()) as JsonObject ?? throw new InvalidRequestException("The request body must be a JSON object");
        }
        catch (JsonException ex)
        {
            throw new InvalidRequestException("The request body is not valid JSON: " + ex.Message);
        }
    }

    /// <summary>A request refused before it reaches the registry (InvalidRequestException unless said otherwise).</summary>
    private sealed class InvalidRequestException(string message, int status = 400, string errorType = "InvalidRequestException") : Exception(message)
    {
        public int Status { get; } = status;

        public string ErrorType { get; } = errorType;
    }
}

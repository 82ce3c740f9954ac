using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DeviceFirmware.Cloud;
using LocalIotCore.CredentialsProvider;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace LocalIotCore.S3;

/// <summary>
/// What a SigV4-signed request claims, from its Authorization header
/// (<c>AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request, SignedHeaders=..., Signature=...</c>)
/// or from a presigned URL's X-Amz-* query parameters.
/// </summary>
public sealed record SigV4Claim(string AccessKeyId, string Date, string Region, string Service, IReadOnlyList<string> SignedHeaders, string Signature, string AmzDate, bool Presigned, int ExpiresSeconds, string? SessionToken)
{
    public string Scope => SigV4.Scope(Date, Region, Service);

    /// <summary>
    /// Reads the claim; null when the request is not signed. A request that tries to sign and gets the
    /// form wrong is answered <paramref name="malformed"/> (AuthorizationHeaderMalformed).
    /// </summary>
    public static SigV4Claim? Read(HttpRequest request, out string? malformed)
    {
        ArgumentNullException.ThrowIfNull(request);
        malformed = null;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(SigV4.Algorithm + " ", StringComparison.Ordinal))
        {
            string? credential = null, signedHeaders = null, signature = null;
            foreach (var part in authorization[(SigV4.Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                var value = equals < 0 ? "" : part[(equals + 1)..];
                switch (equals < 0 ? part : part[..equals])
                {
                    case "Credential": credential = value; break;
                    case "SignedHeaders": signedHeaders = value; break;
                    case "Signature": signature = value; break;
                }
            }

            var amzDate = request.Headers["x-amz-date"].ToString();
            return Build(credential, signedHeaders, signature, amzDate, presigned: false, 0, request.Headers["x-amz-security-token"].ToString(), out malformed);
        }

        var query = request.Query;
        if (query["X-Amz-Algorithm"].ToString() == SigV4.Algorithm)
        {
            if (!int.TryParse(query["X-Amz-Expires"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || expires is < 1 or > 604800)
            {
                malformed = "X-Amz-Expires must be a number of seconds from 1 to 604800";
                return null;
            }

            return Build(query["X-Amz-Credential"].ToString(), query["X-Amz-SignedHeaders"].ToString(), query["X-Amz-Signature"].ToString(), query["X-Amz-Date"].ToString(), presigned: true, expires, query["X-Amz-Security-Token"].ToString(), out malformed);
        }

        return null;
    }

    private static SigV4Claim? Build(string? credential, string? signedHeaders, string? signature, string amzDate, bool presigned, int expires, string token, out string? malformed)
    {
        malformed = null;
        var scope = credential?.Split('/');
        if (scope is not { Length: 5 } || scope[4] != "aws4_request" || string.IsNullOrEmpty(signedHeaders) || string.IsNullOrEmpty(signature))
        {
            malformed = "The authorization needs Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders and Signature";
            return null;
        }

        if (!DateTime.TryParseExact(amzDate, SigV4.DateTimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out _))
        {
            malformed = "The request needs an x-amz-date (X-Amz-Date) of the form " + SigV4.DateTimeFormat;
            return null;
        }

        return new SigV4Claim(scope[0], scope[1], scope[2], scope[3], signedHeaders.Split(';'), signature, amzDate, presigned, expires, token.Length > 0 ? token : null);
    }
}

/// <summary>Who signed an S3 request: the administrator, or a device with credentials from the credentials provider.</summary>
public sealed record S3Caller(string AccessKeyId, bool IsAdministrator, IssuedCredentials? Temporary)
{
    /// <summary>The thing the credentials were issued to (x-amzn-iot-thingname), for narrowing what it may read.</summary>
    public string? ThingName => Temporary?.ThingName;
}

/// <summary>
/// Verifies S3 requests' SigV4 signatures strictly, against the administrator key pair and the
/// credentials provider's temporary credentials (session token and expiry too); any other key is
/// InvalidAccessKeyId. The canonical request is rebuilt from the request as sent: the raw path and
/// query (decoded, then encoded once, S3's rule) and the signed headers' values.
/// </summary>
public sealed class SigV4Verifier
{
    /// <summary>How far x-amz-date may be from the server's clock (S3: 15 minutes).</summary>
    public static readonly TimeSpan AllowedSkew = TimeSpan.FromMinutes(15);

    private readonly S3Options _options;
    private readonly TemporaryCredentialStore? _temporary;
    private readonly TimeProvider _time;

    public SigV4Verifier(S3Options options, TemporaryCredentialStore? temporary, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _temporary = temporary;
        _time = time;
    }

    /// <summary>Null and <paramref name="caller"/> set when the signature holds; else the S3 error to answer.</summary>
    public S3Error? Verify(HttpRequest request, SigV4Claim claim, out S3Caller? caller, out byte[]? signingKey)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(claim);
        caller = null;
        signingKey = null;
        var now = _time.GetUtcNow().UtcDateTime;
        string secret;
        IssuedCredentials? temporary = null;
        if (claim.AccessKeyId == _options.AdministratorAccessKeyId)
        {
            secret = _options.AdministratorSecretAccessKey;
        }
        else if (_temporary?.Find(claim.AccessKeyId) is IssuedCredentials issued)
        {
            if (claim.SessionToken is null || !FixedTimeEquals(claim.SessionToken, issued.SessionToken))
            {
                return S3Error.InvalidToken();
            }

            if (now >= issued.ExpirationUtc)
            {
                return S3Error.ExpiredToken();
            }

            secret = issued.SecretAccessKey;
            temporary = issued;
        }
        else
        {
            return S3Error.InvalidAccessKeyId(claim.AccessKeyId);
        }

        var signedAt = DateTime.ParseExact(claim.AmzDate, SigV4.DateTimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        if (claim.Presigned ? now > signedAt.AddSeconds(claim.ExpiresSeconds) : (now - signedAt).Duration() > AllowedSkew)
        {
            return claim.Presigned
                ? S3Error.AccessDenied("Request has expired")
                : S3Error.RequestTimeTooSkewed(claim.AmzDate, now.ToString(SigV4.DateTimeFormat, CultureInfo.InvariantCulture));
        }

        var payloadHash = claim.Presigned ? SigV4.UnsignedPayload : request.Headers["x-amz-content-sha256"].ToString();
        if (payloadHash.Length == 0)
        {
            return S3Error.InvalidArgument("Missing required header for this request: x-amz-content-sha256");
        }

        var canonical = CanonicalRequest(request, claim, payloadHash);
        var stringToSign = SigV4.StringToSign(claim.AmzDate, claim.Scope, canonical);
        var key = SigV4.SigningKey(secret, claim.Date, claim.Region, claim.Service);
        if (!FixedTimeEquals(SigV4.Signature(key, stringToSign), claim.Signature))
        {
            return S3Error.SignatureDoesNotMatch(claim.AccessKeyId, stringToSign, canonical);
        }

        caller = new S3Caller(claim.AccessKeyId, temporary is null, temporary);
        signingKey = key;
        return null;
    }

    /// <summary>The canonical request of <paramref name="request"/> as its signer must have computed it.</summary>
    public static string CanonicalRequest(HttpRequest request, SigV4Claim claim, string payloadHash)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(claim);
        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.PathBase + request.Path + request.QueryString);
        var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = question < 0 ? rawTarget : rawTarget[..question];
        var parameters = new List<KeyValuePair<string, string>>();
        if (question >= 0)
        {
            foreach (var pair in rawTarget[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
                if (claim.Presigned && name == "X-Amz-Signature")
                {
                    continue;
                }

                parameters.Add(new(name, equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..])));
            }
        }

        var headers = new List<KeyValuePair<string, string>>(claim.SignedHeaders.Count);
        foreach (var name in claim.SignedHeaders)
        {
            var values = name == "host" ? new StringValues(request.Host.Value) : request.Headers[name];
            var joined = new StringBuilder();
            foreach (var value in values)
            {
                if (joined.Length > 0)
                {
                    joined.Append(',');
                }

                joined.Append(SigV4.CanonicalHeaderValue(value ?? ""));
            }

            headers.Add(new(name, joined.ToString()));
        }

        return SigV4.CanonicalRequest(request.Method, SigV4.CanonicalUri(Uri.UnescapeDataString(rawPath)), SigV4.CanonicalQuery(parameters), headers, payloadHash);
    }

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}

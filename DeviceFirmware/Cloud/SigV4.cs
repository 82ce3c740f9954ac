using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DeviceFirmware.Cloud;

/// <summary>
/// AWS Signature Version 4 (the header form, AWS4-HMAC-SHA256): the canonical request, the string to
/// sign, the derived signing key and the signature, as AWS's "Create a signed AWS API request" page
/// defines them. The firmware signs its S3 GetObject with it and LocalIotCore verifies with it (the
/// file is compiled into both), so that both ends compute the one algorithm. Written here rather than
/// taken from AWSSDK.S3: the device makes one kind of request, and the SDK would add megabytes and
/// reflection to a trimmed NativeAOT binary for it.
/// </summary>
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>x-amz-content-sha256 of a request with no body (SHA-256 of nothing).</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>x-amz-content-sha256 when the body is not part of the signature (S3 allows it).</summary>
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    /// <summary>The x-amz-date format: ISO 8601 basic, UTC.</summary>
    public const string DateTimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>
    /// The canonical request. <paramref name="canonicalUri"/> and <paramref name="canonicalQuery"/> are
    /// already encoded (<see cref="CanonicalUri"/>, <see cref="CanonicalQuery"/>); <paramref name="headers"/>
    /// are the signed headers, names lowercase and sorted, values trimmed (<see cref="CanonicalHeaderValue"/>).
    /// </summary>
    public static string CanonicalRequest(string method, string canonicalUri, string canonicalQuery, IReadOnlyList<KeyValuePair<string, string>> headers, string payloadHash)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var text = new StringBuilder();
        text.Append(method).Append('\n').Append(canonicalUri).Append('\n').Append(canonicalQuery).Append('\n');
        foreach (var header in headers)
        {
            text.Append(header.Key).Append(':').Append(header.Value).Append('\n');
        }

        text.Append('\n').Append(SignedHeaders(headers)).Append('\n').Append(payloadHash);
        return text.ToString();
    }

    /// <summary>The SignedHeaders list: the header names, lowercase, sorted, joined with ';'.</summary>
    public static string SignedHeaders(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var names = new string[headers.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = headers[i].Key;
        }

        return string.Join(';', names);
    }

    /// <summary>A header value as the canonical request holds it: trimmed, inner runs of spaces made one.</summary>
    public static string CanonicalHeaderValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.AsSpan().Trim())
        {
            if (c == ' ')
            {
                space = true;
                continue;
            }

            if (space)
            {
                text.Append(' ');
                space = false;
            }

            text.Append(c);
        }

        return text.ToString();
    }

    /// <summary>
    /// The canonical URI of a path: each segment URI-encoded once (S3's rule; other services encode
    /// twice, which this firmware never calls).
    /// </summary>
    public static string CanonicalUri(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.Length == 0 ? "/" : UriEncode(path, encodeSlash: false);
    }

    /// <summary>The canonical query string: each name and value URI-encoded, sorted by name then value.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var encoded = new List<string>();
        foreach (var parameter in parameters)
        {
            encoded.Add(UriEncode(parameter.Key, encodeSlash: true) + "=" + UriEncode(parameter.Value, encodeSlash: true));
        }

        encoded.Sort(StringComparer.Ordinal);
        return string.Join('&', encoded);
    }

    /// <summary>AWS's URI encoding: every byte but A-Z a-z 0-9 - . _ ~ (and '/' unless asked) as %XY, uppercase.</summary>
    public static string UriEncode(string value, bool encodeSlash)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.' or '_' or '~' || (c == '/' && !encodeSlash))
            {
                text.Append(c);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>The credential scope: <c>yyyyMMdd/region/service/aws4_request</c>.</summary>
    public static string Scope(string date, string region, string service) => date + "/" + region + "/" + service + "/aws4_request";

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        Algorithm + "\n" + amzDate + "\n" + scope + "\n" + Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));

    /// <summary>The signing key: HMAC chain over the date, region, service and "aws4_request", keyed with "AWS4" + secret.</summary>
    public static byte[] SigningKey(string secretAccessKey, string date, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secretAccessKey), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string Signature(byte[] signingKey, string stringToSign) =>
        Hex(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>The Authorization header's value.</summary>
    public static string Authorization(string accessKeyId, string scope, string signedHeaders, string signature) =>
        Algorithm + " Credential=" + accessKeyId + "/" + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature;

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>
    /// Signs a request with the header form: the headers to send with it, x-amz-date,
    /// x-amz-content-sha256, x-amz-security-token (temporary credentials) and Authorization. Host and
    /// <paramref name="extraHeaders"/> are signed too; the caller sends them as given.
    /// </summary>
    public static List<KeyValuePair<string, string>> Sign(SignableRequest request, AwsCredentials credentials, string region, string service, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var amzDate = utcNow.ToUniversalTime().ToString(DateTimeFormat, CultureInfo.InvariantCulture);
        var added = new List<KeyValuePair<string, string>>
        {
            new("x-amz-date", amzDate),
            new("x-amz-content-sha256", request.PayloadHash),
        };
        if (!string.IsNullOrEmpty(credentials.SessionToken))
        {
            added.Add(new("x-amz-security-token", credentials.SessionToken));
        }

        var signed = new List<KeyValuePair<string, string>> { new("host", request.Host) };
        foreach (var header in request.Headers)
        {
            signed.Add(new(header.Key.ToLowerInvariant(), CanonicalHeaderValue(header.Value)));
        }

        signed.AddRange(added);
        signed.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var scope = Scope(amzDate[..8], region, service);
        var canonical = CanonicalRequest(request.Method, CanonicalUri(request.Path), CanonicalQuery(request.Query), signed, request.PayloadHash);
        var signature = Signature(SigningKey(credentials.SecretAccessKey, amzDate[..8], region, service), StringToSign(amzDate, scope, canonical));
        added.Add(new("Authorization", Authorization(credentials.AccessKeyId, scope, SignedHeaders(signed), signature)));
        return added;
    }
}

/// <summary>What a SigV4 signature covers: method, host, path (unencoded), query, the headers to sign, the payload's hash.</summary>
internal sealed record SignableRequest(string Method, string Host, string Path, IReadOnlyList<KeyValuePair<string, string>> Query, IReadOnlyList<KeyValuePair<string, string>> Headers, string PayloadHash);

/// <summary>AWS credentials; temporary ones (from the IoT credentials provider) carry a session token and an expiry.</summary>
internal sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null, DateTime? ExpirationUtc = null);

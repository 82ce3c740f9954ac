using System.Xml.Linq;
using Microsoft.AspNetCore.Http;

namespace LocalIotCore.S3;

/// <summary>An S3 error: its code, HTTP status and message as S3's "Error responses" page lists them, plus extra elements (Key, BucketName, ...).</summary>
public sealed record S3Error(string Code, int Status, string Message, IReadOnlyList<KeyValuePair<string, string>>? Details = null)
{
    public static S3Error NoSuchKey(string bucket, string key) => new("NoSuchKey", 404, "The specified key does not exist.", [new("Key", key), new("BucketName", bucket)]);

    public static S3Error NoSuchUpload(string uploadId) => new("NoSuchUpload", 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", [new("UploadId", uploadId)]);

    public static S3Error NoSuchBucket(string bucket) => new("NoSuchBucket", 404, "The specified bucket does not exist", [new("BucketName", bucket)]);

    public static S3Error BucketAlreadyOwnedByYou(string bucket) => new("BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it.", [new("BucketName", bucket)]);

    public static S3Error BucketNotEmpty(string bucket) => new("BucketNotEmpty", 409, "The bucket you tried to delete is not empty", [new("BucketName", bucket)]);

    public static S3Error InvalidBucketName(string bucket) => new("InvalidBucketName", 400, "The specified bucket is not valid.", [new("BucketName", bucket)]);

    public static S3Error InvalidRange(long size) => new("InvalidRange", 416, "The requested range is not satisfiable", [new("ActualObjectSize", size.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    public static S3Error AccessDenied(string message = "Access Denied") => new("AccessDenied", 403, message);

    public static S3Error InvalidAccessKeyId(string accessKeyId) => new("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.", [new("AWSAccessKeyId", accessKeyId)]);

    public static S3Error SignatureDoesNotMatch(string accessKeyId, string stringToSign, string canonicalRequest) =>
        new("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            [new("AWSAccessKeyId", accessKeyId), new("StringToSign", stringToSign), new("CanonicalRequest", canonicalRequest)]);

    public static S3Error ExpiredToken() => new("ExpiredToken", 400, "The provided token has expired.");

    public static S3Error InvalidToken() => new("InvalidToken", 400, "The provided token is malformed or otherwise invalid.");

    public static S3Error RequestTimeTooSkewed(string requestTime, string serverTime) =>
        new("RequestTimeTooSkewed", 403, "The difference between the request time and the current time is too large.", [new("RequestTime", requestTime), new("ServerTime", serverTime)]);

    public static S3Error AuthorizationHeaderMalformed(string message) => new("AuthorizationHeaderMalformed", 400, message);

    public static S3Error EntityTooLarge(long maximum) => new("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size", [new("MaxSizeAllowed", maximum.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    public static S3Error ContentSha256Mismatch(string provided, string computed) =>
        new("XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed.", [new("ClientComputedContentSHA256", provided), new("S3ComputedContentSHA256", computed)]);

    public static S3Error BadDigest(string what) => new("BadDigest", 400, "The " + what + " you specified did not match the calculated checksum.");

    public static S3Error IncompleteBody(string message) => new("IncompleteBody", 400, message);

    public static S3Error InvalidArgument(string message) => new("InvalidArgument", 400, message);

    public static S3Error NotImplemented(string what) => new("NotImplemented", 501, "A header or query you provided implies functionality that is not implemented: " + what);

    public static S3Error MethodNotAllowed(string method) => new("MethodNotAllowed", 405, "The specified method is not allowed against this resource.", [new("Method", method)]);

    /// <summary>
    /// Writes the error as S3 does: the status, and for all but HEAD (which S3 answers without a body)
    /// <c>&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;...&lt;RequestId/&gt;&lt;/Error&gt;</c>.
    /// </summary>
    public async Task WriteAsync(HttpContext context, string requestId)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = Status;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var error = new XElement("Error", new XElement("Code", Code), new XElement("Message", Message));
        foreach (var detail in Details ?? [])
        {
            error.Add(new XElement(detail.Key, detail.Value));
        }

        error.Add(new XElement("Resource", context.Request.Path.Value), new XElement("RequestId", requestId), new XElement("HostId", requestId));
        await S3Xml.WriteAsync(context, error).ConfigureAwait(false);
    }
}

/// <summary>S3's XML documents: UTF-8 with the declaration, as application/xml.</summary>
internal static class S3Xml
{
    public static readonly XNamespace Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    public static async Task WriteAsync(HttpContext context, XElement root)
    {
        context.Response.ContentType = "application/xml";
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.ToString(SaveOptions.DisableFormatting);
        await context.Response.WriteAsync(text).ConfigureAwait(false);
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using DeviceFirmware.Cloud;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalIotCore.S3;

/// <summary>
/// LocalIotCore's S3 subset, path-style (<c>/bucket/key</c>), as a middleware in front of the IoT routes.
/// A request is S3's when its SigV4 credential scope names the service <c>s3</c> (AWS's SDKs and CLI
/// sign S3 calls so, and IoT's with iotdata or iot), so a bucket called <c>things</c> does not shadow the
/// data plane; an unsigned request whose first path segment names an existing bucket is refused with
/// AccessDenied unless it is one of the IoT routes (routing has run by then: an unsigned
/// <c>/things/pump-1/shadow</c> stays the shadow API beside a bucket <c>things</c>); everything else goes
/// on to the IoT routes. Operations: ListBuckets, CreateBucket,
/// HeadBucket, DeleteBucket, GetBucketLocation, ListObjects (V1 and V2), PutObject, GetObject (with
/// Range), HeadObject, DeleteObject, and multipart uploads (Create, UploadPart, Complete, Abort: what
/// <c>aws s3 cp</c> and the SDKs' transfer utilities use for large files). ListParts,
/// ListMultipartUploads, copies, ACLs, tagging and versioning answer NotImplemented. Credentials from the credentials provider may read (GET, HEAD, list) but not write,
/// as a device role's policy allows on AWS.
/// </summary>
public sealed partial class S3Endpoint
{
    private const string DefaultContentType = "binary/octet-stream";
    private const string LastModifiedFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
    private const int MaximumKeysPerList = 1000;

    /// <summary>Query parameters that name an S3 feature this subset does not have.</summary>
    private static readonly string[] UnsupportedSubresources = ["acl", "tagging", "versioning", "versions", "versionId", "policy", "cors", "lifecycle", "website", "notification", "replication", "encryption", "object-lock", "retention", "legal-hold", "attributes", "restore", "select", "delete", "logging", "accelerate", "requestPayment", "analytics", "inventory", "metrics", "ownershipControls", "publicAccessBlock", "intelligent-tiering"];

    private readonly S3ObjectStore _store;
    private readonly SigV4Verifier _verifier;
    private readonly S3Options _options;
    private readonly ILogger _log;

    public S3Endpoint(S3ObjectStore store, SigV4Verifier verifier, S3Options options, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _verifier = verifier;
        _options = options;
        _log = log ?? NullLogger.Instance;
    }

    /// <summary>
    /// Whether a caller with credentials from the credentials provider may read this bucket and key
    /// (null key: list the bucket); null = every read. The place for a role's policy, e.g. "only the
    /// upload bucket", with <see cref="S3Caller.ThingName"/> for per-thing rules.
    /// </summary>
    public Func<S3Caller, string, string?, bool>? DeviceMayRead { get; set; }

    /// <summary>The middleware: answers S3's requests, passes the rest to <paramref name="next"/>.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var request = context.Request;
        var claim = SigV4Claim.Read(request, out var malformed);
        var (bucket, key) = BucketAndKey(RawPath(context));
        if (claim is null)
        {
            var signedForS3 = request.Headers.Authorization.ToString().Contains("/s3/aws4_request", StringComparison.Ordinal)
                || request.Query["X-Amz-Credential"].ToString().Contains("/s3/aws4_request", StringComparison.Ordinal);
            if (malformed is not null && signedForS3)
            {
                await WriteErrorAsync(context, S3Error.AuthorizationHeaderMalformed(malformed)).ConfigureAwait(false);
            }
            else if (malformed is null && context.GetEndpoint() is null && bucket.Length > 0 && _store.BucketExists(bucket))
            {
                await WriteErrorAsync(context, S3Error.AccessDenied()).ConfigureAwait(false);
            }
            else
            {
                await next(context).ConfigureAwait(false);
            }

            return;
        }

        if (claim.Service != "s3")
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var refused = _verifier.Verify(request, claim, out var caller, out var signingKey);
        if (refused is not null)
        {
            _log.LogInformation("S3 {Method} {Path} refused: {Code}", request.Method, request.Path, refused.Code);
            await WriteErrorAsync(context, refused).ConfigureAwait(false);
            return;
        }

        var writes = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method);
        if (writes && !caller!.IsAdministrator)
        {
            await WriteErrorAsync(context, S3Error.AccessDenied("Access Denied: credentials from the credentials provider may only read")).ConfigureAwait(false);
            return;
        }

        if (!writes && !caller!.IsAdministrator && DeviceMayRead is { } mayRead && !mayRead(caller, bucket, key.Length > 0 ? key : null))
        {
            await WriteErrorAsync(context, S3Error.AccessDenied()).ConfigureAwait(false);
            return;
        }

        foreach (var name in UnsupportedSubresources)
        {
            if (request.Query.ContainsKey(name))
            {
                await WriteErrorAsync(context, S3Error.NotImplemented("?" + name)).ConfigureAwait(false);
                return;
            }
        }

        try
        {
            await DispatchAsync(context, bucket, key, claim, signingKey!).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            await WriteErrorAsync(context, S3Error.IncompleteBody(ex.Message)).ConfigureAwait(false);
        }
        catch (ChunkSignatureMismatchException)
        {
            await WriteErrorAsync(context, new S3Error("SignatureDoesNotMatch", 403, "The request signature we calculated does not match the signature you provided: a chunk's signature is wrong.")).ConfigureAwait(false);
        }
    }

    private Task DispatchAsync(HttpContext context, string bucket, string key, SigV4Claim claim, byte[] signingKey)
    {
        var method = context.Request.Method;
        if (bucket.Length == 0)
        {
            return HttpMethods.IsGet(method) ? ListBucketsAsync(context) : WriteErrorAsync(context, S3Error.MethodNotAllowed(method));
        }

        if (key.Length == 0)
        {
            if (HttpMethods.IsPut(method))
            {
                return CreateBucketAsync(context, bucket);
            }

            if (HttpMethods.IsHead(method))
            {
                context.Response.StatusCode = _store.BucketExists(bucket) ? 200 : 404;
                return Task.CompletedTask;
            }

            if (HttpMethods.IsDelete(method))
            {
                var refused = _store.DeleteBucket(bucket);
                context.Response.StatusCode = 204;
                return refused is null ? Task.CompletedTask : WriteErrorAsync(context, refused);
            }

            if (HttpMethods.IsGet(method))
            {
                if (!_store.BucketExists(bucket))
                {
                    return WriteErrorAsync(context, S3Error.NoSuchBucket(bucket));
                }

                if (context.Request.Query.ContainsKey("uploads"))
                {
                    return WriteErrorAsync(context, S3Error.NotImplemented("?uploads (ListMultipartUploads)"));
                }

                if (context.Request.Query.ContainsKey("location"))
                {
                    // us-east-1 is answered as an empty LocationConstraint.
                    return S3Xml.WriteAsync(context, new XElement(S3Xml.Namespace + "LocationConstraint"));
                }

                return ListObjectsAsync(context, bucket, context.Request.Query["list-type"].ToString() == "2");
            }

            return WriteErrorAsync(context, S3Error.MethodNotAllowed(method));
        }

        if (HttpMethods.IsPut(method) && context.Request.Headers.ContainsKey("x-amz-copy-source"))
        {
            return WriteErrorAsync(context, S3Error.NotImplemented("x-amz-copy-source (CopyObject, UploadPartCopy)"));
        }

        var query = context.Request.Query;
        if (query.ContainsKey("uploadId"))
        {
            var uploadId = query["uploadId"].ToString();
            if (HttpMethods.IsPut(method))
            {
                return int.TryParse(query["partNumber"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var part) && part is >= 1 and <= 10000
                    ? PutObjectAsync(context, bucket, key, claim, signingKey, uploadId, part)
                    : WriteErrorAsync(context, S3Error.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive"));
            }

            if (HttpMethods.IsPost(method))
            {
                return CompleteUploadAsync(context, bucket, key, uploadId);
            }

            if (HttpMethods.IsDelete(method))
            {
                context.Response.StatusCode = 204;
                return _store.AbortUpload(uploadId, bucket, key) ? Task.CompletedTask : WriteErrorAsync(context, S3Error.NoSuchUpload(uploadId));
            }

            return WriteErrorAsync(context, S3Error.NotImplemented("?uploadId (ListParts)"));
        }

        if (HttpMethods.IsPost(method) && query.ContainsKey("uploads"))
        {
            return CreateUploadAsync(context, bucket, key);
        }

        if (HttpMethods.IsPut(method))
        {
            return PutObjectAsync(context, bucket, key, claim, signingKey, null, 0);
        }

        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            return GetObjectAsync(context, bucket, key);
        }

        if (HttpMethods.IsDelete(method))
        {
            if (!_store.BucketExists(bucket))
            {
                return WriteErrorAsync(context, S3Error.NoSuchBucket(bucket));
            }

            _store.Delete(bucket, key);
            context.Response.StatusCode = 204; // also when there was no such key, as S3 answers
            return Task.CompletedTask;
        }

        return WriteErrorAsync(context, S3Error.MethodNotAllowed(method));
    }

    private Task ListBucketsAsync(HttpContext context)
    {
        var buckets = new XElement(S3Xml.Namespace + "Buckets");
        foreach (var (name, created) in _store.Buckets())
        {
            buckets.Add(new XElement(S3Xml.Namespace + "Bucket", new XElement(S3Xml.Namespace + "Name", name), new XElement(S3Xml.Namespace + "CreationDate", created.ToString(LastModifiedFormat, CultureInfo.InvariantCulture))));
        }

        return S3Xml.WriteAsync(context, new XElement(S3Xml.Namespace + "ListAllMyBucketsResult", Owner(), buckets));
    }

    private Task CreateBucketAsync(HttpContext context, string bucket)
    {
        if (!BucketName().IsMatch(bucket))
        {
            return WriteErrorAsync(context, S3Error.InvalidBucketName(bucket));
        }

        if (!_store.CreateBucket(bucket))
        {
            return WriteErrorAsync(context, S3Error.BucketAlreadyOwnedByYou(bucket));
        }

        context.Response.StatusCode = 200;
        context.Response.Headers.Location = "/" + bucket;
        return Task.CompletedTask;
    }

    /// <summary>PutObject, or UploadPart when <paramref name="uploadId"/> is given: the same body handling.</summary>
    private async Task PutObjectAsync(HttpContext context, string bucket, string key, SigV4Claim claim, byte[] signingKey, string? uploadId, int partNumber)
    {
        var request = context.Request;
        var payloadHash = claim.Presigned ? SigV4.UnsignedPayload : request.Headers["x-amz-content-sha256"].ToString();
        var chunked = payloadHash.StartsWith("STREAMING-", StringComparison.Ordinal) || request.Headers.ContentEncoding.ToString().Contains("aws-chunked", StringComparison.Ordinal);
        long? declared = request.ContentLength;
        if (chunked)
        {
            declared = long.TryParse(request.Headers["x-amz-decoded-content-length"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var decoded) ? decoded : null;
        }

        if (declared > _options.MaximumObjectBytes)
        {
            await WriteErrorAsync(context, S3Error.EntityTooLarge(_options.MaximumObjectBytes)).ConfigureAwait(false);
            return;
        }

        byte[]? md5 = null;
        if (request.Headers["Content-MD5"].ToString() is { Length: > 0 } md5Text)
        {
            try
            {
                md5 = Convert.FromBase64String(md5Text);
            }
            catch (FormatException)
            {
                await WriteErrorAsync(context, new S3Error("InvalidDigest", 400, "The Content-MD5 you specified was invalid.")).ConfigureAwait(false);
                return;
            }
        }

        // The limit is ours (MaximumObjectBytes), not Kestrel's 30 MB default for request bodies.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var signatures = payloadHash is "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" or "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
            ? new ChunkSignatureChain(signingKey, claim.AmzDate, claim.Scope, claim.Signature)
            : null;
        await using var chunkedBody = chunked ? new AwsChunkedStream(request.Body, signatures) : null;
        using var checksums = new ChecksumReadStream(chunkedBody ?? request.Body);
        var expectedSha256 = IsHexSha256(payloadHash) ? payloadHash : null;
        var contentType = request.ContentType is { Length: > 0 } type ? type : DefaultContentType;
        string? Verify() => VerifyChecksums(request, chunkedBody, checksums);
        var result = uploadId is null
            ? await _store.PutAsync(bucket, key, checksums, contentType, _options.MaximumObjectBytes, expectedSha256, md5, Verify, context.RequestAborted).ConfigureAwait(false)
            : await _store.PutPartAsync(uploadId, bucket, key, partNumber, checksums, _options.MaximumObjectBytes, expectedSha256, md5, Verify, context.RequestAborted).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case PutOutcome.NoSuchUpload:
                await WriteErrorAsync(context, S3Error.NoSuchUpload(uploadId!)).ConfigureAwait(false);
                return;
            case PutOutcome.NoSuchBucket:
                await WriteErrorAsync(context, S3Error.NoSuchBucket(bucket)).ConfigureAwait(false);
                return;
            case PutOutcome.TooLarge:
                await WriteErrorAsync(context, S3Error.EntityTooLarge(_options.MaximumObjectBytes)).ConfigureAwait(false);
                return;
            case PutOutcome.Sha256Mismatch:
                await WriteErrorAsync(context, S3Error.ContentSha256Mismatch(payloadHash, result.Sha256Hex)).ConfigureAwait(false);
                return;
            case PutOutcome.Md5Mismatch:
                await WriteErrorAsync(context, S3Error.BadDigest("Content-MD5")).ConfigureAwait(false);
                return;
            case PutOutcome.ChecksumMismatch:
                await WriteErrorAsync(context, S3Error.BadDigest(result.FailedChecksum ?? "checksum")).ConfigureAwait(false);
                return;
        }

        context.Response.StatusCode = 200;
        context.Response.Headers.ETag = result.Stored?.ETag ?? "\"" + result.Md5Hex + "\"";
    }

    private Task CreateUploadAsync(HttpContext context, string bucket, string key)
    {
        var contentType = context.Request.ContentType is { Length: > 0 } type ? type : DefaultContentType;
        if (_store.CreateUpload(bucket, key, contentType) is not string uploadId)
        {
            return WriteErrorAsync(context, S3Error.NoSuchBucket(bucket));
        }

        XNamespace ns = S3Xml.Namespace;
        return S3Xml.WriteAsync(context, new XElement(ns + "InitiateMultipartUploadResult", new XElement(ns + "Bucket", bucket), new XElement(ns + "Key", key), new XElement(ns + "UploadId", uploadId)));
    }

    private async Task CompleteUploadAsync(HttpContext context, string bucket, string key, string uploadId)
    {
        var parts = new List<(int, string)>();
        try
        {
            // At most 10,000 parts of about 100 bytes each.
            using var limited = new MemoryStream();
            await context.Request.Body.CopyToAsync(limited, context.RequestAborted).ConfigureAwait(false);
            if (limited.Length > 2 * 1024 * 1024)
            {
                throw new FormatException("too long");
            }

            limited.Position = 0;
            var document = XDocument.Load(limited);
            foreach (var part in document.Root?.Elements() ?? [])
            {
                if (part.Name.LocalName != "Part")
                {
                    continue;
                }

                var number = part.Elements().FirstOrDefault(e => e.Name.LocalName == "PartNumber")?.Value;
                var etag = part.Elements().FirstOrDefault(e => e.Name.LocalName == "ETag")?.Value;
                parts.Add((int.Parse(number ?? "", NumberStyles.None, CultureInfo.InvariantCulture), etag ?? ""));
            }
        }
        catch (Exception ex) when (ex is System.Xml.XmlException or FormatException or OverflowException)
        {
            await WriteErrorAsync(context, new S3Error("MalformedXML", 400, "The XML you provided was not well-formed or did not validate against our published schema.")).ConfigureAwait(false);
            return;
        }

        var (error, stored) = await _store.CompleteUploadAsync(uploadId, bucket, key, parts, _options.MaximumObjectBytes, context.RequestAborted).ConfigureAwait(false);
        if (error is not null)
        {
            await WriteErrorAsync(context, error).ConfigureAwait(false);
            return;
        }

        XNamespace ns = S3Xml.Namespace;
        await S3Xml.WriteAsync(context, new XElement(ns + "CompleteMultipartUploadResult",
            new XElement(ns + "Location", "/" + bucket + "/" + key), new XElement(ns + "Bucket", bucket), new XElement(ns + "Key", key), new XElement(ns + "ETag", stored!.ETag))).ConfigureAwait(false);
    }

    /// <summary>The first x-amz-checksum-* (header or trailer) that does not match the body, or null.</summary>
    private static string? VerifyChecksums(HttpRequest request, AwsChunkedStream? chunked, ChecksumReadStream body)
    {
        foreach (var algorithm in ChecksumReadStream.Algorithms)
        {
            var name = "x-amz-checksum-" + algorithm;
            var claimed = request.Headers[name].ToString();
            if (claimed.Length == 0 && chunked is not null)
            {
                claimed = chunked.Trailers.GetValueOrDefault(name, "");
            }

            if (claimed.Length > 0 && claimed != body.Base64(algorithm))
            {
                return name;
            }
        }

        return null;
    }

    private async Task GetObjectAsync(HttpContext context, string bucket, string key)
    {
        if (_store.Open(bucket, key) is not var (found, content))
        {
            await WriteErrorAsync(context, _store.BucketExists(bucket) ? S3Error.NoSuchKey(bucket, key) : S3Error.NoSuchBucket(bucket)).ConfigureAwait(false);
            return;
        }

        await using var file = content;
        var response = context.Response;
        response.Headers.ETag = found.ETag;
        response.Headers.LastModified = found.LastModifiedUtc.ToString("R", CultureInfo.InvariantCulture);
        response.Headers.AcceptRanges = "bytes";
        response.ContentType = found.ContentType;
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && (ifNoneMatch == "*" || ifNoneMatch.Contains(found.ETag, StringComparison.Ordinal)))
        {
            response.StatusCode = 304;
            return;
        }

        long start = 0, end = found.Size - 1;
        var range = context.Request.Headers.Range.ToString();
        if (range.Length > 0)
        {
            switch (ParseRange(range, found.Size, out start, out end))
            {
                case RangeOutcome.Unsatisfiable:
                    response.Headers.ContentRange = "bytes */" + found.Size.ToString(CultureInfo.InvariantCulture);
                    await WriteErrorAsync(context, S3Error.InvalidRange(found.Size)).ConfigureAwait(false);
                    return;
                case RangeOutcome.Partial:
                    response.StatusCode = 206;
                    response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{end}/{found.Size}");
                    break;
                default:
                    start = 0;
                    end = found.Size - 1;
                    break;
            }
        }

        var length = end - start + 1;
        response.ContentLength = length;
        if (HttpMethods.IsHead(context.Request.Method) || length == 0)
        {
            return;
        }

        file.Seek(start, SeekOrigin.Begin);
        var buffer = new byte[81920];
        var remaining = length;
        while (remaining > 0)
        {
            var read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            await response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted).ConfigureAwait(false);
            remaining -= read;
        }
    }

    internal enum RangeOutcome
    {
        /// <summary>No usable range (not bytes=, several ranges, garbled): the whole object, as HTTP says to ignore it.</summary>
        Whole,
        Partial,
        Unsatisfiable,
    }

    /// <summary>One byte range of RFC 9110 (<c>bytes=a-b</c>, <c>bytes=a-</c>, <c>bytes=-n</c>), clamped to the object.</summary>
    internal static RangeOutcome ParseRange(string header, long size, out long start, out long end)
    {
        start = 0;
        end = size - 1;
        if (!header.StartsWith("bytes=", StringComparison.Ordinal) || header.Contains(',', StringComparison.Ordinal))
        {
            return RangeOutcome.Whole;
        }

        var spec = header.AsSpan(6).Trim();
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return RangeOutcome.Whole;
        }

        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.IsEmpty)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return RangeOutcome.Whole;
            }

            if (suffix == 0 || size == 0)
            {
                return RangeOutcome.Unsatisfiable;
            }

            start = Math.Max(0, size - suffix);
            return RangeOutcome.Partial;
        }

        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out start))
        {
            return RangeOutcome.Whole;
        }

        if (!last.IsEmpty)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var lastByte) || lastByte < start)
            {
                start = 0;
                return RangeOutcome.Whole;
            }

            end = Math.Min(lastByte, size - 1);
        }

        return start >= size ? RangeOutcome.Unsatisfiable : RangeOutcome.Partial;
    }

    private Task ListObjectsAsync(HttpContext context, string bucket, bool version2)
    {
        var query = context.Request.Query;
        var prefix = query["prefix"].ToString();
        var delimiter = query["delimiter"].ToString();
        var urlEncoded = query["encoding-type"].ToString() == "url";
        var maxKeys = MaximumKeysPerList;
        if (query["max-keys"].ToString() is { Length: > 0 } maxText && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out maxKeys) || maxKeys < 0))
        {
            return WriteErrorAsync(context, S3Error.InvalidArgument("max-keys must be a whole number of 0 or more"));
        }

        maxKeys = Math.Min(maxKeys, MaximumKeysPerList);
        var token = query["continuation-token"].ToString();
        var startAfter = query[version2 ? "start-after" : "marker"].ToString();
        var after = startAfter;
        if (version2 && token.Length > 0)
        {
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                return WriteErrorAsync(context, S3Error.InvalidArgument("The continuation token provided is incorrect"));
            }
        }

        // Resuming after a common prefix skips every key under it.
        var skipUnder = delimiter.Length > 0 && after.EndsWith(delimiter, StringComparison.Ordinal) && after.StartsWith(prefix, StringComparison.Ordinal) ? after : null;
        XNamespace ns = S3Xml.Namespace;
        string Encode(string value) => urlEncoded ? SigV4.UriEncode(value, encodeSlash: false) : value;
        var contents = new List<XElement>();
        var count = 0;
        var truncated = false;
        string? lastReturned = null;
        string? lastPrefix = null;
        foreach (var item in _store.List(bucket, prefix, after))
        {
            if (skipUnder is not null && item.Key.StartsWith(skipUnder, StringComparison.Ordinal))
            {
                continue;
            }

            var cut = delimiter.Length > 0 ? item.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal) : -1;
            if (cut >= 0)
            {
                var common = item.Key[..(cut + delimiter.Length)];
                if (common == lastPrefix)
                {
                    continue;
                }

                if (count == maxKeys)
                {
                    truncated = true;
                    break;
                }

                lastPrefix = common;
                lastReturned = common;
                contents.Add(new XElement(ns + "CommonPrefixes", new XElement(ns + "Prefix", Encode(common))));
            }
            else
            {
                if (count == maxKeys)
                {
                    truncated = true;
                    break;
                }

                lastReturned = item.Key;
                contents.Add(new XElement(ns + "Contents",
                    new XElement(ns + "Key", Encode(item.Key)),
                    new XElement(ns + "LastModified", item.LastModifiedUtc.ToString(LastModifiedFormat, CultureInfo.InvariantCulture)),
                    new XElement(ns + "ETag", item.ETag),
                    new XElement(ns + "Size", item.Size),
                    new XElement(ns + "StorageClass", "STANDARD")));
            }

            count++;
        }

        var result = new XElement(ns + "ListBucketResult", new XElement(ns + "Name", bucket), new XElement(ns + "Prefix", Encode(prefix)));
        if (version2)
        {
            result.Add(new XElement(ns + "KeyCount", count));
            if (token.Length > 0)
            {
                result.Add(new XElement(ns + "ContinuationToken", token));
            }

            if (truncated)
            {
                result.Add(new XElement(ns + "NextContinuationToken", Convert.ToBase64String(Encoding.UTF8.GetBytes(lastReturned!))));
            }

            if (startAfter.Length > 0)
            {
                result.Add(new XElement(ns + "StartAfter", Encode(startAfter)));
            }
        }
        else
        {
            result.Add(new XElement(ns + "Marker", Encode(startAfter)));
            if (truncated && delimiter.Length > 0)
            {
                result.Add(new XElement(ns + "NextMarker", Encode(lastReturned!)));
            }
        }

        result.Add(new XElement(ns + "MaxKeys", maxKeys));
        if (delimiter.Length > 0)
        {
            result.Add(new XElement(ns + "Delimiter", Encode(delimiter)));
        }

        if (urlEncoded)
        {
            result.Add(new XElement(ns + "EncodingType", "url"));
        }

        result.Add(new XElement(ns + "IsTruncated", truncated ? "true" : "false"));
        result.Add(contents);
        return S3Xml.WriteAsync(context, result);
    }

    private static XElement Owner() =>
        new(S3Xml.Namespace + "Owner", new XElement(S3Xml.Namespace + "ID", "localiotcore"), new XElement(S3Xml.Namespace + "DisplayName", "localiotcore"));

    private static Task WriteErrorAsync(HttpContext context, S3Error error)
    {
        var requestId = RequestId(context);
        return error.WriteAsync(context, requestId);
    }

    private static string RequestId(HttpContext context)
    {
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        context.Response.Headers["x-amz-request-id"] = id;
        context.Response.Headers["x-amz-id-2"] = id;
        return id;
    }

    private static bool IsHexSha256(string value)
    {
        if (value.Length != 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string RawPath(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var question = raw.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? raw : raw[..question];
    }

    /// <summary>Path-style addressing: <c>/bucket/key...</c>, each part percent-decoded once (a key may hold '/').</summary>
    internal static (string Bucket, string Key) BucketAndKey(string rawPath)
    {
        var path = rawPath.StartsWith('/') ? rawPath[1..] : rawPath;
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        return slash < 0
            ? (Uri.UnescapeDataString(path), "")
            : (Uri.UnescapeDataString(path[..slash]), Uri.UnescapeDataString(path[(slash + 1)..]));
    }

    /// <summary>S3's bucket naming rules (general purpose buckets): 3 to 63 of a-z 0-9 . -, starting and ending with a letter or digit.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}

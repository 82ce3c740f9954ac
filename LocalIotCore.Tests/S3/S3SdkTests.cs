using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using LocalIotCore.S3;

namespace LocalIotCore.Tests.S3;

/// <summary>LocalIotCore's S3 subset through AWS's own .NET client (AWSSDK.S3 4.x) over HTTPS, path-style, with the administrator keys.</summary>
[TestClass]
public sealed class S3SdkTests
{
    private S3Cloud _cloud = null!;

    [TestInitialize]
    public async Task StartAsync() => _cloud = await S3Cloud.StartAsync("s3sdk");

    [TestCleanup]
    public async Task StopAsync() => await _cloud.DisposeAsync();

    [TestMethod]
    public async Task An_object_put_with_the_sdk_is_read_back_whole_in_ranges_and_by_head_then_deleted()
    {
        var s3 = _cloud.AdministratorClient();
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = "firmware-files" });
        var body = "0123456789abcdefghij";
        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = "firmware-files", Key = "configs/pump 1.json", ContentBody = body, ContentType = "application/json" });
        var md5 = "\"" + Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(body))) + "\"";
        Assert.AreEqual(md5, put.ETag);

        using (var get = await s3.GetObjectAsync("firmware-files", "configs/pump 1.json"))
        {
            Assert.AreEqual(body, await new StreamReader(get.ResponseStream).ReadToEndAsync());
            Assert.AreEqual(md5, get.ETag);
            Assert.AreEqual("application/json", get.Headers.ContentType);
            Assert.AreEqual(20, get.ContentLength);
        }

        using (var range = await s3.GetObjectAsync(new GetObjectRequest { BucketName = "firmware-files", Key = "configs/pump 1.json", ByteRange = new ByteRange(2, 5) }))
        {
            Assert.AreEqual(HttpStatusCode.PartialContent, range.HttpStatusCode);
            Assert.AreEqual("2345", await new StreamReader(range.ResponseStream).ReadToEndAsync());
            Assert.AreEqual("bytes 2-5/20", range.ContentRange);
        }

        using (var suffix = await s3.GetObjectAsync(new GetObjectRequest { BucketName = "firmware-files", Key = "configs/pump 1.json", ByteRange = new ByteRange("bytes=-3") }))
        {
            Assert.AreEqual("hij", await new StreamReader(suffix.ResponseStream).ReadToEndAsync());
        }

        using (var open = await s3.GetObjectAsync(new GetObjectRequest { BucketName = "firmware-files", Key = "configs/pump 1.json", ByteRange = new ByteRange("bytes=18-") }))
        {
            Assert.AreEqual("ij", await new StreamReader(open.ResponseStream).ReadToEndAsync());
        }

        var beyond = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectAsync(new GetObjectRequest { BucketName = "firmware-files", Key = "configs/pump 1.json", ByteRange = new ByteRange(20, 30) }));
        Assert.AreEqual("InvalidRange", beyond.ErrorCode);
        Assert.AreEqual(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);

        var head = await s3.GetObjectMetadataAsync("firmware-files", "configs/pump 1.json");
        Assert.AreEqual(20, head.ContentLength);
        Assert.AreEqual(md5, head.ETag);
        Assert.IsTrue((DateTime.UtcNow - head.LastModified!.Value.ToUniversalTime()).Duration() < TimeSpan.FromMinutes(5), head.LastModified.ToString());

        var deleted = await s3.DeleteObjectAsync("firmware-files", "configs/pump 1.json");
        Assert.AreEqual(HttpStatusCode.NoContent, deleted.HttpStatusCode);
        var gone = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectAsync("firmware-files", "configs/pump 1.json"));
        Assert.AreEqual("NoSuchKey", gone.ErrorCode);
        Assert.AreEqual(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [TestMethod]
    public async Task Missing_buckets_and_keys_and_a_second_create_get_s3s_error_codes()
    {
        var s3 = _cloud.AdministratorClient();
        var noBucket = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectAsync("nowhere", "k"));
        Assert.AreEqual("NoSuchBucket", noBucket.ErrorCode);
        var noBucketPut = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest { BucketName = "nowhere", Key = "k", ContentBody = "x" }));
        Assert.AreEqual("NoSuchBucket", noBucketPut.ErrorCode);

        await s3.PutBucketAsync("twice");
        var again = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutBucketAsync("twice"));
        Assert.AreEqual("BucketAlreadyOwnedByYou", again.ErrorCode);
        Assert.AreEqual(HttpStatusCode.Conflict, again.StatusCode);

        var noKey = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectAsync("twice", "missing/key"));
        Assert.AreEqual("NoSuchKey", noKey.ErrorCode);

        var buckets = await s3.ListBucketsAsync();
        // The upload rule's bucket is created at start; the rest are the user's.
        CollectionAssert.AreEqual(new[] { S3Options.DefaultFanOutBucket, "twice" }, buckets.Buckets.Select(b => b.BucketName).ToArray());
    }

    [TestMethod]
    public async Task Listing_pages_through_every_key_and_groups_common_prefixes()
    {
        var s3 = _cloud.AdministratorClient();
        await s3.PutBucketAsync("listed");
        string[] keys = ["a.txt", "b/1.bin", "b/2.bin", "c/x/y.txt", "d.txt"];
        foreach (var key in keys)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = "listed", Key = key, ContentBody = key });
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "listed", MaxKeys = 2, ContinuationToken = token });
            seen.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            Assert.IsTrue((page.S3Objects ?? []).All(o => o.Size == o.Key.Length), "sizes");
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
            pages++;
        }
        while (token is not null);
        CollectionAssert.AreEqual(keys, seen);
        Assert.AreEqual(3, pages);

        var grouped = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "listed", Delimiter = "/" });
        CollectionAssert.AreEqual(new[] { "a.txt", "d.txt" }, (grouped.S3Objects ?? []).Select(o => o.Key).ToArray());
        CollectionAssert.AreEqual(new[] { "b/", "c/" }, grouped.CommonPrefixes);

        // Paging one entry at a time through a delimited listing does not repeat a common prefix.
        var entries = new List<string>();
        token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "listed", Delimiter = "/", MaxKeys = 1, ContinuationToken = token });
            entries.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            entries.AddRange(page.CommonPrefixes ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        CollectionAssert.AreEqual(new[] { "a.txt", "b/", "c/", "d.txt" }, entries);

        var under = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "listed", Prefix = "b/", StartAfter = "b/1.bin" });
        CollectionAssert.AreEqual(new[] { "b/2.bin" }, (under.S3Objects ?? []).Select(o => o.Key).ToArray());
    }

    [TestMethod]
    public async Task Each_put_raises_object_created_with_the_sha256_of_what_was_stored_and_objects_survive_a_restart()
    {
        var created = new List<S3ObjectCreated>();
        _cloud.Server.S3.Objects.ObjectCreated += created.Add;
        var s3 = _cloud.AdministratorClient();
        await s3.PutBucketAsync("uploads");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "uploads", Key = "app.bin", ContentBody = "version one" });
        var second = await s3.PutObjectAsync(new PutObjectRequest { BucketName = "uploads", Key = "app.bin", ContentBody = "version two!" });

        Assert.HasCount(2, created);
        Assert.AreEqual(new S3ObjectCreated("uploads", "app.bin", 11, Sha256("version one"), "\"" + Md5("version one") + "\""), created[0]);
        Assert.AreEqual(new S3ObjectCreated("uploads", "app.bin", 12, Sha256("version two!"), second.ETag), created[1]);

        await _cloud.RestartAsync();
        using var get = await _cloud.AdministratorClient().GetObjectAsync("uploads", "app.bin");
        Assert.AreEqual("version two!", await new StreamReader(get.ResponseStream).ReadToEndAsync());
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(_cloud.Folder, "s3", "incoming")));
        Assert.HasCount(1, Directory.GetFiles(Path.Combine(_cloud.Folder, "s3", "objects")), "the replaced version's file is gone");
    }

    [TestMethod]
    public async Task A_larger_object_than_the_limit_is_refused_with_entity_too_large()
    {
        await _cloud.DisposeAsync();
        _cloud = await S3Cloud.StartAsync("s3limit", o => o.S3.MaximumObjectBytes = 1000);
        var s3 = _cloud.AdministratorClient();
        await s3.PutBucketAsync("small");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "small", Key = "fits", ContentBody = new string('x', 1000) });
        var refused = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutObjectAsync(new PutObjectRequest { BucketName = "small", Key = "big", ContentBody = new string('x', 1001) }));
        Assert.AreEqual("EntityTooLarge", refused.ErrorCode);
        var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectAsync("small", "big"));
        Assert.AreEqual("NoSuchKey", missing.ErrorCode);
    }

    [TestMethod]
    public async Task A_presigned_get_url_works_until_it_expires()
    {
        var s3 = _cloud.AdministratorClient();
        await s3.PutBucketAsync("shared");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "shared", Key = "note.txt", ContentBody = "hello" });
        var url = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest { BucketName = "shared", Key = "note.txt", Expires = DateTime.UtcNow.AddMinutes(10), Protocol = Protocol.HTTPS });
        var http = _cloud.Https();
        Assert.AreEqual("hello", await http.GetStringAsync(new Uri(url)));

        _cloud.Time.Advance(TimeSpan.FromMinutes(11));
        using var expired = await http.GetAsync(new Uri(url));
        Assert.AreEqual(HttpStatusCode.Forbidden, expired.StatusCode);
        StringAssert.Contains(await expired.Content.ReadAsStringAsync(), "<Code>AccessDenied</Code>");
    }

    [TestMethod]
    public async Task A_multipart_upload_joins_its_parts_in_order_and_an_aborted_one_is_gone()
    {
        var created = new List<S3ObjectCreated>();
        _cloud.Server.S3.Objects.ObjectCreated += created.Add;
        var s3 = _cloud.AdministratorClient();
        await s3.PutBucketAsync("big");
        var first = new byte[5 * 1024 * 1024];
        new Random(1).NextBytes(first);
        var second = Encoding.ASCII.GetBytes("the last, short part");
        var upload = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = "big", Key = "image.bin", ContentType = "application/x-firmware" });
        var part2 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "big", Key = "image.bin", UploadId = upload.UploadId, PartNumber = 2, InputStream = new MemoryStream(second) });
        var part1 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "big", Key = "image.bin", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(first) });
        Assert.IsEmpty(created, "nothing is created before the upload completes");

        var wrongTag = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "big", Key = "image.bin", UploadId = upload.UploadId, PartETags = [new PartETag(1, part2.ETag), new PartETag(2, part2.ETag)],
        }));
        Assert.AreEqual("InvalidPart", wrongTag.ErrorCode);

        var done = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "big", Key = "image.bin", UploadId = upload.UploadId, PartETags = [new PartETag(1, part1.ETag), new PartETag(2, part2.ETag)],
        });
        var whole = first.Concat(second).ToArray();
        var expectedTag = "\"" + Convert.ToHexStringLower(MD5.HashData(MD5.HashData(first).Concat(MD5.HashData(second)).ToArray())) + "-2\"";
        Assert.AreEqual(expectedTag, done.ETag);
        Assert.HasCount(1, created);
        Assert.AreEqual(new S3ObjectCreated("big", "image.bin", whole.Length, Convert.ToHexStringLower(SHA256.HashData(whole)), expectedTag), created[0]);
        using (var get = await s3.GetObjectAsync("big", "image.bin"))
        {
            using var copy = new MemoryStream();
            await get.ResponseStream.CopyToAsync(copy);
            CollectionAssert.AreEqual(whole, copy.ToArray());
            Assert.AreEqual("application/x-firmware", get.Headers.ContentType);
        }

        var aborted = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = "big", Key = "other.bin" });
        await s3.UploadPartAsync(new UploadPartRequest { BucketName = "big", Key = "other.bin", UploadId = aborted.UploadId, PartNumber = 1, InputStream = new MemoryStream(second) });
        await s3.AbortMultipartUploadAsync("big", "other.bin", aborted.UploadId);
        var gone = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.UploadPartAsync(new UploadPartRequest { BucketName = "big", Key = "other.bin", UploadId = aborted.UploadId, PartNumber = 2, InputStream = new MemoryStream(second) }));
        Assert.AreEqual("NoSuchUpload", gone.ErrorCode);
        var never = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.GetObjectAsync("big", "other.bin"));
        Assert.AreEqual("NoSuchKey", never.ErrorCode);
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
}

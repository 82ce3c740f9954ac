using System.Net;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DeviceFirmware.Cloud;

namespace LocalIotCore.Tests.S3;

/// <summary>Who may use the S3 subset: strict SigV4 with known keys; everything else refused with S3's error codes.</summary>
[TestClass]
public sealed class S3SignatureTests
{
    private S3Cloud _cloud = null!;

    [TestInitialize]
    public async Task StartAsync()
    {
        _cloud = await S3Cloud.StartAsync("s3sig");
        var s3 = _cloud.AdministratorClient();
        await s3.PutBucketAsync("files");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "files", Key = "a.txt", ContentBody = "secret stuff" });
    }

    [TestCleanup]
    public async Task StopAsync() => await _cloud.DisposeAsync();

    [TestMethod]
    public async Task A_wrong_secret_an_unknown_key_and_no_signature_are_refused()
    {
        var wrongSecret = _cloud.S3Client(new BasicAWSCredentials(S3Cloud.Administrator.AccessKeyId, "not-the-secret"));
        var mismatch = await Assert.ThrowsAsync<AmazonS3Exception>(() => wrongSecret.GetObjectAsync("files", "a.txt"));
        Assert.AreEqual("SignatureDoesNotMatch", mismatch.ErrorCode);
        Assert.AreEqual(HttpStatusCode.Forbidden, mismatch.StatusCode);

        var unknown = _cloud.S3Client(new BasicAWSCredentials("AKIAUNKNOWN", "whatever"));
        var invalid = await Assert.ThrowsAsync<AmazonS3Exception>(() => unknown.GetObjectAsync("files", "a.txt"));
        Assert.AreEqual("InvalidAccessKeyId", invalid.ErrorCode);
        var invalidPut = await Assert.ThrowsAsync<AmazonS3Exception>(() => unknown.PutObjectAsync(new PutObjectRequest { BucketName = "files", Key = "a.txt", ContentBody = "overwritten" }));
        Assert.AreEqual("InvalidAccessKeyId", invalidPut.ErrorCode);

        using var unsigned = await _cloud.Https().GetAsync(new Uri("/files/a.txt", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.Forbidden, unsigned.StatusCode);
        var body = await unsigned.Content.ReadAsStringAsync();
        StringAssert.Contains(body, "<Code>AccessDenied</Code>");
        Assert.DoesNotContain("secret stuff", body);

        using var get = await _cloud.AdministratorClient().GetObjectAsync("files", "a.txt");
        Assert.AreEqual("secret stuff", await new StreamReader(get.ResponseStream).ReadToEndAsync(), "nothing was overwritten");
    }

    [TestMethod]
    public async Task A_body_that_does_not_match_its_signed_sha256_is_refused_and_not_stored()
    {
        var claimed = SigV4.Hex(SHA256.HashData("what was signed"u8));
        using var refused = await _cloud.SendSignedAsync(HttpMethod.Put, "/files/a.txt", S3Cloud.Administrator, new StringContent("what was sent"), claimed);
        Assert.AreEqual(HttpStatusCode.BadRequest, refused.StatusCode);
        StringAssert.Contains(await refused.Content.ReadAsStringAsync(), "<Code>XAmzContentSHA256Mismatch</Code>");

        using var accepted = await _cloud.SendSignedAsync(HttpMethod.Put, "/files/b.txt", S3Cloud.Administrator, new StringContent("what was signed"), claimed);
        Assert.AreEqual(HttpStatusCode.OK, accepted.StatusCode, await accepted.Content.ReadAsStringAsync());

        using var get = await _cloud.AdministratorClient().GetObjectAsync("files", "a.txt");
        Assert.AreEqual("secret stuff", await new StreamReader(get.ResponseStream).ReadToEndAsync());
    }

    [TestMethod]
    public async Task A_request_signed_too_far_from_the_servers_clock_is_refused_as_skewed()
    {
        using var skewed = await _cloud.SendSignedAsync(HttpMethod.Get, "/files/a.txt", S3Cloud.Administrator, signedAt: DateTime.UtcNow.AddMinutes(-20));
        Assert.AreEqual(HttpStatusCode.Forbidden, skewed.StatusCode);
        StringAssert.Contains(await skewed.Content.ReadAsStringAsync(), "<Code>RequestTimeTooSkewed</Code>");

        using var fresh = await _cloud.SendSignedAsync(HttpMethod.Get, "/files/a.txt", S3Cloud.Administrator, signedAt: DateTime.UtcNow.AddMinutes(-10));
        Assert.AreEqual("secret stuff", await fresh.Content.ReadAsStringAsync());
    }

    [TestMethod]
    public async Task Chunk_signed_uploads_are_stored_when_every_chunk_signature_holds_and_refused_when_one_does_not()
    {
        var payload = Encoding.ASCII.GetBytes(new string('p', 70_000) + "tail");
        using (var ok = await SendChunkSignedAsync("/files/chunked.bin", payload, tamper: false))
        {
            Assert.AreEqual(HttpStatusCode.OK, ok.StatusCode, await ok.Content.ReadAsStringAsync());
        }

        using (var get = await _cloud.AdministratorClient().GetObjectAsync("files", "chunked.bin"))
        {
            using var copy = new MemoryStream();
            await get.ResponseStream.CopyToAsync(copy);
            CollectionAssert.AreEqual(payload, copy.ToArray());
        }

        using var tampered = await SendChunkSignedAsync("/files/tampered.bin", payload, tamper: true);
        Assert.AreEqual(HttpStatusCode.Forbidden, tampered.StatusCode);
        StringAssert.Contains(await tampered.Content.ReadAsStringAsync(), "<Code>SignatureDoesNotMatch</Code>");
        var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => _cloud.AdministratorClient().GetObjectAsync("files", "tampered.bin"));
        Assert.AreEqual("NoSuchKey", missing.ErrorCode);
    }

    [TestMethod]
    public async Task An_unsigned_trailer_upload_is_checked_against_its_crc32_trailer()
    {
        var payload = "trailer-checked body"u8.ToArray();
        var crc = Crc32Base64(payload);
        using (var ok = await SendTrailerAsync("/files/t.bin", payload, crc))
        {
            Assert.AreEqual(HttpStatusCode.OK, ok.StatusCode, await ok.Content.ReadAsStringAsync());
        }

        using var bad = await SendTrailerAsync("/files/t2.bin", payload, "AAAAAA==");
        Assert.AreEqual(HttpStatusCode.BadRequest, bad.StatusCode);
        StringAssert.Contains(await bad.Content.ReadAsStringAsync(), "<Code>BadDigest</Code>");
        using var get = await _cloud.AdministratorClient().GetObjectAsync("files", "t.bin");
        Assert.AreEqual("trailer-checked body", await new StreamReader(get.ResponseStream).ReadToEndAsync());
    }

    [TestMethod]
    public async Task A_bucket_named_like_an_iot_route_is_s3s_when_signed_for_s3_while_the_shadow_api_keeps_working()
    {
        var s3 = _cloud.AdministratorClient();
        await s3.PutBucketAsync("things");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "things", Key = "pump-1/shadow", ContentBody = "an object" });
        using (var get = await s3.GetObjectAsync("things", "pump-1/shadow"))
        {
            Assert.AreEqual("an object", await new StreamReader(get.ResponseStream).ReadToEndAsync());
        }

        // The IoT data plane over plain HTTP, unsigned, on another path, and the dashboard's API.
        using var plain = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:" + _cloud.Server.HttpPort) };
        using var things = await plain.GetAsync(new Uri("/api/things", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, things.StatusCode);
        using var unsignedShadow = await plain.GetAsync(new Uri("/things/pump-9/shadow", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.NotFound, unsignedShadow.StatusCode);
        Assert.AreEqual("ResourceNotFoundException", unsignedShadow.Headers.GetValues("x-amzn-ErrorType").Single(), "the shadow API's answer, not S3's");

        // Signed for iotdata (as AWS's clients sign the data plane), /things/... is the shadow API.
        var shadowPath = "/things/pump-1/shadow";
        var document = "{\"state\":{\"desired\":{\"MOTOR\":\"ON\"}}}";
        var signed = SigV4.Sign(new SignableRequest("POST", "localhost:" + _cloud.Server.HttpsPort, shadowPath, [], [], SigV4.Hex(SHA256.HashData(Encoding.UTF8.GetBytes(document)))), S3Cloud.Administrator, "us-east-1", "iotdata", DateTime.UtcNow);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(shadowPath, UriKind.Relative)) { Content = new StringContent(document) };
        foreach (var header in signed)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using var update = await _cloud.Https().SendAsync(request);
        Assert.AreEqual(HttpStatusCode.OK, update.StatusCode, await update.Content.ReadAsStringAsync());
        StringAssert.Contains(await update.Content.ReadAsStringAsync(), "\"MOTOR\":\"ON\"");
    }

    /// <summary>STREAMING-AWS4-HMAC-SHA256-PAYLOAD (S3 API reference, "Transferring payload in multiple chunks"), 64 KiB chunks.</summary>
    private async Task<HttpResponseMessage> SendChunkSignedAsync(string path, byte[] payload, bool tamper)
    {
        const string streaming = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
        var now = DateTime.UtcNow;
        var amzDate = now.ToString(SigV4.DateTimeFormat, System.Globalization.CultureInfo.InvariantCulture);
        var headers = new List<KeyValuePair<string, string>> { new("content-encoding", "aws-chunked"), new("x-amz-decoded-content-length", payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        var signed = SigV4.Sign(new SignableRequest("PUT", "localhost:" + _cloud.Server.HttpsPort, path, [], headers, streaming), S3Cloud.Administrator, "us-east-1", "s3", now);
        var authorization = signed.First(h => h.Key == "Authorization").Value;
        var previous = authorization[(authorization.IndexOf("Signature=", StringComparison.Ordinal) + 10)..];
        var key = SigV4.SigningKey(S3Cloud.Administrator.SecretAccessKey, amzDate[..8], "us-east-1", "s3");
        var scope = SigV4.Scope(amzDate[..8], "us-east-1", "s3");
        using var body = new MemoryStream();
        for (var offset = 0; ; offset += 65536)
        {
            var chunk = payload.AsSpan(Math.Min(offset, payload.Length), Math.Clamp(payload.Length - offset, 0, 65536)).ToArray();
            var stringToSign = "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + previous + "\n" + SigV4.EmptyPayloadHash + "\n" + SigV4.Hex(SHA256.HashData(chunk));
            previous = SigV4.Signature(key, stringToSign);
            if (tamper && chunk.Length > 0)
            {
                chunk[0] ^= 1; // one bit changed after signing
            }

            body.Write(Encoding.ASCII.GetBytes(chunk.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + ";chunk-signature=" + previous + "\r\n"));
            body.Write(chunk);
            body.Write("\r\n"u8);
            if (chunk.Length == 0)
            {
                break;
            }
        }

        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_cloud.Endpoint + path)) { Content = new ByteArrayContent(body.ToArray()) };
        foreach (var header in headers.Concat(signed))
        {
            if (!request.Headers.TryAddWithoutValidation(header.Key, header.Value))
            {
                request.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return await _cloud.Https().SendAsync(request);
    }

    /// <summary>STREAMING-UNSIGNED-PAYLOAD-TRAILER, as AWSSDK.S3 4.x sends a PutObject: one chunk, then an x-amz-checksum-crc32 trailer.</summary>
    private async Task<HttpResponseMessage> SendTrailerAsync(string path, byte[] payload, string crc32Base64)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("content-encoding", "aws-chunked"),
            new("x-amz-decoded-content-length", payload.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("x-amz-trailer", "x-amz-checksum-crc32"),
        };
        var body = Encoding.ASCII.GetBytes(payload.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n")
            .Concat(payload).Concat("\r\n0\r\nx-amz-checksum-crc32:"u8.ToArray()).Concat(Encoding.ASCII.GetBytes(crc32Base64)).Concat("\r\n\r\n"u8.ToArray()).ToArray();
        return await _cloud.SendSignedAsync(HttpMethod.Put, path, S3Cloud.Administrator, new ByteArrayContent(body), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", headers);
    }

    /// <summary>CRC-32 (IEEE), bit by bit: an independent check of the server's table-driven one.</summary>
    private static string Crc32Base64(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        crc = ~crc;
        return Convert.ToBase64String([(byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc]);
    }
}

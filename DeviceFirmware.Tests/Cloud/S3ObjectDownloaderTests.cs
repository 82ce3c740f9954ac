using System.Net;
using System.Security.Cryptography;
using System.Text;
using DeviceFirmware.Cloud;
using DeviceFirmware.Core.Agent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DeviceFirmware.Tests.Cloud;

/// <summary>The Pi's S3 fetch: signed GetObject, streamed and hashed into a staging file, moved into place only on a match.</summary>
[TestClass]
public sealed class S3ObjectDownloaderTests
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes("pump curve v2\n");
    private static readonly string ContentHash = Convert.ToHexStringLower(SHA256.HashData(Content));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
    private string _folder = null!;

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("s3-download-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [TestMethod]
    public async Task A_matching_object_is_installed_under_its_key_and_the_request_is_signed_for_s3()
    {
        HttpRequestMessage? seen = null;
        var downloader = Downloader(request =>
        {
            seen = request;
            return Ok(Content);
        });

        var outcome = await downloader.FetchAsync("firmware-files", "curves/pump.csv", ContentHash, CancellationToken.None);

        Assert.AreEqual(S3FetchStatus.Installed, outcome.Result, outcome.Detail);
        CollectionAssert.AreEqual(Content, await File.ReadAllBytesAsync(Path.Combine(_folder, "curves", "pump.csv")));
        Assert.IsFalse(File.Exists(Path.Combine(_folder, "curves", "pump.csv.part")), "the staging file is gone");
        Assert.AreEqual(new Uri("https://localhost:8443/firmware-files/curves/pump.csv"), seen!.RequestUri);
        var authorization = string.Join(",", seen.Headers.GetValues("Authorization"));
        StringAssert.StartsWith(authorization, "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261203/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=");
        Assert.AreEqual("session-token", seen.Headers.GetValues("x-amz-security-token").Single());
    }

    [TestMethod]
    public async Task A_hash_mismatch_keeps_the_file_in_place_and_leaves_no_staging_file()
    {
        var target = Path.Combine(_folder, "pump.csv");
        await File.WriteAllTextAsync(target, "previous");
        var downloader = Downloader(_ => Ok(Encoding.UTF8.GetBytes("corrupted")));

        var outcome = await downloader.FetchAsync("b", "pump.csv", ContentHash, CancellationToken.None);

        Assert.AreEqual(S3FetchStatus.HashMismatch, outcome.Result);
        StringAssert.Contains(outcome.Detail, Convert.ToHexStringLower(SHA256.HashData("corrupted"u8)));
        Assert.AreEqual("previous", await File.ReadAllTextAsync(target));
        CollectionAssert.AreEqual(new[] { target }, Directory.GetFiles(_folder));
    }

    [TestMethod]
    public async Task An_object_over_the_limit_is_refused_by_its_length_or_while_streaming()
    {
        var declared = Downloader(_ => Ok(new byte[100]), maximumBytes: 10);
        Assert.AreEqual(S3FetchStatus.TooLarge, (await declared.FetchAsync("b", "k", ContentHash, CancellationToken.None)).Result);

        // No Content-Length (chunked): counted while reading.
        var streamed = Downloader(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new UnknownLengthStream(new byte[100])) }, maximumBytes: 10);
        var outcome = await streamed.FetchAsync("b", "k", ContentHash, CancellationToken.None);
        Assert.AreEqual(S3FetchStatus.TooLarge, outcome.Result);
        Assert.IsFalse(File.Exists(Path.Combine(_folder, "k")));
        Assert.AreEqual(0, Directory.GetFiles(_folder).Length);
    }

    [TestMethod]
    public async Task An_s3_error_is_a_failure_naming_the_status_and_code()
    {
        var downloader = Downloader(_ => new HttpResponseMessage(HttpStatusCode.Forbidden)
        {
            Content = new StringContent("<?xml version=\"1.0\"?><Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>"),
        });

        var outcome = await downloader.FetchAsync("b", "k", ContentHash, CancellationToken.None);

        Assert.AreEqual((S3FetchStatus.DownloadFailed, "S3 answered 403 (ExpiredToken)"), (outcome.Result, outcome.Detail));
    }

    [TestMethod]
    public async Task A_file_already_in_place_with_the_hash_is_not_fetched_again()
    {
        await File.WriteAllBytesAsync(Path.Combine(_folder, "k"), Content);
        var requests = 0;
        var downloader = Downloader(_ =>
        {
            requests++;
            return Ok(Content);
        });

        var outcome = await downloader.FetchAsync("b", "k", ContentHash, CancellationToken.None);

        Assert.AreEqual(S3FetchStatus.Installed, outcome.Result);
        Assert.AreEqual(0, requests);
    }

    [TestMethod]
    public async Task A_connection_failure_is_a_failure_with_the_reason()
    {
        var downloader = Downloader(_ => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (localhost:8443)"));

        var outcome = await downloader.FetchAsync("b", "k", ContentHash, CancellationToken.None);

        Assert.AreEqual(S3FetchStatus.DownloadFailed, outcome.Result);
        StringAssert.Contains(outcome.Detail, "Connection refused");
    }

    [TestMethod]
    public async Task Virtual_hosted_urls_are_used_on_aws()
    {
        HttpRequestMessage? seen = null;
        var downloader = new S3ObjectDownloader(new HttpClient(new Answer(r =>
        {
            seen = r;
            return Ok(Content);
        })), _ => Task.FromResult(Credentials), new S3Endpoint("eu-west-1"), _folder, 1000, _time, NullLogger.Instance);

        await downloader.FetchAsync("my-bucket", "a b.bin", ContentHash, CancellationToken.None);

        Assert.AreEqual("https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b.bin", seen!.RequestUri!.AbsoluteUri);
    }

    private static readonly AwsCredentials Credentials = new("ASIAEXAMPLE", "secret", "session-token", new DateTime(2026, 12, 3, 11, 0, 0, DateTimeKind.Utc));

    private S3ObjectDownloader Downloader(Func<HttpRequestMessage, HttpResponseMessage> answer, long maximumBytes = 1_000_000) =>
        new(new HttpClient(new Answer(answer)), _ => Task.FromResult(Credentials), new S3Endpoint("eu-west-1", new Uri("https://localhost:8443")), _folder, maximumBytes, _time, NullLogger.Instance);

    private static HttpResponseMessage Ok(byte[] body) => new(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };

    internal sealed class Answer(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer(request));
    }

    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Text;
using DeviceFirmware.Cloud;
using DeviceFirmware.Core.Agent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DeviceFirmware.Tests.Cloud;

[TestClass]
public sealed class S3FetchWorkerTests
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes("settings v3");
    private static readonly string Hash = Convert.ToHexStringLower(SHA256.HashData(Content));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
    private string _folder = null!;

    [TestInitialize]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("s3-worker-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private string RecordPath => Path.Combine(_folder, S3Fetching.RecordFileName);

    [TestMethod]
    public async Task An_install_is_answered_and_recorded_for_the_next_start()
    {
        using var worker = Worker(() => Downloader(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Content) }));
        Assert.IsNull(worker.LoadRecord());

        var completed = await FetchAsync(worker, new FetchS3Object(7, "s3://files/cfg.json", "files", "cfg.json", Hash, 0));

        Assert.AreEqual((7L, S3FetchStatus.Installed), (completed.FetchId, completed.Status));
        var record = worker.LoadRecord()!;
        Assert.AreEqual(("s3://files/cfg.json", Hash, _time.GetUtcNow().UtcDateTime), (record.Url, record.Hash, record.InstalledAt));
    }

    [TestMethod]
    public async Task Certificates_that_cannot_be_loaded_fail_the_fetch_instead_of_the_start()
    {
        using var worker = Worker(() => throw new DeviceFirmware.Mqtt.MqttConnectException("The root CA file 'x' cannot be read"));

        var completed = await FetchAsync(worker, new FetchS3Object(1, "s3://files/k", "files", "k", Hash, 0));

        Assert.AreEqual(S3FetchStatus.DownloadFailed, completed.Status);
        StringAssert.Contains(completed.Detail, "root CA");
        Assert.IsNull(worker.LoadRecord());
    }

    [TestMethod]
    public async Task A_superseded_fetch_is_not_answered()
    {
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = 0;
        using var worker = Worker(() => Downloader(_ =>
        {
            if (Interlocked.Increment(ref requests) == 1)
            {
                firstStarted.TrySetResult();
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new NeverEndingStream()) };
            }

            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Content) };
        }));
        var answers = new List<S3FetchCompleted>();
        var second = new TaskCompletionSource<S3FetchCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Post(AgentEvent e)
        {
            lock (answers)
            {
                answers.Add((S3FetchCompleted)e);
            }

            if (((S3FetchCompleted)e).FetchId == 2)
            {
                second.TrySetResult((S3FetchCompleted)e);
            }
        }

        worker.Start(new FetchS3Object(1, "s3://files/a", "files", "a", Hash, 0), Post);
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        worker.Start(new FetchS3Object(2, "s3://files/b", "files", "b", Hash, 0), Post);

        Assert.AreEqual(S3FetchStatus.Installed, (await second.Task.WaitAsync(TimeSpan.FromSeconds(20))).Status);
        lock (answers)
        {
            CollectionAssert.AreEqual(new[] { 2L }, answers.Select(a => a.FetchId).ToArray(), "fetch 1 was cancelled and never answered before fetch 2's answer");
        }
    }

    [TestMethod]
    public void An_unreadable_record_means_no_record()
    {
        File.WriteAllText(RecordPath, "{not json");
        using var worker = Worker(() => throw new InvalidOperationException("not used"));
        Assert.IsNull(worker.LoadRecord());
    }

    private S3FetchWorker Worker(Func<S3ObjectDownloader> downloader) => new(downloader, RecordPath, _time, NullLogger.Instance);

    private S3ObjectDownloader Downloader(Func<HttpRequestMessage, HttpResponseMessage> answer) =>
        new(new HttpClient(new S3ObjectDownloaderTests.Answer(answer)), _ => Task.FromResult(new AwsCredentials("ASIA", "s", "t")), new S3Endpoint("us-east-1", new Uri("https://localhost:8443")), Path.Combine(_folder, "files"), 1_000_000, _time, NullLogger.Instance);

    private static async Task<S3FetchCompleted> FetchAsync(S3FetchWorker worker, FetchS3Object fetch)
    {
        var answered = new TaskCompletionSource<S3FetchCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
        worker.Start(fetch, e => answered.TrySetResult((S3FetchCompleted)e));
        return await answered.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>A body that never ends until its reader is cancelled.</summary>
    private sealed class NeverEndingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

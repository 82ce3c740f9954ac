using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using LocalIotCore.Broker;
using LocalIotCore.Registry;
using LocalIotCore.Shadows;
using Microsoft.Extensions.Logging;

namespace LocalIotCore.S3;

/// <summary>What the upload rule did for one thing.</summary>
public sealed record FanOutResult(string Thing, string Status, long? Version = null, int Attempts = 1);

/// <summary>One upload and what the rule did for every thing.</summary>
public sealed record UploadFanOut(string Url, string Hash, long Size, DateTime AtUtc, IReadOnlyList<FanOutResult> Results)
{
    public JsonObject ToJson()
    {
        var results = new JsonArray();
        foreach (var result in Results)
        {
            var item = new JsonObject { ["thing"] = result.Thing, ["status"] = result.Status, ["attempts"] = result.Attempts };
            if (result.Version is long version)
            {
                item["version"] = version;
            }

            results.Add((JsonNode)item);
        }

        return new JsonObject { ["url"] = Url, ["hash"] = Hash, ["size"] = Size, ["at"] = AtUtc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), ["results"] = results };
    }
}

/// <summary>
/// The cloud function this repository's pattern pairs with an S3 bucket notification (s3:ObjectCreated:*),
/// run inside LocalIotCore: for an upload to a configured bucket it lists every registered thing (paged,
/// as ListThings with nextToken), skips things without a classic shadow, and writes
/// <c>{"state":{"desired":{"s3":{"url":"s3://bucket/key","hash":"&lt;sha256&gt;"}}}}</c> into each, retrying
/// once on throttling. Uploads are handled one at a time, in order, off the PutObject request.
/// </summary>
public sealed class UploadFanOutRule : IAsyncDisposable
{
    /// <summary>Uploads kept for /api/s3-uploads and the dashboard (the newest last).</summary>
    public const int HistoryLength = 50;

    private const int PageSize = 100;

    private readonly IReadOnlySet<string> _buckets;
    private readonly IotRegistry _registry;
    private readonly Func<ShadowId, byte[], ShadowResponse> _update;
    private readonly Func<IReadOnlyList<ShadowMessage>, Task> _publish;
    private readonly IShadowService _shadows;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<S3ObjectCreated> _uploads = Channel.CreateUnbounded<S3ObjectCreated>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Queue<UploadFanOut> _history = new();
    private readonly Task _worker;

    /// <param name="update">A classic-shadow update (the router's, so that devices see deltas).</param>
    public UploadFanOutRule(IEnumerable<string> buckets, IotRegistry registry, IShadowService shadows, Func<ShadowId, byte[], ShadowResponse> update, Func<IReadOnlyList<ShadowMessage>, Task> publish, TimeProvider time, ILogger log)
    {
        _buckets = new HashSet<string>(buckets ?? throw new ArgumentNullException(nameof(buckets)), StringComparer.Ordinal);
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _shadows = shadows ?? throw new ArgumentNullException(nameof(shadows));
        _update = update ?? throw new ArgumentNullException(nameof(update));
        _publish = publish ?? throw new ArgumentNullException(nameof(publish));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _worker = Task.Run(RunAsync);
    }

    /// <summary>Raised after each upload's fan-out (for the dashboard's live feed).</summary>
    public event Action<UploadFanOut>? FannedOut;

    public IReadOnlySet<string> Buckets => _buckets;

    /// <summary>The newest uploads' results, oldest first.</summary>
    public IReadOnlyList<UploadFanOut> History
    {
        get
        {
            lock (_history)
            {
                return [.. _history];
            }
        }
    }

    /// <summary>The S3 store's ObjectCreated handler: queues the upload (it returns at once).</summary>
    public void OnObjectCreated(S3ObjectCreated created)
    {
        ArgumentNullException.ThrowIfNull(created);
        if (_buckets.Contains(created.Bucket))
        {
            _uploads.Writer.TryWrite(created);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _uploads.Writer.TryComplete();
        await _worker.ConfigureAwait(false);
    }

    /// <summary>The fan-out for one upload (public for tests; the worker calls it in order).</summary>
    public async Task<UploadFanOut> FanOutAsync(S3ObjectCreated created)
    {
        ArgumentNullException.ThrowIfNull(created);
        var url = "s3://" + created.Bucket + "/" + created.Key;
        var update = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["state"] = new JsonObject { ["desired"] = new JsonObject { ["s3"] = new JsonObject { ["url"] = url, ["hash"] = created.Sha256Hex } } },
        }.ToJsonString());
        var results = new List<FanOutResult>();
        string? token = null;
        do
        {
            var page = _registry.ListThings(PageSize, token);
            foreach (var thing in page.Items)
            {
                results.Add(await UpdateAsync(thing.Name, update).ConfigureAwait(false));
            }

            token = page.NextToken;
        }
        while (token is not null);

        var fanOut = new UploadFanOut(url, created.Sha256Hex, created.Size, _time.GetUtcNow().UtcDateTime, results);
        lock (_history)
        {
            _history.Enqueue(fanOut);
            while (_history.Count > HistoryLength)
            {
                _history.Dequeue();
            }
        }

        _log.LogInformation("Upload {Url} ({Size} bytes, SHA-256 {Hash}): desired.s3 written to {Updated} of {Things} things", url, created.Size, created.Sha256Hex, results.Count(r => r.Status == "updated"), results.Count);
        FannedOut?.Invoke(fanOut);
        return fanOut;
    }

    private async Task<FanOutResult> UpdateAsync(string thing, byte[] update)
    {
        var id = new ShadowId(thing, null);
        if (_shadows.Get(id, []).StatusCode == 404)
        {
            return new FanOutResult(thing, "skipped: no shadow");
        }

        var response = _update(id, update);
        var attempts = 1;
        if (response.StatusCode == 429)
        {
            // Throttled: once more, after a pause, as the function's retry does.
            await Task.Delay(TimeSpan.FromSeconds(1), _time).ConfigureAwait(false);
            response = _update(id, update);
            attempts++;
        }

        await _publish(response.Messages).ConfigureAwait(false);
        if (response.StatusCode == 200)
        {
            return new FanOutResult(thing, "updated", (long?)JsonNode.Parse(response.Body)?["version"], attempts);
        }

        var message = (string?)JsonNode.Parse(response.Body)?["message"] ?? "";
        return new FanOutResult(thing, "failed: " + response.StatusCode + " " + message, null, attempts);
    }

    private async Task RunAsync()
    {
        await foreach (var created in _uploads.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await FanOutAsync(created).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or System.Text.Json.JsonException)
            {
                _log.LogError(ex, "The upload rule failed for s3://{Bucket}/{Key}", created.Bucket, created.Key);
            }
        }
    }
}

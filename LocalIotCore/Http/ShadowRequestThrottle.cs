using System.Collections.Concurrent;

namespace LocalIotCore.Http;

/// <summary>
/// An opt-in request rate per thing for the data plane's shadow operations, answered with AWS's 429
/// ThrottlingException when exceeded, so that a client's throttling branch (retry, back off) can be
/// run against LocalIotCore. Off unless a rate is configured: AWS's quotas differ by account and
/// region, so the user sets the one to test against. A token bucket per thing that holds one second
/// of requests (at least one request). Thread-safe.
/// </summary>
public sealed class ShadowRequestThrottle(double requestsPerSecond, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    private double Capacity => Math.Max(1, RequestsPerSecond);

    public double RequestsPerSecond { get; } = requestsPerSecond > 0 ? requestsPerSecond : throw new ArgumentOutOfRangeException(nameof(requestsPerSecond), "A rate above 0 requests per second.");

    /// <summary>Takes one request for <paramref name="thing"/>; false when its rate is used up.</summary>
    public bool TryTake(string thing)
    {
        var now = time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(thing, _ => new Bucket(Capacity, now));
        lock (bucket)
        {
            var elapsed = time.GetElapsedTime(bucket.Updated, now).TotalSeconds;
            bucket.Tokens = Math.Min(Capacity, bucket.Tokens + (elapsed * RequestsPerSecond));
            bucket.Updated = now;
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens--;
            return true;
        }
    }

    private sealed class Bucket(double tokens, long updated)
    {
        public double Tokens { get; set; } = tokens;

        public long Updated { get; set; } = updated;
    }
}

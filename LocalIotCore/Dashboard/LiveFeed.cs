using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace LocalIotCore.Dashboard;

/// <summary>One change pushed to the dashboard: an SSE event name and its JSON data.</summary>
public sealed record LiveEvent(string Kind, string Json);

/// <summary>
/// The dashboard's change feed: the shadow service, the connection table, the notifier and the
/// telemetry history publish here, every open page (a Server-Sent Events stream) reads. Publishing
/// never blocks the broker: each subscriber has a bounded queue, and a subscriber that falls that far
/// behind is ended — its page reconnects and reloads the whole picture, so it misses nothing.
/// Every event costs work for each open page, and each page holds a connection and its buffers, so
/// the number of pages is bounded too (<see cref="MaximumSubscribers"/>), and a page whose write does
/// not complete within <see cref="WriteDeadline"/> (a reader that stopped reading) is dropped.
/// </summary>
public sealed class LiveFeed(int maximumSubscribers = LiveFeed.DefaultMaximumSubscribers)
{
    /// <summary>Open dashboard pages at once; more are refused (503) until one closes.</summary>
    public const int DefaultMaximumSubscribers = 100;

    public static readonly TimeSpan DefaultWriteDeadline = TimeSpan.FromSeconds(10);

    public const string Shadow = "shadow";
    public const string Connection = "connection";
    public const string Telemetry = "telemetry";
    public const string Notification = "notification";

    public const string Upload = "upload";

    /// <summary>Per open page by default; a page this far behind is not reading (a hung tab) and is cut off.</summary>
    public const int QueueLength = 1024;

    private readonly object _gate = new();
    private List<Channel<LiveEvent>> _subscribers = [];

    public int MaximumSubscribers { get; } = maximumSubscribers;

    /// <summary>Events queued for one page before it is cut off.</summary>
    public int PageQueueLength { get; init; } = QueueLength;

    /// <summary>How long one write to a page may take before the page is dropped.</summary>
    public TimeSpan WriteDeadline { get; init; } = DefaultWriteDeadline;

    /// <summary>True when a page is open: producers skip building events nobody reads.</summary>
    public bool HasSubscribers => Volatile.Read(ref _subscribers).Count > 0;

    public int SubscriberCount => Volatile.Read(ref _subscribers).Count;

    public void Publish(string kind, JsonObject data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var subscribers = Volatile.Read(ref _subscribers);
        if (subscribers.Count == 0)
        {
            return;
        }

        var live = new LiveEvent(kind, data.ToJsonString());
        foreach (var channel in subscribers)
        {
            if (!channel.Writer.TryWrite(live))
            {
                channel.Writer.TryComplete(new LiveFeedOverflowException(PageQueueLength));
                Unsubscribe(channel.Reader);
            }
        }
    }

    public ChannelReader<LiveEvent> Subscribe() =>
        TrySubscribe() ?? throw new InvalidOperationException(MaximumSubscribers + " pages are open already.");

    /// <summary>A new page's stream; null when <see cref="MaximumSubscribers"/> are open.</summary>
    public ChannelReader<LiveEvent>? TrySubscribe()
    {
        var channel = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(PageQueueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        lock (_gate)
        {
            if (_subscribers.Count >= MaximumSubscribers)
            {
                return null;
            }

            // Copy on write: Publish reads the list without a lock.
            _subscribers = [.. _subscribers, channel];
        }

        return channel.Reader;
    }

    /// <summary>Ends every open stream (LocalIotCore is stopping: an open page must not hold up the HTTP host's stop).</summary>
    public void CompleteAll()
    {
        lock (_gate)
        {
            foreach (var channel in _subscribers)
            {
                channel.Writer.TryComplete();
            }

            _subscribers = [];
        }
    }

    public void Unsubscribe(ChannelReader<LiveEvent> reader)
    {
        lock (_gate)
        {
            var remaining = new List<Channel<LiveEvent>>(_subscribers.Count);
            foreach (var channel in _subscribers)
            {
                if (channel.Reader == reader)
                {
                    channel.Writer.TryComplete();
                }
                else
                {
                    remaining.Add(channel);
                }
            }

            _subscribers = remaining;
        }
    }
}

/// <summary>Ends a page's stream that fell its whole queue (<see cref="LiveFeed.PageQueueLength"/> events) behind.</summary>
public sealed class LiveFeedOverflowException(int queueLength) : Exception("The page fell " + queueLength + " events behind; it reconnects and reloads.");

using System.Text.Json.Nodes;
using LocalIotCore.Dashboard;

namespace LocalIotCore.Tests.Dashboard;

[TestClass]
public sealed class LiveFeedTests
{
    [TestMethod]
    public void Every_open_page_hears_every_change_in_order()
    {
        var feed = new LiveFeed();
        Assert.IsFalse(feed.HasSubscribers);
        feed.Publish(LiveFeed.Shadow, new JsonObject { ["n"] = 0 }); // nobody listens: dropped, no error
        var first = feed.Subscribe();
        var second = feed.Subscribe();
        Assert.IsTrue(feed.HasSubscribers);
        feed.Publish(LiveFeed.Shadow, new JsonObject { ["n"] = 1 });
        feed.Publish(LiveFeed.Telemetry, new JsonObject { ["n"] = 2 });
        foreach (var reader in new[] { first, second })
        {
            Assert.IsTrue(reader.TryRead(out var one));
            Assert.AreEqual(new LiveEvent(LiveFeed.Shadow, "{\"n\":1}"), one);
            Assert.IsTrue(reader.TryRead(out var two));
            Assert.AreEqual(new LiveEvent(LiveFeed.Telemetry, "{\"n\":2}"), two);
            Assert.IsFalse(reader.TryRead(out _));
        }

        feed.Unsubscribe(first);
        feed.Publish(LiveFeed.Notification, new JsonObject());
        Assert.IsFalse(first.TryRead(out _));
        Assert.IsTrue(first.Completion.IsCompleted);
        Assert.IsTrue(second.TryRead(out _));
    }

    [TestMethod]
    public async Task A_page_that_stops_reading_is_cut_off_without_holding_up_the_others()
    {
        var feed = new LiveFeed();
        var stuck = feed.Subscribe();
        var reading = feed.Subscribe();
        for (var i = 0; i <= LiveFeed.QueueLength; i++)
        {
            feed.Publish(LiveFeed.Telemetry, new JsonObject { ["n"] = i });
            Assert.IsTrue(reading.TryRead(out _), "the page that reads gets event " + i);
        }

        // The stuck page keeps what it had queued, then its stream ends with the reason; the page reloads on reconnect.
        var queued = 0;
        while (stuck.TryRead(out _))
        {
            queued++;
        }

        Assert.AreEqual(LiveFeed.QueueLength, queued);
        await Assert.ThrowsExactlyAsync<LiveFeedOverflowException>(() => stuck.Completion);
        Assert.IsTrue(feed.HasSubscribers, "the reading page is still subscribed");
        feed.CompleteAll();
        Assert.IsFalse(feed.HasSubscribers);
        Assert.IsTrue(reading.Completion.IsCompletedSuccessfully, "stopping ends every stream");
    }
}

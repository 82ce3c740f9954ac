using DeviceFirmware.Core.Agent;
using DeviceFirmware.Esp32;

namespace DeviceFirmware.Tests.Esp32;

/// <summary>
/// DeviceFirmware/Esp32/EventInbox.cs: the ESP32's bounded queue from M2Mqtt's threads and the link
/// worker to the agent's loop. A burst of shadow messages must not hide a lost link or a connect
/// result, and the events must reach the agent in the order they happened. Every Take here uses
/// timeout 0 or finds an event already queued, so no test waits.
/// </summary>
[TestClass]
public sealed class EventInboxTests
{
    /// <summary>The bounds docs and the class comment promise, written out so that a change to them fails here.</summary>
    private const int Capacity = 16;
    private const int MessageLimit = 4;

    [TestMethod]
    public void Events_are_taken_in_the_order_they_were_posted()
    {
        var inbox = new EventInbox();
        var connected = new ConnectSucceeded();
        var message = Message(1);
        var lost = new ConnectionLost("wifi gone");
        Assert.IsTrue(inbox.Post(connected));
        Assert.IsTrue(inbox.Post(message));
        Assert.IsTrue(inbox.Post(lost));

        Assert.AreSame(connected, inbox.Take(0));
        Assert.AreSame(message, inbox.Take(0));
        Assert.AreSame(lost, inbox.Take(0));
        Assert.IsNull(inbox.Take(0));
    }

    [TestMethod]
    public void An_empty_inbox_with_timeout_zero_returns_null()
    {
        var inbox = new EventInbox();
        Assert.IsNull(inbox.Take(0));
        Assert.IsNull(inbox.Take(-1), "a negative timeout does not wait either");
    }

    [TestMethod]
    public void An_event_already_queued_is_returned_without_waiting_for_the_timeout()
    {
        var inbox = new EventInbox();
        var lost = new ConnectionLost("reset");
        inbox.Post(lost);

        // Were Take to wait first, this test would hang for ten minutes, not pass.
        Assert.AreSame(lost, inbox.Take(600_000));
    }

    [TestMethod]
    public void A_fifth_waiting_message_is_refused_but_control_events_still_get_in()
    {
        var inbox = new EventInbox();
        for (var i = 0; i < MessageLimit; i++)
        {
            Assert.IsTrue(inbox.Post(Message(i)), "message " + i);
        }

        Assert.IsFalse(inbox.Post(Message(99)), "a flood stops at the message limit");

        var lost = new ConnectionLost("broker closed");
        Assert.IsTrue(inbox.Post(lost), "a lost link is never crowded out by messages");
        Assert.IsTrue(inbox.Post(new ConnectFailed("refused")));

        for (var i = 0; i < MessageLimit; i++)
        {
            var taken = inbox.Take(0) as MessageReceived;
            Assert.IsNotNull(taken);
            Assert.AreEqual((byte)i, taken.Payload[0], "the refused message did not replace a queued one");
        }

        Assert.AreSame(lost, inbox.Take(0));
        Assert.IsInstanceOfType<ConnectFailed>(inbox.Take(0));
        Assert.IsNull(inbox.Take(0));
    }

    [TestMethod]
    public void Taking_a_message_makes_room_for_the_next_one()
    {
        var inbox = new EventInbox();
        for (var i = 0; i < MessageLimit; i++)
        {
            inbox.Post(Message(i));
        }

        Assert.IsFalse(inbox.Post(Message(100)));
        Assert.IsNotNull(inbox.Take(0));
        Assert.IsTrue(inbox.Post(Message(101)));
        Assert.IsFalse(inbox.Post(Message(102)));
    }

    [TestMethod]
    public void The_ring_holds_sixteen_events_and_refuses_the_seventeenth()
    {
        var inbox = new EventInbox();
        for (var i = 0; i < Capacity; i++)
        {
            Assert.IsTrue(inbox.Post(new TimerDue(AgentTimer.Telemetry)), "event " + i);
        }

        Assert.IsFalse(inbox.Post(new ConnectionLost("late")));
        Assert.IsFalse(inbox.Post(Message(1)), "no message gets in when the ring is full");

        var taken = 0;
        while (inbox.Take(0) != null)
        {
            taken++;
        }

        Assert.AreEqual(Capacity, taken);
    }

    [TestMethod]
    public void A_full_ring_that_wraps_around_keeps_the_order()
    {
        var inbox = new EventInbox();
        var posted = new List<AgentEvent>();
        for (var i = 0; i < Capacity; i++)
        {
            posted.Add(new ConnectFailed("attempt " + i));
            inbox.Post(posted[i]);
        }

        // Take five and post five more: the ring's write position wraps past its end.
        for (var i = 0; i < 5; i++)
        {
            Assert.AreSame(posted[i], inbox.Take(0));
        }

        for (var i = 0; i < 5; i++)
        {
            var more = new ConnectFailed("later " + i);
            posted.Add(more);
            Assert.IsTrue(inbox.Post(more));
        }

        Assert.IsFalse(inbox.Post(new ConnectSucceeded()), "full again");
        for (var i = 5; i < posted.Count; i++)
        {
            Assert.AreSame(posted[i], inbox.Take(0), "event " + i);
        }

        Assert.IsNull(inbox.Take(0));
    }

    private static MessageReceived Message(int marker) =>
        new("$aws/things/pump-1/shadow/update/delta", [(byte)marker]);
}

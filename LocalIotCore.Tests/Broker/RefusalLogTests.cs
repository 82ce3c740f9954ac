using LocalIotCore.Broker;
using LocalIotCore.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace LocalIotCore.Tests.Broker;

[TestClass]
public sealed class RefusalLogTests
{
    [TestMethod]
    public void A_flood_of_one_kind_logs_one_line_per_window_with_the_count_it_left_out()
    {
        var lines = new CapturedLog();
        var time = new FakeTimeProvider();
        var refusals = new RefusalLog(lines.CreateLogger("test"), time, TimeSpan.FromSeconds(10));
        for (var i = 0; i < 1000; i++)
        {
            refusals.Refused(RefusalKind.OversizedPacket, "client " + i);
        }

        refusals.Refused(RefusalKind.PlaintextOnTlsPort, "another kind has its own budget");
        Assert.AreEqual(2, lines.Lines.Count);
        StringAssert.Contains(lines.Lines.First(), "client 0");

        time.Advance(TimeSpan.FromSeconds(9.9));
        refusals.Refused(RefusalKind.OversizedPacket, "still inside the window");
        Assert.AreEqual(2, lines.Lines.Count);

        time.Advance(TimeSpan.FromSeconds(0.1));
        refusals.Refused(RefusalKind.OversizedPacket, "client 1001");
        Assert.AreEqual(3, lines.Lines.Count);
        var third = lines.Lines.Last();
        StringAssert.Contains(third, "client 1001");
        StringAssert.Contains(third, "1000 more of this kind");
        Assert.AreEqual(1002, refusals.Count(RefusalKind.OversizedPacket));
    }
}

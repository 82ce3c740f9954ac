using System;
using DeviceFirmware.Core;

namespace DeviceFirmware.Tests.Core;

[TestClass]
public sealed class Iso8601Tests
{
    [TestMethod]
    [DataRow(2026, 11, 22, 15, 42, 1, 123, "2026-11-22T15:42:01.123Z")]
    [DataRow(2026, 1, 2, 3, 4, 5, 6, "2026-01-02T03:04:05.006Z")]
    [DataRow(1, 1, 1, 0, 0, 0, 0, "0001-01-01T00:00:00.000Z")]
    [DataRow(9999, 12, 31, 23, 59, 59, 999, "9999-12-31T23:59:59.999Z")]
    public void Formats_every_field_zero_padded(int year, int month, int day, int hour, int minute, int second, int millisecond, string expected)
    {
        // nanoFramework has no constructor with a DateTimeKind and milliseconds; Format reads no Kind.
        var time = new DateTime(year, month, day, hour, minute, second, millisecond);
        Assert.AreEqual(expected, Iso8601.Format(time));
    }

    [TestMethod]
    public void Drops_ticks_below_a_millisecond()
    {
        var time = new DateTime(2026, 11, 22, 15, 42, 1, 123).AddTicks(9999);
        Assert.AreEqual("2026-11-22T15:42:01.123Z", Iso8601.Format(time));
    }
}

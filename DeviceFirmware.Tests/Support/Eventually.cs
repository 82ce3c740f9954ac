namespace DeviceFirmware.Tests.Support;

/// <summary>Polls a condition until a deadline: tests wait for what they need, never for a fixed time.</summary>
internal static class Eventually
{
    public static Task Until(Func<bool> condition, string what, TimeSpan patience) =>
        Until(() => Task.FromResult(condition()), what, patience);

    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!await condition())
        {
            Assert.IsTrue(DateTime.UtcNow < deadline, "not within " + patience.TotalSeconds + " s: " + what);
            await Task.Delay(10);
        }
    }
}

using System;

namespace DeviceFirmware.Core.Agent;

/// <summary>ISO-8601 UTC timestamps with milliseconds, e.g. 2026-11-22T15:42:01.123Z (written out:
/// custom DateTime formats are not something the nanoFramework mscorlib promises).</summary>
public static class Iso8601
{
    /// <param name="utc">A UTC time (the core's clock is always UTC).</param>
    public static string Format(DateTime utc) =>
        AgentText.ZeroPadded(utc.Year, 4) + "-" + AgentText.ZeroPadded(utc.Month, 2) + "-" + AgentText.ZeroPadded(utc.Day, 2) +
        "T" + AgentText.ZeroPadded(utc.Hour, 2) + ":" + AgentText.ZeroPadded(utc.Minute, 2) + ":" + AgentText.ZeroPadded(utc.Second, 2) +
        "." + AgentText.ZeroPadded(utc.Millisecond, 3) + "Z";
}

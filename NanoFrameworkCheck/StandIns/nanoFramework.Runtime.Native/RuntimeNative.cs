// Reference-only stand-in for nanoFramework.Runtime.Native 1.7: only the members the ESP32 host
// calls. Checked against nanoframework/nanoFramework.Runtime.Native:
// nanoFramework.Runtime.Native/GC.cs (uint Run(bool compactHeap): free heap bytes after a collection)
// and nanoFramework.Runtime.Native/System/Environment.cs (long TickCount64: milliseconds since boot,
// a clock SNTP does not move). Never shipped, never run.
using NanoFrameworkCheck.StandIns;

namespace nanoFramework.Runtime.Native
{
    public static class GC
    {
        public static uint Run(bool compactHeap) => throw StandIn.NotForRuntime();
    }
}

namespace System
{
    public static partial class Environment
    {
        public static long TickCount64 => throw StandIn.NotForRuntime();
    }
}
